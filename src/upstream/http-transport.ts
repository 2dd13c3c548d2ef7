import type { Transport } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '../protocol/jsonrpc.js';
import type { HttpServerConfig } from '../config/schema.js';
import type { Cancellation } from './cancellation.js';
import type { UpstreamTransport } from './transport.js';

/**
 * An HTTP upstream through the SDK's client transports, which own the wire details of both eras (session ids, SSE
 * parsing, `Mcp-Method`/`Mcp-Name` headers derived from the body). The SDK client is loaded when the first HTTP
 * upstream starts, so a gateway with only stdio servers does not carry it (about 25 MB resident).
 */
export class HttpTransport implements UpstreamTransport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: (reason: string) => void;
  private sdk?: Transport;

  constructor(private readonly server: HttpServerConfig) {}

  async start(): Promise<void> {
    const { SSEClientTransport, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const url = new URL(this.server.url);
    const requestInit = { headers: this.server.headers };
    const sdk: Transport =
      this.server.transport === 'sse' ? new SSEClientTransport(url, { requestInit }) : new StreamableHTTPClientTransport(url, { requestInit });
    sdk.onmessage = (message) => this.onmessage?.(message as JSONRPCMessage);
    sdk.onclose = () => this.onclose?.('the HTTP connection closed');
    this.sdk = sdk;
    await sdk.start();
  }

  send(message: JSONRPCMessage, options?: { cancellation?: Cancellation }): Promise<void> {
    if (!this.sdk) return Promise.reject(new Error('the HTTP transport has not started'));
    // On a 2026-07-28 HTTP upstream, closing the request's stream is how a call is cancelled.
    const requestSignal = options?.cancellation?.toSignal();
    return this.sdk.send(message as Parameters<Transport['send']>[0], requestSignal ? { requestSignal } : undefined);
  }

  async close(): Promise<void> {
    await this.sdk?.close();
  }

  setProtocolVersion(version: string): void {
    this.sdk?.setProtocolVersion?.(version);
  }
}
