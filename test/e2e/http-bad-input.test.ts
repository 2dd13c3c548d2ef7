/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON off the wire is inspected loosely on purpose */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { FIXTURE, startGateway, type RunningGateway } from './harness.js';

/** Raw HTTP against the endpoint: every malformed request gets the right status and JSON-RPC error. */

let gateway: RunningGateway;

before(async () => {
  gateway = await startGateway({ fixture: FIXTURE }, { max_body_bytes: 10_000 });
});

after(async () => {
  await gateway?.close();
});

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const MODERN = '2026-07-28';
const envelope = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };

async function post(body: unknown, headers: Record<string, string> = {}, path = '/mcp/fixture') {
  const response = await fetch(gateway.base + path, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

async function openSession(protocolVersion = '2025-06-18'): Promise<string> {
  const response = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  assert.equal(response.status, 200);
  assert.equal(response.body?.result.protocolVersion, protocolVersion);
  const id = response.headers.get('mcp-session-id');
  assert.ok(id);
  return id;
}

function modernHeaders(method: string, name?: string): Record<string, string> {
  return { 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name !== undefined && { 'mcp-name': name }) };
}

const echoCall = (name = 'echo', args: Record<string, unknown> = { message: 'hi' }) => ({
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/call',
  params: { name, arguments: args, _meta: envelope },
});

describe('malformed requests are refused clearly', () => {
  test('malformed JSON: 400 with a parse error', async () => {
    const response = await post('{"jsonrpc": "2.0", ');
    assert.equal(response.status, 400);
    assert.equal(response.body?.error.code, -32700);
  });

  test('wrong content type: 415', async () => {
    const response = await post('{}', { 'content-type': 'text/plain' });
    assert.equal(response.status, 415);
  });

  test('an Accept header without text/event-stream: 406', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { accept: 'application/json' });
    assert.equal(response.status, 406);
  });

  test('a body over the size cap: 413', async () => {
    const response = await post(echoCall('echo', { message: 'x'.repeat(20_000) }), modernHeaders('tools/call', 'echo'));
    assert.equal(response.status, 413);
  });

  test('not a JSON-RPC message: 400 invalid request', async () => {
    const response = await post({ jsonrpc: '1.0', id: 1, method: 'ping' });
    assert.equal(response.status, 400);
    assert.equal(response.body?.error.code, -32600);
  });

  test('a batch in a 2025-06-18 session: 400', async () => {
    const session = await openSession('2025-06-18');
    const response = await post([{ jsonrpc: '2.0', id: 1, method: 'ping' }], { 'mcp-session-id': session });
    assert.equal(response.status, 400);
    assert.match(response.body?.error.message, /batches are not allowed in protocol revision 2025-06-18/);
  });

  test('a batch in a 2025-03-26 session is answered as a batch', async () => {
    const session = await openSession('2025-03-26');
    const response = await post(
      [
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'batched' } } },
      ],
      { 'mcp-session-id': session },
    );
    assert.equal(response.status, 200);
    const answers = response.body as unknown as { id: number; result: any }[];
    assert.deepEqual(answers.map((a) => a.id), [1, 2]);
    assert.equal(answers[1]!.result.content[0].text, 'batched');
  });

  test('a batch with no session: 400', async () => {
    const response = await post([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    assert.equal(response.status, 400);
  });

  test('an unknown session: 404', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' });
    assert.equal(response.status, 404);
  });

  test('a legacy request with no session and no envelope: 400', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(response.status, 400);
  });

  test('a deleted session is gone: 404 afterwards', async () => {
    const session = await openSession();
    const deleted = await fetch(gateway.base + '/mcp/fixture', { method: 'DELETE', headers: { 'mcp-session-id': session } });
    assert.equal(deleted.status, 200);
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session });
    assert.equal(response.status, 404);
  });

  test('a session opened on one server cannot be used on another endpoint', async () => {
    const session = await openSession();
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session }, '/mcp');
    assert.equal(response.status, 404);
  });

  test('an unknown server in the URL: 404 naming the servers the caller reaches', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, {}, '/mcp/nope');
    assert.equal(response.status, 404);
    assert.match(response.body?.error.message, /unknown server "nope"; this gateway serves you: fixture/);
  });

  test('a path that is no endpoint: 404', async () => {
    const response = await fetch(gateway.base + '/other');
    assert.equal(response.status, 404);
  });

  test('GET without a session: 405 (2026-07-28 has no GET stream)', async () => {
    const response = await fetch(gateway.base + '/mcp/fixture', { headers: { accept: 'text/event-stream' } });
    assert.equal(response.status, 405);
  });

  test('a second GET stream for one session: 409', async () => {
    const session = await openSession();
    const controller = new AbortController();
    const first = await fetch(gateway.base + '/mcp/fixture', { headers: { accept: 'text/event-stream', 'mcp-session-id': session }, signal: controller.signal });
    assert.equal(first.status, 200);
    const second = await fetch(gateway.base + '/mcp/fixture', { headers: { accept: 'text/event-stream', 'mcp-session-id': session } });
    assert.equal(second.status, 409);
    controller.abort();
  });
});

describe('DNS rebinding defence', () => {
  test('a foreign Origin: 403', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { origin: 'https://evil.example' });
    assert.equal(response.status, 403);
  });

  test('a loopback Origin is allowed', async () => {
    const response = await post(
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope } },
      { origin: 'http://localhost:6274', ...modernHeaders('tools/list') },
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://localhost:6274');
  });

  test('a foreign Host header: 403', async () => {
    const { port } = new URL(gateway.base);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/mcp/fixture', method: 'POST', headers: { ...JSON_HEADERS, host: 'attacker.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    });
    assert.equal(status, 403);
  });
});

describe('2026-07-28 header checks', () => {
  test('a well-formed modern call passes', async () => {
    const response = await post(echoCall(), modernHeaders('tools/call', 'echo'));
    assert.equal(response.status, 200);
    assert.equal(response.body?.result.content[0].text, 'hi');
    assert.equal(response.body?.result.resultType, 'complete');
  });

  test('Mcp-Method that disagrees with the body: 400 HeaderMismatch', async () => {
    const response = await post(echoCall(), modernHeaders('tools/list', 'echo'));
    assert.equal(response.status, 400);
    assert.equal(response.body?.error.code, -32020);
  });

  test('a missing Mcp-Name: 400 HeaderMismatch', async () => {
    const response = await post(echoCall(), modernHeaders('tools/call'));
    assert.equal(response.status, 400);
    assert.equal(response.body?.error.code, -32020);
  });

  test('Mcp-Name naming another tool: 400 HeaderMismatch', async () => {
    const response = await post(echoCall(), modernHeaders('tools/call', 'pid'));
    assert.equal(response.status, 400);
    assert.match(response.body?.error.message, /Mcp-Name header value 'pid' does not match body name 'echo'/);
  });

  test('Mcp-Name in the base64 sentinel form is decoded before comparing', async () => {
    const encoded = `=?base64?${Buffer.from('echo').toString('base64')}?=`;
    const response = await post(echoCall(), modernHeaders('tools/call', encoded));
    assert.equal(response.status, 200);
  });

  test('MCP-Protocol-Version that disagrees with _meta: 400 HeaderMismatch', async () => {
    const response = await post(echoCall(), { ...modernHeaders('tools/call', 'echo'), 'mcp-protocol-version': '2025-11-25' });
    assert.equal(response.status, 400);
  });

  test('a supported header that the body contradicts is a mismatch, even when the body names no real version', async () => {
    const call = echoCall();
    call.params._meta = { ...envelope, 'io.modelcontextprotocol/protocolVersion': 'v999.0.0' };
    const response = await post(call, modernHeaders('tools/call', 'echo'));
    assert.equal(response.status, 400);
    assert.equal(response.body?.error.code, -32020);
  });

  test('an unknown modern version: 400 UnsupportedProtocolVersion listing what is supported', async () => {
    const call = echoCall();
    call.params._meta = { ...envelope, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' };
    const response = await post(call, { ...modernHeaders('tools/call', 'echo'), 'mcp-protocol-version': '2099-01-01' });
    assert.equal(response.status, 400);
    assert.equal(response.body?.error.code, -32022);
    assert.ok(response.body?.error.data.supported.includes(MODERN));
  });

  test('an x-mcp-header argument must be mirrored into its Mcp-Param header', async () => {
    const call = echoCall('region_query', { region: 'us-west1', query: 'select 1' });
    const missing = await post(call, modernHeaders('tools/call', 'region_query'));
    assert.equal(missing.status, 400);
    assert.match(missing.body?.error.message, /Mcp-Param-Region/);
    const wrong = await post(call, { ...modernHeaders('tools/call', 'region_query'), 'mcp-param-region': 'eu-west1' });
    assert.equal(wrong.status, 400);
    const right = await post(call, { ...modernHeaders('tools/call', 'region_query'), 'mcp-param-region': 'us-west1' });
    assert.equal(right.status, 200);
    assert.equal(right.body?.result.content[0].text, 'us-west1: select 1');
  });

  test('methods 2026-07-28 removed, and unknown methods, are 404 with method not found', async () => {
    for (const method of ['ping', 'initialize', 'logging/setLevel', 'resources/subscribe', 'no/such/method']) {
      const response = await post({ jsonrpc: '2.0', id: 1, method, params: { _meta: envelope } }, modernHeaders(method));
      assert.equal(response.status, 404, method);
      assert.equal(response.body?.error.code, -32601, method);
    }
  });

  test('an envelope without its required fields is 400 invalid params', async () => {
    const withoutCapabilities = { 'io.modelcontextprotocol/protocolVersion': MODERN };
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: withoutCapabilities } }, modernHeaders('tools/list'));
    assert.equal(response.status, 400);
    assert.equal(response.body?.error.code, -32602);
    assert.match(response.body?.error.message, /clientCapabilities/);
    const withoutMeta = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, modernHeaders('tools/list'));
    assert.equal(withoutMeta.status, 400);
    assert.equal(withoutMeta.body?.error.code, -32602);
  });

  test('server/discover advertises both eras', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: envelope } }, modernHeaders('server/discover'));
    assert.equal(response.status, 200);
    assert.ok(response.body?.result.supportedVersions.includes(MODERN));
    assert.ok(response.body?.result.supportedVersions.includes('2025-11-25'));
    assert.ok(response.body?.result.capabilities.tools);
  });
});

test('after all that, the gateway still serves', async () => {
  const response = await post(echoCall('echo', { message: 'alive' }), modernHeaders('tools/call', 'echo'));
  assert.equal(response.body?.result.content[0].text, 'alive');
});
