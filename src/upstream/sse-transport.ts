import type { Transport } from '@modelcontextprotocol/client';
import type { JSONRPCMessage } from '../protocol/jsonrpc.js';
import type { HttpServerConfig } from '../config/schema.js';
import type { UpstreamTransport } from './transport.js';

/**
 * The deprecated HTTP+SSE transport (2024-11-05) through the SDK's client transport: legacy only, kept for servers
 * that have not moved to Streamable HTTP. The SDK client is loaded when such an upstream starts, so a gateway
 * without one does not carry it (about 25 MB resident).
 */
export class SseTransport implements UpstreamTransport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: (reason: string) => void;
  private sdk?: Transport;

  constructor(private readonly server: HttpServerConfig) {}

  async start(): Promise<void> {
    const { SSEClientTransport } = await import('@modelcontextprotocol/client');
    const sdk: Transport = new SSEClientTransport(new URL(this.server.url), { requestInit: { headers: this.server.headers } });
    sdk.onmessage = (message) => this.onmessage?.(message as JSONRPCMessage);
    sdk.onclose = () => this.onclose?.('the HTTP connection closed');
    this.sdk = sdk;
    await sdk.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (!this.sdk) return Promise.reject(new Error('the HTTP+SSE transport has not started'));
    return this.sdk.send(message as Parameters<Transport['send']>[0]);
  }

  async close(): Promise<void> {
    await this.sdk?.close();
  }

  setProtocolVersion(version: string | undefined): void {
    if (version) this.sdk?.setProtocolVersion?.(version);
  }
}
