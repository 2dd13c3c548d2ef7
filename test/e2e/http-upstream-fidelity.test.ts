import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHttpFixture, type HttpFixture } from '../support/http-fixture.js';
import { httpClient, startGateway, type RunningGateway } from './harness.js';

/**
 * What a server over Streamable HTTP says reaches the client as the server said it, whichever era each side
 * speaks: the conformance fixture served 2025-only and 2026-07-28-only, behind the gateway.
 */

const MODERN_ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
};

let legacyOnly: HttpFixture;
let modernOnly: HttpFixture;
let gateway: RunningGateway;

before(async () => {
  [legacyOnly, modernOnly] = await Promise.all([startHttpFixture('legacy'), startHttpFixture('modern')]);
  gateway = await startGateway({ legacy: { url: legacyOnly.url }, modern: { url: modernOnly.url } });
});

after(async () => {
  await gateway?.close();
  legacyOnly?.close();
  modernOnly?.close();
});

/** One 2026-07-28 request to the gateway, as bytes on the wire. */
async function modernPost(server: string, method: string, params: Record<string, unknown> = {}) {
  const response = await fetch(gateway.url(server), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': method },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: MODERN_ENVELOPE } }),
  });
  return { status: response.status, body: (await response.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } } };
}

test('the gateway reaches each server in the one era it speaks', () => {
  assert.equal(gateway.gateway.upstreams.get('legacy')?.info?.era, 'legacy');
  assert.equal(gateway.gateway.upstreams.get('modern')?.info?.era, 'modern');
});

test("a 2026-07-28 client calls a legacy HTTP server (its envelope is not the legacy server's version)", async () => {
  const client = await httpClient(gateway.url('legacy'), 'auto');
  try {
    const result = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.deepEqual(result.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);
  } finally {
    await client.close();
  }
});

test("a server's -32601 on HTTP 404 reaches a 2026-07-28 client as -32601 on HTTP 404, not as a transport failure", async () => {
  const { status, body } = await modernPost('modern', 'tasks/list');
  assert.equal(body.error?.code, -32601, JSON.stringify(body));
  assert.equal(status, 404);
});

test('server/discover answered by the gateway carries the cache hints of a 2026-07-28 result', async () => {
  const { status, body } = await modernPost('modern', 'server/discover');
  assert.equal(status, 200);
  assert.equal(body.result?.ttlMs, 0);
  assert.equal(body.result?.cacheScope, 'private');
});

test('SSE polling (SEP-1699): a call whose stream the legacy server closes mid-call is resumed and answered', async () => {
  const client = await httpClient(gateway.url('legacy'), 'legacy');
  try {
    const started = Date.now();
    const result = await client.callTool({ name: 'test_reconnection', arguments: {} });
    assert.deepEqual(result.content, [{ type: 'text', text: 'Reconnection test completed successfully.' }]);
    assert.ok(Date.now() - started < 10_000);
  } finally {
    await client.close();
  }
});
