import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { GATEWAY_CLIENT_CAPABILITIES } from '../../src/upstream/handshake.js';
import { EVERYTHING, startGateway, type RunningGateway } from './harness.js';
import { answerOf } from '../support/answer.js';

/**
 * The SDK's clients parse results with their own schemas, which can hide a field the gateway dropped. Here the
 * JSON itself is compared: what server-everything writes on stdout against what the gateway sends over HTTP.
 */

let gateway: RunningGateway;

before(async () => {
  gateway = await startGateway({ everything: EVERYTHING });
});

after(async () => {
  await gateway?.close();
});

/** Speaks raw JSON-RPC lines to a freshly spawned server-everything. */
async function direct(requests: { method: string; params?: unknown }[]): Promise<unknown[]> {
  const child = spawn(EVERYTHING.command, EVERYTHING.args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = new Map<number, (result: unknown) => void>();
  lines.on('line', (line) => {
    const message = JSON.parse(line) as { id?: number; result?: unknown; error?: unknown };
    if (typeof message.id === 'number' && waiting.has(message.id) && !('method' in message)) waiting.get(message.id)!(message.result ?? message.error);
  });
  const ask = (id: number, method: string, params?: unknown) =>
    new Promise<unknown>((resolve) => {
      waiting.set(id, resolve);
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  try {
    // The gateway declares every client capability upstream (server-everything lists some tools only then).
    await ask(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: GATEWAY_CLIENT_CAPABILITIES, clientInfo: { name: 'raw', version: '1' } });
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
    const results: unknown[] = [];
    for (const [i, request] of requests.entries()) results.push(await ask(i + 1, request.method, request.params));
    return results;
  } finally {
    child.kill();
  }
}

async function proxied(requests: { method: string; params?: unknown }[]): Promise<unknown[]> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const url = gateway.url('everything');
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  const session = init.headers.get('mcp-session-id')!;
  const results: unknown[] = [];
  for (const [i, request] of requests.entries()) {
    const response = await fetch(url, { method: 'POST', headers: { ...headers, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: i + 1, ...request }) });
    const body = (await answerOf(response)) as { result?: unknown; error?: unknown };
    results.push(body.result ?? body.error);
  }
  return results;
}

test('results reach the client as the server wrote them, every field intact', async () => {
  const requests = [
    { method: 'tools/call', params: { name: 'get-structured-content', arguments: { location: 'Chicago' } } },
    { method: 'tools/call', params: { name: 'get-annotated-message', arguments: { messageType: 'error', includeImage: true } } },
    { method: 'prompts/get', params: { name: 'args-prompt', arguments: { city: 'Lyon' } } },
    { method: 'resources/templates/list' },
    { method: 'completion/complete', params: { ref: { type: 'ref/prompt', name: 'completable-prompt' }, argument: { name: 'department', value: 'S' } } },
  ];
  const [expected, actual] = await Promise.all([direct(requests), proxied(requests)]);
  assert.deepEqual(actual, expected);
});

test('tool definitions keep every field', async () => {
  const [expected] = await direct([{ method: 'tools/list' }]);
  const [actual] = await proxied([{ method: 'tools/list' }]);
  assert.deepEqual((actual as { tools: unknown[] }).tools, (expected as { tools: unknown[] }).tools);
});
