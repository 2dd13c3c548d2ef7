import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChainedEntry } from '../../src/audit/audit-record.js';
import { RecordingTransport } from '../support/recording-transport.js';
import { startGateway, type RunningGateway } from './harness.js';
import { answerOf } from '../support/answer.js';

/**
 * Every message a client sends either passes the pipeline (a decision, recorded) or is refused: nothing reaches the
 * server beside it. The server here is in-process and records what it receives.
 */

const LEGACY_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Recorded extends RunningGateway {
  upstream: RecordingTransport;
}

async function recorded(policy: unknown, extra: Record<string, unknown> = {}): Promise<Recorded> {
  const upstream = new RecordingTransport();
  const running = await startGateway({ rec: { command: 'in-process', protocol: 'legacy', policy } }, extra, { transport: () => upstream });
  return { ...running, upstream };
}

/** A legacy session opened with raw HTTP, so any message at all can be sent on it. */
async function legacySession(url: URL): Promise<(message: unknown) => Promise<{ status: number; body: unknown }>> {
  const opened = await fetch(url, {
    method: 'POST',
    headers: LEGACY_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { roots: {} }, clientInfo: { name: 'raw', version: '1' } } }),
  });
  const session = opened.headers.get('mcp-session-id')!;
  await opened.text();
  return async (message) => {
    const response = await fetch(url, { method: 'POST', headers: { ...LEGACY_HEADERS, 'mcp-session-id': session }, body: JSON.stringify(message) });
    return { status: response.status, body: await answerOf(response) };
  };
}

async function auditEntries(gateway: RunningGateway): Promise<ChainedEntry[]> {
  return (await gateway.gateway.auditLog!.query({}, { limit: 1000 })).entries;
}

function decisions(entries: ChainedEntry[]) {
  return entries.flatMap((e) => (e.entry.kind === 'decision' ? [e.entry] : []));
}

describe('notifications and methods that are no MCP method', () => {
  let gateway: Recorded;
  let send: Awaited<ReturnType<typeof legacySession>>;
  before(async () => {
    gateway = await recorded({ version: '1', default: 'deny', tools: { read_thing: {} }, methods: { 'x-vendor/sync': 'allow', 'x-*': 'allow' } });
    send = await legacySession(gateway.url('rec'));
  });
  after(() => gateway.close());

  test('a notification the protocol does not define is dropped and counted, never forwarded; roots/list_changed is', async () => {
    assert.equal((await send({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'delete_thing', arguments: {} } })).status, 202);
    assert.equal((await send({ jsonrpc: '2.0', method: 'notifications/made_up' })).status, 202);
    assert.equal((await send({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1 } })).status, 202);
    assert.equal((await send({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' })).status, 202);
    await send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_thing', arguments: {} } });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(
      gateway.upstream.traffic().map((m) => m.method),
      ['notifications/roots/list_changed', 'tools/call'],
    );
    assert.equal(gateway.upstream.traffic()[1]!.params!.name, 'read_thing');
    const metrics = await (await fetch(`${gateway.base}/metrics`)).text();
    assert.match(metrics, /toolgate_notifications_dropped_total\{method="other"\} 2/);
    assert.match(metrics, /toolgate_notifications_dropped_total\{method="notifications\/progress"\} 1/);
  });

  test('a request whose method is no MCP method is refused with -32601 and recorded, whatever tool it names', async () => {
    const before = gateway.upstream.traffic().length;
    for (const method of ['Tools/Call', 'tools/call ', 'tools/call2', 'x-vendor/other']) {
      const { body } = await send({ jsonrpc: '2.0', id: 7, method, params: { name: 'delete_thing', arguments: {} } });
      const error = (body as { error: { code: number; message: string; data: { requestId: string; rule: string } } }).error;
      assert.equal(error.code, -32601, method);
      assert.match(error.message, /^\[POLICY DENIED\] Method not found/);
      assert.equal(error.data.rule, '(unknown method)');
      const entry = decisions(await auditEntries(gateway)).find((e) => e.requestId === error.data.requestId);
      assert.equal(entry?.method, method);
      assert.equal(entry?.decision, 'denied');
    }
    assert.equal(gateway.upstream.traffic().length, before, 'nothing reached the server');
  });

  test('an extension method passes only when the policy allows it by its exact name (a pattern does not do)', async () => {
    const { body } = await send({ jsonrpc: '2.0', id: 8, method: 'x-vendor/sync', params: {} });
    assert.deepEqual((body as { result: unknown }).result, {});
    assert.equal(gateway.upstream.traffic().at(-1)!.method, 'x-vendor/sync');
    const allowed = decisions(await auditEntries(gateway)).find((e) => e.method === 'x-vendor/sync');
    assert.equal(allowed?.decision, 'allowed');
  });
});

describe('arguments that would pollute a prototype', () => {
  test('a __proto__ key in the arguments is refused and recorded, and never reaches the server, whatever the policy allows', async () => {
    const gateway = await recorded({ version: '1', default: 'allow' });
    try {
      const url = gateway.url('rec');
      const opened = await fetch(url, {
        method: 'POST',
        headers: LEGACY_HEADERS,
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
      });
      const session = opened.headers.get('mcp-session-id')!;
      // Written as text: an object literal with __proto__ would set the prototype instead of carrying the key.
      const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_thing","arguments":{"note":"x","__proto__":{"mode":"force"}}}}';
      const answer = (await answerOf(await fetch(url, { method: 'POST', headers: { ...LEGACY_HEADERS, 'mcp-session-id': session }, body }))) as {
        result: { isError: boolean; content: { text: string }[]; _meta: { 'toolgate/decision': { reason: string; requestId: string } } };
      };
      assert.equal(answer.result.isError, true);
      assert.match(answer.result.content[0]!.text, /^\[POLICY DENIED\] args\.__proto__ may not be sent/);
      assert.equal(answer.result._meta['toolgate/decision'].reason, 'invalid_argument');
      assert.ok(decisions(await auditEntries(gateway)).some((e) => e.requestId === answer.result._meta['toolgate/decision'].requestId && e.decision === 'denied'));
      assert.ok(!gateway.upstream.traffic().some((m) => m.method === 'tools/call'));
    } finally {
      await gateway.close();
    }
  });
});

describe('subscriptions and log levels pass the pipeline', () => {
  test('subscribe, unsubscribe and setLevel are recorded like every forwarded request', async () => {
    const gateway = await recorded({ version: '1', default: 'allow' });
    try {
      const send = await legacySession(gateway.url('rec'));
      for (const [id, method, params] of [
        [1, 'resources/subscribe', { uri: 'mem://a' }],
        [2, 'logging/setLevel', { level: 'debug' }],
        [3, 'resources/unsubscribe', { uri: 'mem://a' }],
      ] as const) {
        const { body } = await send({ jsonrpc: '2.0', id, method, params });
        assert.ok('result' in (body as object), `${method}: ${JSON.stringify(body)}`);
      }
      // Outcomes are appended after the response, off its path.
      let entries = await auditEntries(gateway);
      for (let tries = 0; entries.filter((e) => e.entry.kind === 'outcome').length < 3 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        entries = await auditEntries(gateway);
      }
      for (const method of ['resources/subscribe', 'logging/setLevel', 'resources/unsubscribe']) {
        const decision = decisions(entries).find((e) => e.method === method);
        assert.equal(decision?.decision, 'allowed', method);
        assert.ok(entries.some((e) => e.entry.kind === 'outcome' && e.entry.requestId === decision.requestId), `${method} has its outcome`);
      }
      assert.deepEqual(
        gateway.upstream.traffic().map((m) => m.method),
        ['resources/subscribe', 'logging/setLevel', 'resources/unsubscribe'],
      );
    } finally {
      await gateway.close();
    }
  });

  test('a refused subscription or log level has the shape and the decision data of every refusal, and reaches no server', async () => {
    const gateway = await recorded({ version: '1', default: 'allow', methods: { 'resources/subscribe': 'deny', 'logging/setLevel': 'deny' } });
    try {
      const send = await legacySession(gateway.url('rec'));
      for (const [method, params] of [
        ['resources/subscribe', { uri: 'mem://a' }],
        ['logging/setLevel', { level: 'debug' }],
      ] as const) {
        const { body } = await send({ jsonrpc: '2.0', id: 1, method, params });
        const error = (body as { error: { code: number; message: string; data: Record<string, unknown> } }).error;
        assert.equal(error.code, -32600);
        assert.match(error.message, /^\[POLICY DENIED\]/);
        assert.equal(error.data.decision, 'deny');
        assert.equal(error.data.rule, `/methods/${method.replace('/', '~1')}`);
        const entry = decisions(await auditEntries(gateway)).find((e) => e.requestId === error.data.requestId);
        assert.equal(entry?.decision, 'denied');
      }
      assert.deepEqual(gateway.upstream.traffic(), []);
    } finally {
      await gateway.close();
    }
  });
});

describe('tools a client cannot see', () => {
  let gateway: Recorded;
  before(async () => {
    gateway = await recorded({ version: '1', default: 'deny', hide: ['delete_thing'], tools: { read_thing: {} } });
  });
  after(() => gateway.close());

  /** A denial with the parts that differ per request (the id, the name) taken out. */
  const shape = (body: unknown, name: string) => JSON.parse(JSON.stringify(body).replace(/"requestId":"[^"]+"/, '"requestId":"…"').replaceAll(name, 'NAME')) as unknown;

  for (const [endpoint, prefix] of [
    ['rec', ''],
    [undefined, ''],
    [undefined, 'rec__'],
  ] as const) {
    test(`an unknown tool, a hidden one and one left out by default: deny are answered alike, and all recorded (${endpoint ?? 'aggregate'} ${prefix || 'plain'})`, async () => {
      const send = await legacySession(gateway.url(endpoint));
      const names = ['delete_thing', 'no_such_tool', 'write_thing'].map((name) => prefix + name);
      const answers = [];
      for (const name of names) {
        const { body } = await send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } });
        answers.push({ body, name });
      }
      const [first, ...others] = answers.map(({ body, name }) => shape(body, name));
      for (const other of others) assert.deepEqual(other, first);
      assert.match(JSON.stringify(first), /\[POLICY DENIED\] Tool \\"NAME\\" is not permitted by policy/);
      const requestIds = answers.map(({ body }) => (body as { result: { _meta: { 'toolgate/decision': { requestId: string } } } }).result._meta['toolgate/decision'].requestId);
      const recorded = decisions(await auditEntries(gateway)).filter((e) => requestIds.includes(e.requestId));
      // One server's policy is asked about a name that server does not list (under default: deny it refuses it as
      // any unlisted name); the aggregate has no server to ask.
      assert.deepEqual(recorded.map((e) => [e.decision, e.reason]).sort(), [
        ['denied', 'default'],
        ['denied', endpoint === undefined ? 'unknown_tool' : 'default'],
        ['hidden', 'hidden'],
      ]);
      assert.ok(!gateway.upstream.traffic().some((m) => m.method === 'tools/call'), 'no call reached the server');
    });
  }

  test('under default: allow, a name the server does not list is refused like a hidden tool and never reaches it', async () => {
    const open = await recorded({ version: '1', default: 'allow', hide: ['delete_thing'] });
    try {
      const send = await legacySession(open.url('rec'));
      const answer = async (name: string) => shape((await send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {} } })).body, name);
      assert.deepEqual(await answer('no_such_tool'), await answer('delete_thing'));
      assert.deepEqual(
        open.upstream.traffic().map((m) => m.method),
        [],
      );
      const recorded = decisions(await auditEntries(open)).map((e) => e.reason);
      assert.deepEqual(recorded.sort(), ['hidden', 'unknown_tool']);
    } finally {
      await open.close();
    }
  });

  test('names no server lists become one metric label, so made-up names add no series', async () => {
    const send = await legacySession(gateway.url('rec'));
    for (let i = 0; i < 50; i++) await send({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: `made_up_${i}`, arguments: {} } });
    const metrics = await (await fetch(`${gateway.base}/metrics`)).text();
    assert.doesNotMatch(metrics, /made_up_/);
    assert.match(metrics, /toolgate_calls_total\{server="rec",method="tools\/call",tool="\(unknown\)",decision="denied"\} \d+/);
  });
});

describe('before authentication', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({ rec: { command: 'in-process', protocol: 'legacy' } }, { auth: 'grants' }, { transport: () => new RecordingTransport() });
  });
  after(() => gateway.close());

  test('a malformed percent-escape in the path is a 400, not a 500', async () => {
    const response = await fetch(`${gateway.base}/mcp/%ZZ`, { method: 'POST', headers: LEGACY_HEADERS, body: '{}' });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /percent-encoding/);
  });

  test('an unknown server is not told apart from a known one, nor are servers listed, until the caller proves a grant', async () => {
    for (const server of ['rec', 'no-such-server']) {
      const response = await fetch(`${gateway.base}/mcp/${server}`, { method: 'POST', headers: LEGACY_HEADERS, body: '{}' });
      assert.equal(response.status, 401, server);
      assert.doesNotMatch(await response.text(), /rec/);
    }
    const { token } = await gateway.gateway.grants!.create({ label: 'agent', servers: ['rec'] }, Date.now());
    const known = await fetch(`${gateway.base}/mcp/no-such-server`, { method: 'POST', headers: { ...LEGACY_HEADERS, authorization: `Bearer ${token}` }, body: '{}' });
    assert.equal(known.status, 404);
    assert.match(await known.text(), /serves you: rec/);
  });
});
