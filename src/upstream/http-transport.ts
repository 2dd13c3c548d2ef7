import { SSEClientTransport, StreamableHTTPClientTransport, type Transport } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '../protocol/jsonrpc.js';
import type { HttpServerConfig } from '../config/schema.js';
import type { Cancellation } from './cancellation.js';
import type { UpstreamTransport } from './transport.js';

/**
 * An HTTP upstream through the SDK's client transports, which own the wire details of both eras
 * (session ids, SSE parsing, `Mcp-Method`/`Mcp-Name` headers derived from the body).
 */
export class HttpTransport implements UpstreamTransport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: (reason: string) => void;
  private readonly sdk: Transport;

  constructor(server: HttpServerConfig) {
    const url = new URL(server.url);
    const requestInit = { headers: server.headers };
    this.sdk =
      server.transport === 'sse'
        ? new SSEClientTransport(url, { requestInit })
        : new StreamableHTTPClientTransport(url, { requestInit });
    this.sdk.onmessage = (message) => this.onmessage?.(message as JSONRPCMessage);
    this.sdk.onclose = () => this.onclose?.('the HTTP connection closed');
  }

  start(): Promise<void> {
    return this.sdk.start();
  }

  send(message: JSONRPCMessage, options?: { cancellation?: Cancellation }): Promise<void> {
    // On a 2026-07-28 HTTP upstream, closing the request's stream is how a call is cancelled.
    const requestSignal = options?.cancellation?.toSignal();
    return this.sdk.send(message as Parameters<Transport['send']>[0], requestSignal ? { requestSignal } : undefined);
  }

  close(): Promise<void> {
    return this.sdk.close();
  }

  setProtocolVersion(version: string): void {
    this.sdk.setProtocolVersion?.(version);
  }
}
