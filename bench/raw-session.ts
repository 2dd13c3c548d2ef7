/**
 * MCP over plain fetch, the way wrk will speak it: a legacy session opened by hand, so that its id can be put
 * in the load generator's headers, and single requests whose answer (JSON or SSE) is checked before loading.
 */
export const ACCEPT = 'application/json, text/event-stream';
const CLIENT_INFO = { name: 'toolgate-bench', version: '1.0.0' };

export interface RawSession {
  url: string;
  /** Mcp-Session-Id and MCP-Protocol-Version, as every later request must carry them. */
  headers: Record<string, string>;
}

export interface JsonRpcAnswer {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export async function openSession(url: string): Promise<RawSession> {
  const params = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: CLIENT_INFO };
  const { answer, headers } = await exchange(url, {}, { jsonrpc: '2.0', id: 'init', method: 'initialize', params });
  const sessionId = headers.get('mcp-session-id');
  if (!sessionId || !answer?.result) throw new Error(`${url}: initialize was not answered with a result and an Mcp-Session-Id`);
  const session = { url, headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': String(answer.result.protocolVersion) } };
  await exchange(url, session.headers, { jsonrpc: '2.0', method: 'notifications/initialized' });
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
function fromEventStream(text: string, id: unknown): JsonRpcAnswer | undefined {
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
