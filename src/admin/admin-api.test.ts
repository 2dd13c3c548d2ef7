import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Grants } from '../grants/grants.js';
import { MemoryGrantStore } from '../grants/memory-grant-store.js';
import { MemoryAuditSink } from '../audit/memory-sink.js';
import { Approvals } from '../approvals/approvals.js';
import { MemoryApprovalStore } from '../approvals/memory-approval-store.js';
import { RecentActivity } from '../observability/recent-activity.js';
import { AdminApi, type AdminApiOptions, type CatalogSource } from './admin-api.js';
import type { ServerPolicies } from './policy-routes.js';
import { AdminAuthenticator } from './admin-identity.js';
import { mintAdminToken } from './admin-token.js';

const DAY = 86_400_000;
/** For tests of the other endpoints: a gateway without servers. */
const NO_SERVERS: CatalogSource = { servers: [], statuses: async () => [], catalogue: async () => [] };
const NO_POLICIES: ServerPolicies = { servers: [], load: () => undefined, reload: () => undefined };

/** For tests of the other endpoints: no policies, no approval requests, no groups, and no calls yet. */
function idle(): Pick<AdminApiOptions, 'policies' | 'approvals' | 'groups' | 'activity'> {
  const store = new MemoryApprovalStore();
  return { policies: NO_POLICIES, approvals: { store, decide: (...args) => new Approvals({ store, record: () => {} }).decide(...args) }, groups: {}, activity: new RecentActivity() };
}

/** The admin token as the configuration's unlabelled `token_sha256`. */
const unlabelled = (sha256: string) => [{ label: 'admin', sha256 }];

/** A node:http server that hands `/admin/` paths to the API, as the gateway's does. */
async function serve(api: AdminApi): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!path.startsWith('/admin/')) {
      res.writeHead(404).end();
      return;
    }
    api.handle(req, res, path).catch((error: unknown) => {
      res.writeHead(500).end();
      throw error;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

/** Every answer, error or not, must be uncacheable JSON. */
async function answer(response: Response): Promise<Answer> {
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Record<string, unknown> };
}

describe('the admin API when no admin token is configured', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  before(async () => (server = await serve(new AdminApi({ grants: new Grants(new MemoryGrantStore()), catalog: NO_SERVERS, ...idle(), admins: new AdminAuthenticator([]) }))));
  after(() => server.close());

  test('is off: every path answers 404 saying how to turn it on, whatever credential is sent', async () => {
    for (const [path, authorization] of [['/admin/grants', undefined], ['/admin/grants', `Bearer ${mintAdminToken().token}`], ['/admin/anything', undefined]] as const) {
      const { status, body } = await answer(await fetch(server.url + path, { headers: authorization ? { authorization } : {} }));
      assert.equal(status, 404);
      assert.deepEqual(body, { error: 'the admin API is off: set admin.tokens (toolgate admin token) or admin.jwt in the configuration' });
    }
  });
});

describe('the admin API', () => {
  const admin = mintAdminToken();
  const grants = new Grants(new MemoryGrantStore());
  let server: Awaited<ReturnType<typeof serve>>;
  before(async () => (server = await serve(new AdminApi({ grants, catalog: NO_SERVERS, ...idle(), admins: new AdminAuthenticator(unlabelled(admin.sha256)) }))));
  after(() => server.close());

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    answer(
      await fetch(server.url + path, {
        method,
        headers: { authorization: `Bearer ${admin.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  const create = async (body: Record<string, unknown>) => {
    const created = await call('POST', '/admin/grants', body);
    assert.equal(created.status, 201, created.text);
    return created.body as { grant: Record<string, unknown>; token: string };
  };
  const authenticates = async (token: string) => (await grants.authenticate(token, Date.now())).kind;

  describe('refuses a request without the admin token', () => {
    test('no credential: 401 with the realm and no error code', async () => {
      const { status, headers, body } = await answer(await fetch(`${server.url}/admin/grants`));
      assert.equal(status, 401);
      assert.equal(headers.get('www-authenticate'), 'Bearer realm="toolgate-admin"');
      assert.match(String(body.error), /Authorization: Bearer/);
    });

    const refusals: [string, () => Promise<string>][] = [
      ['a wrong admin token', async () => `Bearer ${mintAdminToken().token}`],
      ['a grant token', async () => `Bearer ${(await grants.create({ label: `agent-${Date.now()}`, servers: ['*'] }, Date.now())).token}`],
      ['the admin token under another scheme', async () => `Basic ${admin.token}`],
      ['the admin token with a space inside', async () => `Bearer ${admin.token.slice(0, 10)} ${admin.token.slice(10)}`],
    ];
    for (const [name, authorization] of refusals) {
      test(`${name}: 401 invalid_token, and the credential is not echoed`, async () => {
        const sent = await authorization();
        const { status, headers, text } = await answer(await fetch(`${server.url}/admin/grants`, { headers: { authorization: sent } }));
        assert.equal(status, 401);
        assert.equal(headers.get('www-authenticate'), 'Bearer realm="toolgate-admin", error="invalid_token"');
        assert.ok(!text.includes(sent.split(' ').at(-1)!));
      });
    }

    test('before routing: an unknown path or method is a 401 too', async () => {
      assert.equal((await answer(await fetch(`${server.url}/admin/nothing`))).status, 401);
      assert.equal((await answer(await fetch(`${server.url}/admin/grants`, { method: 'PUT' }))).status, 401);
    });
  });

  test('creates a grant: 201 with the grant and its token, which authenticates', async () => {
    const before = Date.now();
    const { grant, token } = await create({ label: 'ci', servers: ['github', 'files'], policy: './ci.yaml', expires: '30d' });
    assert.match(token, /^tgk_/);
    assert.deepEqual(Object.keys(grant).sort(), ['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'policy', 'revokedAt', 'servers']);
    const { id, createdAt: _createdAt, expiresAt: _expiresAt, ...rest } = grant;
    assert.match(String(id), /^gr_/);
    assert.deepEqual(rest, { label: 'ci', servers: ['github', 'files'], policy: './ci.yaml', lastUsedAt: null, revokedAt: null });
    const createdAt = Date.parse(String(grant.createdAt));
    assert.ok(createdAt >= before && createdAt <= Date.now());
    assert.equal(Date.parse(String(grant.expiresAt)), createdAt + 30 * DAY);
    const authenticated = await grants.authenticate(token, Date.now());
    assert.equal(authenticated.kind === 'ok' && authenticated.grant.id, grant.id);
  });

  test('"servers": ["*"] reaches every server; by default no policy, no expiry; expiresAt may be given as an ISO time', async () => {
    const { grant } = await create({ label: 'defaults', servers: ['*'] });
    assert.deepEqual([grant.servers, grant.policy, grant.expiresAt], [['*'], null, null]);
    const expiresAt = new Date(Date.now() + DAY).toISOString();
    assert.equal((await create({ label: 'dated', servers: ['*'], expiresAt })).grant.expiresAt, expiresAt);
  });

  test('lists every grant, revoked ones included, without any token or hash', async () => {
    const { token } = await create({ label: 'listed', servers: ['*'] });
    const { status, text, body } = await call('GET', '/admin/grants');
    assert.equal(status, 200);
    const listed = (body.grants as Record<string, unknown>[]).find((grant) => grant.label === 'listed');
    assert.deepEqual(Object.keys(listed!).sort(), ['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'policy', 'revokedAt', 'servers']);
    assert.ok(!text.includes(token) && !text.includes(token.slice(17)) && !text.includes(admin.token) && !text.includes(admin.sha256));
    assert.ok(!/hash|secret|token/i.test(text));
  });

  test('rotates: the old token stops working at once, the new one works', async () => {
    const old = await create({ label: 'rotated', servers: ['*'] });
    const { status, body } = await call('POST', '/admin/grants/rotated/rotate');
    assert.equal(status, 200);
    const { grant, token } = body as { grant: Record<string, unknown>; token: string };
    assert.equal(grant.id, old.grant.id);
    assert.notEqual(token, old.token);
    assert.equal(await authenticates(old.token), 'rejected');
    assert.equal(await authenticates(token), 'ok');
  });

  test('rotates with a grace period: the old token keeps working for it', async () => {
    const old = await create({ label: 'graced', servers: ['*'] });
    const { status, body } = await call('POST', '/admin/grants/graced/rotate', { grace: '10m' });
    assert.equal(status, 200);
    assert.equal(await authenticates(old.token), 'ok');
    assert.equal(await authenticates(String(body.token)), 'ok');
    assert.equal((await grants.authenticate(old.token, Date.now() + 10 * 60_000)).kind, 'rejected');
  });

  test('revokes: 200 with the revoked grant, whose token stops working; the label is then free', async () => {
    const { token } = await create({ label: 'revoked', servers: ['*'] });
    const { status, body } = await call('DELETE', '/admin/grants/revoked');
    assert.equal(status, 200);
    const grant = body.grant as Record<string, unknown>;
    assert.ok(Math.abs(Date.parse(String(grant.revokedAt)) - Date.now()) < 10_000);
    assert.deepEqual(await grants.authenticate(token, Date.now()), { kind: 'rejected', reason: 'revoked' });
    const listed = ((await call('GET', '/admin/grants')).body.grants as Record<string, unknown>[]).find((g) => g.id === grant.id);
    assert.equal(listed!.revokedAt, grant.revokedAt);
    assert.equal((await call('DELETE', '/admin/grants/revoked')).status, 404);
    await create({ label: 'revoked', servers: ['*'] });
  });

  test('a label already in use: 409', async () => {
    await create({ label: 'taken', servers: ['*'] });
    const { status, body } = await call('POST', '/admin/grants', { label: 'taken', servers: ['*'] });
    assert.equal(status, 409);
    assert.match(String(body.error), /already exists/);
  });

  test('an unknown label: 404 for rotate and revoke', async () => {
    for (const [method, path] of [['POST', '/admin/grants/nobody/rotate'], ['DELETE', '/admin/grants/nobody']] as const) {
      const { status, body } = await call(method, path);
      assert.equal(status, 404, path);
      assert.equal(body.error, 'no active grant is labelled "nobody"');
    }
  });

  test('a percent-encoded label is decoded; a malformed one is a 400', async () => {
    await create({ label: 'enc.oded', servers: ['*'] });
    assert.equal((await call('DELETE', '/admin/grants/enc%2Eoded')).status, 200);
    assert.equal((await call('DELETE', '/admin/grants/%E0%A4%A')).status, 400);
  });

  describe('bad bodies: 400 naming the field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', '{"label": ', /^the body is not valid JSON$/],
      ['not an object', '["a"]', /^the body must be a JSON object$/],
      ['no label', { servers: ['*'] }, /^label: required$/],
      ['no servers field', { label: 'a' }, /^servers: required: the servers the grant may reach, or \["\*"\] for every server$/],
      ['a label that is not a string', { label: 7 }, /^label: expected a grant label/],
      ['a label that is not a label', { label: 'ci agent', servers: ['*'] }, /"ci agent" is not a grant label/],
      ['servers not an array', { label: 'a', servers: 'github' }, /^servers: expected an array of server names$/],
      ['servers not names', { label: 'a', servers: [1] }, /^servers: expected an array of server names$/],
      ['no servers', { label: 'a', servers: [] }, /must name the servers/],
      ['an empty policy', { label: 'a', servers: ['*'], policy: '' }, /^policy: expected a policy file path$/],
      ['expires nonsense', { label: 'a', servers: ['*'], expires: 'soon' }, /^expires: expected a duration like "30d"/],
      ['expires zero', { label: 'a', servers: ['*'], expires: '0d' }, /^expires: .*longer than zero/],
      ['expires from Object.prototype', { label: 'a', servers: ['*'], expires: 'constructor' }, /^expires: /],
      ['expires a number', { label: 'a', servers: ['*'], expires: 30 }, /^expires: /],
      ['expiresAt not ISO', { label: 'a', servers: ['*'], expiresAt: 'tomorrow' }, /^expiresAt: expected an ISO 8601 time/],
      ['expiresAt in the past', { label: 'a', servers: ['*'], expiresAt: '2001-01-01T00:00:00Z' }, /^expiresAt: expected a time in the future$/],
      ['both expires and expiresAt', { label: 'a', servers: ['*'], expires: '1d', expiresAt: '2999-01-01T00:00:00Z' }, /^expires: give expires or expiresAt, not both$/],
      ['an unknown field', { label: 'a', servers: ['*'], expire: '1d' }, /^unknown field "expire" \(did you mean "expires"\?\)$/],
    ];
    for (const [name, body, error] of cases) {
      test(name, async () => {
        const answered = await call('POST', '/admin/grants', body);
        assert.equal(answered.status, 400, answered.text);
        assert.match(String(answered.body.error), error);
      });
    }

    test('every wrong field is named at once', async () => {
      const { status, body } = await call('POST', '/admin/grants', { label: 1, servers: 'x' });
      assert.equal(status, 400);
      assert.match(String(body.error), /^label: .*; servers: /);
    });

    test('a rotation grace that is not a duration', async () => {
      await create({ label: 'grace-check', servers: ['*'] });
      const { status, body } = await call('POST', '/admin/grants/grace-check/rotate', { grace: '-1m' });
      assert.equal(status, 400);
      assert.match(String(body.error), /^grace: expected a duration/);
    });
  });

  test('a body that is not declared as JSON: 415', async () => {
    const { status } = await call('POST', '/admin/grants', JSON.stringify({ label: 'plain' }), { 'content-type': 'text/plain' });
    assert.equal(status, 415);
  });

  test('a body over 64 KiB: 413, whether its length is declared or streamed', async () => {
    const big = JSON.stringify({ label: 'big', policy: 'x'.repeat(64 * 1024) });
    assert.equal((await call('POST', '/admin/grants', big)).status, 413);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const { status } = await answer(
      await fetch(`${server.url}/admin/grants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json' },
        body: streamed,
        duplex: 'half',
      }),
    );
    assert.equal(status, 413);
    assert.equal((await call('GET', '/admin/grants')).status, 200);
  });

  test('a wrong method: 405 with Allow', async () => {
    const cases = [
      ['PUT', '/admin/grants', 'GET, POST'],
      ['GET', '/admin/grants/ci', 'DELETE'],
      ['GET', '/admin/grants/ci/rotate', 'POST'],
    ] as const;
    for (const [method, path, allow] of cases) {
      const { status, headers } = await call(method, path);
      assert.equal(status, 405, `${method} ${path}`);
      assert.equal(headers.get('allow'), allow);
    }
  });

  test('an unknown path: 404', async () => {
    for (const path of ['/admin/', '/admin/grant', '/admin/grants/', '/admin/grants/ci/rotate/now', '/admin/grants/ci/renew']) {
      assert.equal((await call('GET', path)).status, 404, path);
    }
  });
});

describe('GET /admin/audit', () => {
  const admin = mintAdminToken();
  const audit = new MemoryAuditSink();
  let server: Awaited<ReturnType<typeof serve>>;
  const get = async (query: string) => answer(await fetch(`${server.url}/admin/audit${query}`, { headers: { authorization: `Bearer ${admin.token}` } }));

  before(async () => {
    server = await serve(new AdminApi({ grants: new Grants(new MemoryGrantStore()), audit, catalog: NO_SERVERS, ...idle(), admins: new AdminAuthenticator(unlabelled(admin.sha256)) }));
    for (let i = 0; i < 5; i++) {
      const requestId = `request-${i}`;
      const grant = i % 2 === 0 ? { id: 'gr_a', label: 'alice' } : { id: 'gr_b', label: 'bob' };
      await audit.append({ kind: 'decision', requestId, time: 1_000 + i, grant, server: 's', method: 'tools/call', tool: 'echo', decision: i === 4 ? 'denied' : 'allowed' });
      if (i !== 4) await audit.append({ kind: 'outcome', requestId, time: 1_000 + i, status: 'ok', gatewayMs: 0.1, upstreamMs: 1 });
    }
  });
  after(() => server.close());

  test('answers the filters of audit tail, newest first, each decision with its outcome', async () => {
    const { status, body } = await get('?grant=alice');
    assert.equal(status, 200);
    const requests = body.requests as { requestId: string; decision: { grant: { label: string } }; outcome?: { status: string } }[];
    assert.deepEqual(requests.map((r) => r.requestId), ['request-4', 'request-2', 'request-0']);
    assert.equal(requests[1]!.outcome?.status, 'ok');
    assert.equal(requests[0]!.outcome, undefined, 'a denied call has no outcome');
    const denied = await get('?decision=denied');
    assert.deepEqual((denied.body.requests as { requestId: string }[]).map((r) => r.requestId), ['request-4']);
  });

  test('pages with limit and after', async () => {
    const first = await get('?limit=3&order=asc');
    assert.equal(typeof first.body.next, 'number');
    const second = await get(`?limit=100&order=asc&after=${first.body.next}`);
    const ids = (page: Answer) => (page.body.requests as { requestId: string }[]).map((r) => r.requestId);
    // 9 entries: the first 3 hold requests 0 and 1; the rest continue from request 1's outcome.
    assert.deepEqual(ids(first), ['request-0', 'request-1']);
    assert.deepEqual(ids(second), ['request-1', 'request-2', 'request-3', 'request-4']);
    assert.equal(second.body.next, undefined);
  });

  test('GET /admin/audit/<requestId>: one request in full, its decision with its outcome; 404 when the log has no such request', async () => {
    const { status, body } = await get('/request-3');
    assert.equal(status, 200, JSON.stringify(body));
    const request = body.request as { requestId: string; seq: number; decision: { grant: { label: string }; decision: string }; outcome: { status: string } };
    assert.deepEqual([request.requestId, request.seq, request.decision.grant.label, request.decision.decision, request.outcome.status], ['request-3', 7, 'bob', 'allowed', 'ok']);
    const chain = body.chain as { seq: number; kind: string; prevHash: string; hash: string }[];
    assert.deepEqual(chain.map(({ seq, kind }) => [seq, kind]), [[7, 'decision'], [8, 'outcome']], 'each entry\'s link in the chain');
    assert.equal(chain[1]!.prevHash, chain[0]!.hash, 'the outcome links to the decision before it');
    const denied = await get('/request-4');
    assert.deepEqual([denied.body.request && (denied.body.request as { outcome?: unknown }).outcome, (denied.body.request as { decision: { decision: string } }).decision.decision], [undefined, 'denied']);
    const absent = await get('/request-9');
    assert.deepEqual([absent.status, absent.body.error], [404, 'no request request-9 in the audit log']);
    assert.equal((await get('/%E0%A4%A')).status, 400, 'a segment that is not percent-encoding');
  });

  test('a bad query is a 400 naming the field', async () => {
    assert.match(String((await get('?limit=0')).body.error), /limit/);
    assert.match(String((await get('?decision=maybe')).body.error), /decision/);
    assert.match(String((await get('?since=yesterday')).body.error), /since: expected an ISO time/);
    assert.match(String((await get('?colour=red')).body.error), /colour/);
  });

  // Last: the tests above count this log's entries.
  test('a page carries its events too: kind=policy or kind=approval selects them, kind=request leaves them out', async () => {
    const changed = await audit.append({ kind: 'policy', time: 2_000, server: 's', tool: 'echo', event: 'set', rule: 'deny', version: 'v2', previous: 'v1', by: 'alice' });
    await audit.append({ kind: 'approval', time: 2_001, approval: 'ap_1', event: 'denied', grant: { id: 'gr_b', label: 'bob' }, server: 's', tool: 'echo', digest: 'd'.repeat(64), by: 'alice', reason: 'no' });
    const page = await get('?tool=echo');
    assert.deepEqual((page.body.events as { seq: number }[]).map((event) => Object.keys(event).join()), ['seq,approval', 'seq,policy'], 'newest first, each under its kind');
    assert.equal((page.body.requests as unknown[]).length, 5, 'beside the requests');
    const policy = await get('?kind=policy');
    assert.deepEqual(policy.body, { requests: [], events: [{ seq: changed.seq, policy: changed.entry }] });
    assert.deepEqual(((await get('?kind=approval')).body.events as { approval: { reason: string } }[]).map((event) => event.approval.reason), ['no']);
    assert.deepEqual((await get('?kind=request')).body.events, [], 'kind=request: no events');
    assert.match(String((await get('?kind=checkpoint')).body.error), /^kind: expected request, pin, approval, policy/);
  });
});

describe('GET /admin/overview', () => {
  const admin = mintAdminToken();
  let now = Date.parse('2026-12-01T10:00:30Z');
  const activity = new RecentActivity(() => now);
  let server: Awaited<ReturnType<typeof serve>>;
  const get = async (query = '') => answer(await fetch(`${server.url}/admin/overview${query}`, { headers: { authorization: `Bearer ${admin.token}` } }));

  before(async () => {
    server = await serve(new AdminApi({ grants: new Grants(new MemoryGrantStore()), catalog: NO_SERVERS, ...idle(), activity, admins: new AdminAuthenticator(unlabelled(admin.sha256)) }));
  });
  after(() => server.close());

  test('calls per minute by decision, the most called and the most denied tools, of this replica', async () => {
    for (let i = 0; i < 3; i++) activity.record('files', 'read', 'allowed');
    activity.record('files', 'delete', 'hidden');
    now += 60_000;
    activity.record('files', 'write', 'rate_limited');
    activity.record('files', 'delete', 'denied');
    const { status, body } = await get('?minutes=2');
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'replica');
    const minutes = body.perMinute as Record<string, number | string>[];
    assert.deepEqual(minutes.map((m) => [m.minute, m.allowed, m.hidden, m.denied, m.rate_limited, m.pending]), [
      ['2026-12-01T10:00:00.000Z', 3, 1, 0, 0, 0],
      ['2026-12-01T10:01:00.000Z', 0, 0, 1, 1, 0],
    ]);
    assert.deepEqual(body.topTools, [{ server: 'files', tool: 'read', calls: 3 }, { server: 'files', tool: 'delete', calls: 2 }, { server: 'files', tool: 'write', calls: 1 }]);
    assert.deepEqual(body.topDenied, [{ server: 'files', tool: 'delete', calls: 2 }], 'a rate limit is not a denial');
    assert.deepEqual((await get('?minutes=1&top=1')).body.topTools, [{ server: 'files', tool: 'delete', calls: 1 }], 'only the last minute');
    assert.equal(((await get()).body.perMinute as unknown[]).length, 60, 'an hour by default');
  });

  test('a bad query is a 400 naming the field', async () => {
    assert.match(String((await get('?minutes=61')).body.error), /^minutes: /);
    assert.match(String((await get('?top=0')).body.error), /^top: /);
  });
});
