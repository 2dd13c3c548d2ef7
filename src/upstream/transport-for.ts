import { isStdioServer, type ServerConfig } from '../config/schema.js';
import { HttpTransport } from './http-transport.js';
import { StdioTransport } from './stdio-transport.js';
import type { UpstreamTransport } from './transport.js';

/** The wire a configured server is reached by. */
export function transportFor(server: ServerConfig): UpstreamTransport {
  return isStdioServer(server) ? new StdioTransport(server) : new HttpTransport(server);
}
