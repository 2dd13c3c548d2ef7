import type { JSONRPCMessage, JSONRPCRequest } from '../../src/protocol/jsonrpc.js';
import type { UpstreamTransport } from '../../src/upstream/transport.js';

export const RECORDED_TOOLS = ['read_thing', 'write_thing', 'delete_thing', 'refund'];

/**
 * A legacy MCP server inside the test process, reached through the gateway's transport seam (`transport` in
 * `startGateway`'s overrides): it records every message the gateway sends it, so a test sees exactly what reached
 * the server, and answers as a small server with tools, prompts, subscribable resources and logging would.
 * Server entries that use it say `protocol: legacy` (no discovery probe).
 */
export class RecordingTransport implements UpstreamTransport {
  /** Every message the gateway sent, in order. */
  readonly received: JSONRPCMessage[] = [];
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: (reason: string) => void;
  /** Answers a request before the default answers do, when it returns something. */
  answer?: (request: JSONRPCRequest) => { result: Record<string, unknown> } | { error: { code: number; message: string } } | undefined;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.onclose?.('closed');
  }

  send(message: JSONRPCMessage): void {
    this.received.push(structuredClone(message));
    if (!('id' in message) || !('method' in message)) return;
    const request = message as JSONRPCRequest;
    const answer = this.answer?.(request) ?? { result: defaultAnswer(request) };
    queueMicrotask(() => this.onmessage?.({ jsonrpc: '2.0', id: request.id, ...answer } as JSONRPCMessage));
  }

  /** The requests and notifications received after the handshake (initialize, initialized and the lists left out). */
  traffic(): { method: string; params?: Record<string, unknown>; id?: unknown }[] {
    return (this.received as { method?: string; params?: Record<string, unknown>; id?: unknown }[])
      .filter((m): m is { method: string; params?: Record<string, unknown>; id?: unknown } => typeof m.method === 'string')
      .filter((m) => !['initialize', 'notifications/initialized', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list'].includes(m.method));
  }
}

function defaultAnswer(request: JSONRPCRequest): Record<string, unknown> {
  switch (request.method) {
    case 'initialize':
      return {
        protocolVersion: '2025-11-25',
        capabilities: { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true }, logging: {}, completions: {} },
        serverInfo: { name: 'recording', version: '1.0.0' },
      };
    case 'tools/list':
      return { tools: RECORDED_TOOLS.map((name) => ({ name, inputSchema: { type: 'object' } })) };
    case 'prompts/list':
      return { prompts: [{ name: 'greet' }] };
    case 'resources/list':
      return { resources: [{ uri: 'mem://a', name: 'a' }] };
    case 'tools/call':
      return { content: [{ type: 'text', text: `called ${String((request.params as { name?: unknown } | undefined)?.name)}` }] };
    default:
      return {};
  }
}
