import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONFORMANCE_SERVER } from '../support/http-fixture.js';
import { startGateway, type RunningGateway } from './harness.js';

/**
 * SEP-1699 on the gateway's own 2025-11-25 streams: every POST answers with a primed SSE stream (an event id and a
 * retry hint), and a client whose connection drops comes back with GET and Last-Event-ID for what followed.
 */

let gateway: RunningGateway;
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

before(async () => {
  gateway = await startGateway({ fixture: { command: process.execPath, args: ['--import', 'tsx', CONFORMANCE_SERVER] } });
});

after(() => gateway?.close());

async function session(protocolVersion: string): Promise<Record<string, string>> {
  const opened = await fetch(gateway.url('fixture'), {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  await opened.text();
  return { ...HEADERS, 'mcp-session-id': opened.headers.get('mcp-session-id')!, 'mcp-protocol-version': protocolVersion };
}

/** The SSE events of a body: their ids, retry hints and data. */
function events(text: string): { id?: string; retry?: string; data: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() && !block.startsWith(':'))
    .map((block) => {
      const field = (name: string) => [...block.matchAll(/^(\w+): ?(.*)$/gm)].find((m) => m[1] === name)?.[2];
      return { id: field('id'), retry: field('retry'), data: field('data') ?? '' };
    });
}

const progressCall = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'p' } } });

test('a 2025-11-25 POST stream is primed: an event id with empty data and a retry hint, then ids on every event', async () => {
  const headers = await session('2025-11-25');
  const response = await fetch(gateway.url('fixture'), { method: 'POST', headers, body: progressCall });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const [priming, ...rest] = events(await response.text());
  assert.match(priming!.id ?? '', /:0$/);
  assert.equal(priming!.data, '');
  assert.equal(priming!.retry, '1000');
  assert.deepEqual(
    rest.map((e) => Number(e.id!.split(':')[1])),
    rest.map((_, i) => i + 1),
  );
  assert.equal(JSON.parse(rest.at(-1)!.data).id, 7);
});

test('a client whose connection dropped gets the rest with GET and Last-Event-ID, and the call was not cancelled by the drop', async () => {
  const headers = await session('2025-11-25');
  const controller = new AbortController();
  const response = await fetch(gateway.url('fixture'), { method: 'POST', headers, body: progressCall, signal: controller.signal });
  const reader = response.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  const primingId = events(first)[0]!.id!;
  controller.abort();
  await new Promise((resolve) => setTimeout(resolve, 400)); // the call runs on and ends while the client is away
  const resumed = await fetch(gateway.url('fixture'), { headers: { ...headers, 'last-event-id': primingId } });
  assert.equal(resumed.status, 200);
  const replayed = events(await resumed.text()).map((e) => JSON.parse(e.data) as { method?: string; id?: number; result?: { content: { text: string }[] } });
  assert.equal(replayed.filter((m) => m.method === 'notifications/progress').length, 3);
  assert.equal(replayed.at(-1)!.id, 7);
  assert.ok(replayed.at(-1)!.result, 'the call ran to its end: a result, not a cancellation error');
});

test('Last-Event-ID naming no stream of the session is refused, and an older session gets unprimed streams', async () => {
  const headers = await session('2025-11-25');
  const refused = await fetch(gateway.url('fixture'), { headers: { ...headers, 'last-event-id': 'nope:3' } });
  assert.equal(refused.status, 400);
  const older = await session('2025-06-18');
  const response = await fetch(gateway.url('fixture'), { method: 'POST', headers: older, body: progressCall });
  assert.ok(events(await response.text()).every((e) => e.id === undefined && e.data !== ''));
});
