/**
 * MCP over plain fetch, the way wrk will speak it: a legacy session opened by hand, so that its id can be put
 * in the load generator's headers, or the headers and envelope of 2026-07-28 stateless requests; and single
 * requests whose answer (JSON or SSE) is checked before loading.
 */
export const ACCEPT = 'application/json, text/event-stream';
const CLIENT_INFO = { name: 'toolgate-bench', version: '1.0.0' };

export interface RawSession {
  url: string;
  /**
   * Mcp-Session-Id and MCP-Protocol-Version, as every later request must carry them (legacy), or the
   * MCP-Protocol-Version, Mcp-Method and Mcp-Name of a stateless request (2026-07-28).
   */
  headers: Record<string, string>;
  /** What every request's `params._meta` must carry (2026-07-28); absent in a legacy session. */
  meta?: Record<string, unknown>;
}

/** How the bench reaches an endpoint: a legacy session (2025-11-25), or stateless 2026-07-28 requests. */
export type Wire = 'session' | 'stateless';

const STATELESS_VERSION = '2026-07-28';
const STATELESS_META = { 'io.modelcontextprotocol/protocolVersion': STATELESS_VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };

/**
 * The 2026-07-28 way in, as agents on that revision call a tool: no handshake, the version and capabilities in
 * each request's `_meta`. Mcp-Method and Mcp-Name mirror the body (intermediaries route on them, and the gateway
 * refuses a request whose headers and body disagree), so these headers hold for calls of `tool` only.
 */
export function statelessCalls(url: string, tool: string): RawSession {
  return { url, headers: { 'mcp-protocol-version': STATELESS_VERSION, 'mcp-method': 'tools/call', 'mcp-name': tool }, meta: STATELESS_META };
}

/** A tools/call request's JSON, in the envelope `session` needs. */
export function toolCall(session: RawSession, id: string | number, name: string, args: Record<string, unknown>): string {
  const params = { name, arguments: args, ...(session.meta && { _meta: session.meta }) };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
}

export interface JsonRpcAnswer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export async function openSession(url: string, extra: Record<string, string> = {}): Promise<RawSession> {
  const params = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: CLIENT_INFO };
  const { answer, headers } = await exchange(url, extra, { jsonrpc: '2.0', id: 'init', method: 'initialize', params });
  const sessionId = headers.get('mcp-session-id');
  if (!sessionId || !answer?.result) throw new Error(`${url}: initialize was not answered with a result and an Mcp-Session-Id`);
  const session = { url, headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': String(answer.result.protocolVersion) } };
  await exchange(url, { ...extra, ...session.headers }, { jsonrpc: '2.0', method: 'notifications/initialized' });
  return session;
}

/** Posts one message; resolves with the answer to it (undefined for a notification's 202). */
export async function post(session: RawSession, body: string): Promise<JsonRpcAnswer | undefined> {
  return (await exchange(session.url, session.headers, body)).answer;
}

async function exchange(url: string, headers: Record<string, string>, message: object | string): Promise<{ answer?: JsonRpcAnswer; headers: Headers }> {
  const body = typeof message === 'string' ? message : JSON.stringify(message);
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  const id = (JSON.parse(body) as { id?: unknown }).id;
  if (id === undefined) return { headers: response.headers };
  const answer = (response.headers.get('content-type') ?? '').includes('text/event-stream') ? fromEventStream(text, id) : (JSON.parse(text) as JsonRpcAnswer);
  return { answer, headers: response.headers };
}

/** The response to request `id` among the events of an SSE body (a proxy may send notifications first). */
export function fromEventStream(text: string, id: unknown): JsonRpcAnswer | undefined {
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (!data) continue;
    const message = JSON.parse(data) as JsonRpcAnswer;
    if (message.id === id) return message;
  }
  return undefined;
}
