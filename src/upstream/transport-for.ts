import { isStdioServer, type ServerConfig } from '../config/schema.js';
import { SseTransport } from './sse-transport.js';
import { StdioTransport } from './stdio-transport.js';
import { StreamableHttpTransport } from './streamable-http-transport.js';
import type { UpstreamTransport } from './transport.js';

/** The wire a configured server is reached by. */
export function transportFor(server: ServerConfig): UpstreamTransport {
  if (isStdioServer(server)) return new StdioTransport(server);
  return server.transport === 'sse' ? new SseTransport(server) : new StreamableHttpTransport(server);
}
