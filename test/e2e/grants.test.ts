/* eslint-disable @typescript-eslint/no-explicit-any -- raw JSON off the wire is inspected loosely on purpose */
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { generateKeyPair, SignJWT } from 'jose';
import * as z from 'zod/v4';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import type { Grants, NewGrant } from '../../src/grants/grants.js';
import { formatToken, hashSecret, parseToken, randomBase62 } from '../../src/grants/token.js';
import { CLIENT_CAPABILITIES, DEMO, FIXTURE, startGateway, until, type RunningGateway } from './harness.js';
import { answerOf } from '../support/answer.js';

/**
 * Agent authentication through a real gateway (`auth: grants`): every request proves a grant with its token, a
 * grant reaches only its servers under its policy, counts its own limits, and its credential stops at the gateway.
 */

const FIXTURE_TOOLS = ['big', 'confirm', 'echo', 'pid', 'region_query', 'sleep'];
const UPSTREAM_SECRET = 'Bearer upstream-secret';
const MODERN = '2026-07-28';
const envelope = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** What the HTTP upstream received, request by request. */
interface Seen {
  headers: IncomingHttpHeaders;
  body: string;
}

let gateway: RunningGateway;
let grants: Grants;
let upstream: Server;
const seen: Seen[] = [];
const admin = mintAdminToken();

/**
 * An SDK v2 server on node:http that records every request before answering it: `record` echoes, `spend` is
 * limited to 2 a minute for everyone (a global counter, so any call counted by mistake shows).
 */
async function startRecorder(): Promise<string> {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'recorder', version: '1.0.0' });
    server.registerTool('record', { description: 'Echo the note', inputSchema: z.object({ note: z.string() }) }, async ({ note }) => ({ content: [{ type: 'text', text: note }] }));
    server.registerTool('spend', { description: 'Spend one of a scarce thing' }, async () => ({ content: [{ type: 'text', text: 'spent' }] }));
    return server;
  });
  upstream = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ headers: req.headers, body });
    const response = await handler.fetch(
      new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === 'POST' ? body : undefined }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    res.end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(upstream.address() as { port: number }).port}/mcp`;
}

/** How many `tools/call`s for `tool` the recorder has received. */
function upstreamCalls(tool: string): number {
  return seen.filter(({ body }) => {
    try {
      const message = JSON.parse(body);
      return message.method === 'tools/call' && message.params?.name === tool;
    } catch {
      return false;
    }
  }).length;
}

before(async () => {
  const recorder = await startRecorder();
  gateway = await startGateway(
    {
      fixture: FIXTURE,
      // The reference policy, as a file: 30 smartlead_create_client_api_key calls a minute per grant.
      smartlead: { ...DEMO, policy: 'examples/demo/smartlead-policy.json' },
      recorder: {
        url: recorder,
        headers: { Authorization: UPSTREAM_SECRET },
        policy: { version: '1', default: 'allow', tools: { spend: { limits: [{ counter: 'spend', window: 'minute', max: 2, scope: 'global' }] } } },
      },
    },
    { auth: 'grants', store: 'memory', admin: { token_sha256: admin.sha256 } },
  );
  grants = gateway.gateway.grants!;
});

after(async () => {
  await gateway?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

/** A grant made now; returns its token. */
async function grant(label: string, servers: string[], extra: Omit<NewGrant, 'label' | 'servers'> = {}): Promise<string> {
  return (await grants.create({ label, servers, ...extra }, Date.now())).token;
}

/** The SDK v2 client over Streamable HTTP, sending `headers` with every request. */
async function agent(url: URL, headers: Record<string, string>, mode: 'legacy' | 'auto' = 'legacy'): Promise<Client> {
  const client = new Client({ name: 'toolgate-test', version: '1.0.0' }, { capabilities: CLIENT_CAPABILITIES, versionNegotiation: { mode } });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function post(path: string, body: unknown, headers: Record<string, string> = {}, base = gateway.base) {
  const response = await fetch(base + path, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: (await answerOf(response)) as Record<string, any> | undefined };
}

/** A 2026-07-28 tools/call: one request, no session. */
function modernCall(path: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const message = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: envelope } };
  return post(path, message, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name, ...headers });
}

/** A legacy `initialize`; returns the session id. */
async function openSession(path: string, headers: Record<string, string>, base = gateway.base): Promise<string> {
  const response = await post(path, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, headers, base);
  assert.equal(response.status, 200);
  const id = response.headers.get('mcp-session-id');
  assert.ok(id);
  return id;
}

function legacyCall(path: string, session: string, name: string, args: Record<string, unknown>, headers: Record<string, string>) {
  return post(path, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: args } }, { 'mcp-session-id': session, ...headers });
}

const text = (result: { content?: unknown }) => (result.content as { text: string }[])[0]!.text;
const decision = (result: { _meta?: unknown }) => (result._meta as Record<string, Record<string, unknown>> | undefined)?.['toolgate/decision'];

/** The HTTP status an SDK client call failed with (SdkHttpError carries it). */
async function httpStatusOf(call: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await call;
  } catch (error) {
    return { status: (error as { status?: number }).status ?? -1, message: (error as Error).message };
  }
  assert.fail('the call was expected to fail');
}

describe('rate limits count per grant', () => {
  let a: Client;
  let b: Client;

  before(async () => {
    a = await agent(gateway.url('smartlead'), bearer(await grant('limits-a', ['smartlead'])));
    b = await agent(gateway.url('smartlead'), bearer(await grant('limits-b', ['smartlead'])));
  });

  after(async () => {
    await a?.close();
    await b?.close();
  });

  test("the reference policy's 30 a minute is each grant's own: A's 31st is refused, B still has 30", async () => {
    const create = (client: Client, i: number) => client.callTool({ name: 'smartlead_create_client_api_key', arguments: { client_id: i } });
    for (let i = 0; i < 30; i++) assert.equal((await create(a, i)).isError, undefined, `A's call ${i + 1} passes`);
    const refused = await create(a, 31);
    assert.equal(refused.isError, true);
    assert.match(text(refused), /^\[POLICY DENIED\] Rate limit reached for "smartlead_create_client_api_key": at most 30 per minute/);
    assert.equal(decision(refused)?.reason, 'rate_limited');
    for (let i = 0; i < 30; i++) assert.equal((await create(b, i)).isError, undefined, `B's call ${i + 1} passes`);
    assert.equal((await create(b, 31)).isError, true, "B's 31st is refused too");
  });
});

describe('a request without a valid grant token is refused with 401', () => {
  let token: string;
  let session: string;
  const invalidToken = (description: string) => `Bearer realm="toolgate", error="invalid_token", error_description="${description}"`;
  const invalidRequest = 'Bearer realm="toolgate", error="invalid_request", error_description="expected Authorization: Bearer <token>"';

  before(async () => {
    // The grant whose budget must be left whole; several bad credentials below are made from its token.
    token = await grant('budget', ['recorder']);
    session = await openSession('/mcp/recorder', bearer(token));
  });

  // Made when each test runs: several derive from the budget grant's token, minted in `before`.
  const cases: { name: string; authorization: () => Promise<string | undefined>; wwwAuthenticate: string; description: string }[] = [
    { name: 'no Authorization header', authorization: async () => undefined, wwwAuthenticate: 'Bearer realm="toolgate"', description: 'this gateway needs Authorization: Bearer <token>' },
    {
      name: 'a well-formed token the gateway never issued',
      authorization: async () => `Bearer ${formatToken(randomBase62(12), randomBase62(40))}`,
      wwwAuthenticate: invalidToken('unknown token'),
      description: 'unknown token',
    },
    {
      name: 'a real key id with another secret (checksum made right)',
      authorization: async () => `Bearer ${formatToken(parseToken(token)!.keyId, randomBase62(40))}`,
      wwwAuthenticate: invalidToken('unknown token'),
      description: 'unknown token',
    },
    { name: 'a truncated token', authorization: async () => `Bearer ${token.slice(0, -1)}`, wwwAuthenticate: invalidToken('not a Toolgate grant token'), description: 'not a Toolgate grant token' },
    { name: 'a token with a space inside', authorization: async () => `Bearer ${token.slice(0, 20)} ${token.slice(20)}`, wwwAuthenticate: invalidRequest, description: 'expected Authorization: Bearer <token>' },
    { name: 'a token with another prefix (ghp_)', authorization: async () => `Bearer ghp_${randomBase62(36)}`, wwwAuthenticate: invalidToken('not a Toolgate grant token'), description: 'not a Toolgate grant token' },
    { name: 'the token under the Basic scheme', authorization: async () => `Basic ${Buffer.from(`agent:${token}`).toString('base64')}`, wwwAuthenticate: invalidRequest, description: 'expected Authorization: Bearer <token>' },
    {
      name: "a revoked grant's token",
      authorization: async () => {
        const revoked = await grant('revoked', ['*']);
        await grants.revoke('revoked', Date.now());
        return `Bearer ${revoked}`;
      },
      wwwAuthenticate: invalidToken('the grant has been revoked'),
      description: 'the grant has been revoked',
    },
    {
      name: "an expired grant's token",
      authorization: async () => {
        // Made as of a minute ago, expiring a second ago: the clock Grants takes is how expiry is set without sleeping.
        const now = Date.now();
        return `Bearer ${(await grants.create({ label: 'expired', servers: ['*'], expiresAt: now - 1000 }, now - 60_000)).token}`;
      },
      wwwAuthenticate: invalidToken('the grant or this token has expired'),
      description: 'the grant or this token has expired',
    },
  ];

  for (const { name, authorization, wwwAuthenticate, description } of cases) {
    test(`${name}: 401 with WWW-Authenticate, on a 2026-07-28 call and in a legacy session`, async () => {
      const value = await authorization();
      const headers: Record<string, string> = value === undefined ? {} : { Authorization: value };
      const modern = await modernCall('/mcp/recorder', 'spend', {}, headers);
      const legacy = await legacyCall('/mcp/recorder', session, 'spend', {}, headers);
      for (const response of [modern, legacy]) {
        assert.equal(response.status, 401);
        assert.equal(response.headers.get('www-authenticate'), wwwAuthenticate);
        assert.equal(response.body?.error.message, `Unauthorized: ${description}`);
      }
    });
  }

  test('none of them was forwarded or counted: the grant still has its whole budget of 2', async () => {
    assert.equal(upstreamCalls('spend'), 0, 'the upstream saw no call');
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await legacyCall('/mcp/recorder', session, 'spend', {}, bearer(token))).body?.result);
    assert.deepEqual(outcomes.map((result) => result.isError === true), [false, false, true]);
    assert.match(text(outcomes[2]), /Rate limit reached for "spend": at most 2 per minute/);
    assert.equal(upstreamCalls('spend'), 2, 'the two allowed calls, and only they, reached the upstream');
  });
});

describe('revoking and rotating', () => {
  const clients: Client[] = [];

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
  });

  test('a revoked grant is refused on its next call in a session it already has open', async () => {
    const client = await agent(gateway.url('fixture'), bearer(await grant('to-revoke', ['fixture'])));
    clients.push(client);
    assert.equal(text(await client.callTool({ name: 'echo', arguments: { message: 'before' } })), 'before');
    await grants.revoke('to-revoke', Date.now());
    const { status, message } = await httpStatusOf(client.callTool({ name: 'echo', arguments: { message: 'after' } }));
    assert.equal(status, 401);
    assert.match(message, /Unauthorized: the grant has been revoked/);
  });

  test('a rotated grant: the old token is refused at once, the new one works', async () => {
    const old = await agent(gateway.url('fixture'), bearer(await grant('to-rotate', ['fixture'])));
    clients.push(old);
    assert.equal(text(await old.callTool({ name: 'echo', arguments: { message: 'old' } })), 'old');
    const { token } = await grants.rotate('to-rotate', {}, Date.now());
    const { status, message } = await httpStatusOf(old.callTool({ name: 'echo', arguments: { message: 'old again' } }));
    assert.equal(status, 401);
    assert.match(message, /Unauthorized: the grant or this token has expired/);
    const renewed = await agent(gateway.url('fixture'), bearer(token));
    clients.push(renewed);
    assert.equal(text(await renewed.callTool({ name: 'echo', arguments: { message: 'new' } })), 'new');
  });
});

describe('a grant reaches only its servers', () => {
  let token: string;
  let aggregate: Client;

  before(async () => {
    token = await grant('fixture-only', ['fixture']);
    aggregate = await agent(gateway.url(), bearer(token));
  });

  after(async () => {
    await aggregate?.close();
  });

  test("another server's endpoint: 403", async () => {
    const response = await post('/mcp/smartlead', { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, bearer(token));
    assert.equal(response.status, 403);
    assert.equal(response.body?.error.message, 'grant "fixture-only" may not reach server "smartlead"');
    const modern = await modernCall('/mcp/recorder', 'record', { note: 'x' }, bearer(token));
    assert.equal(modern.status, 403);
  });

  test('the aggregate lists only its servers’ tools', async () => {
    const names = (await aggregate.listTools()).tools.map((t) => t.name).sort();
    assert.deepEqual(names, FIXTURE_TOOLS);
  });

  test("calling another server's tool on the aggregate is denied as a tool it cannot see (the log says not granted), and not forwarded", async () => {
    const before = upstreamCalls('record');
    // Both would be allowed by their servers' policies: the grant alone refuses them.
    for (const [name, args] of [
      ['record', { note: 'x' }],
      ['smartlead_create_client_api_key', { client_id: 1 }],
    ] as const) {
      const result = await aggregate.callTool({ name, arguments: args });
      assert.equal(result.isError, true);
      assert.equal(decision(result)?.rule, '(not listed)');
      assert.equal(text(result), `[POLICY DENIED] Tool "${name}" is not permitted by policy`);
      const recorded = (await gateway.gateway.auditLog!.query({}, { limit: 1, order: 'desc' })).entries[0]?.entry;
      assert.equal(recorded?.kind === 'decision' && recorded.decision, 'not_granted');
    }
    assert.equal(upstreamCalls('record'), before);
    assert.equal(text(await aggregate.callTool({ name: 'echo', arguments: { message: 'mine' } })), 'mine', 'its own server still answers');
  });
});

describe('names on the aggregate are worked out among the servers a grant reaches', () => {
  // Two copies of the fixture: every tool name collides, but only for a grant that reaches both.
  let twins: RunningGateway;
  const clients: Client[] = [];
  before(async () => {
    twins = await startGateway({ a: FIXTURE, b: FIXTURE }, { auth: 'grants', store: 'memory' });
  });
  after(async () => {
    for (const client of clients) await client.close();
    await twins?.close();
  });
  const connect = async (servers: string[]) => {
    const issued = await twins.gateway.grants!.create({ label: `twins-${servers.join('-')}`, servers }, Date.now());
    const client = await agent(twins.url(), bearer(issued.token));
    clients.push(client);
    return client;
  };

  test('a grant of both sees prefixed names; a grant of one sees its names as they are', async () => {
    const both = await connect(['a', 'b']);
    assert.deepEqual((await both.listTools()).tools.map((t) => t.name).filter((n) => n.endsWith('echo')).sort(), ['a__echo', 'b__echo']);
    const one = await connect(['a']);
    assert.deepEqual((await one.listTools()).tools.map((t) => t.name).sort(), FIXTURE_TOOLS);
    assert.equal(text(await one.callTool({ name: 'echo', arguments: { message: 'unprefixed' } })), 'unprefixed');
    const other = await one.callTool({ name: 'b__echo', arguments: { message: 'x' } });
    assert.equal(decision(other)?.rule, '(not listed)');
    assert.equal(text(other), '[POLICY DENIED] Tool "b__echo" is not permitted by policy');
  });
});

describe("a grant's own policy", () => {
  let dir: string;
  let own: Client;
  let other: Client;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolgate-grant-policy-'));
    const policy = join(dir, 'echo-only.json');
    writeFileSync(policy, JSON.stringify({ version: '1', default: 'deny', tools: { echo: {} } }));
    own = await agent(gateway.url('fixture'), bearer(await grant('own-policy', ['fixture'], { policy })));
    other = await agent(gateway.url('fixture'), bearer(await grant('server-policy', ['fixture'])));
  });

  after(async () => {
    await own?.close();
    await other?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("replaces the server's policy for that grant: only echo is listed and callable", async () => {
    assert.deepEqual((await own.listTools()).tools.map((t) => t.name), ['echo']);
    assert.equal(text(await own.callTool({ name: 'echo', arguments: { message: 'allowed' } })), 'allowed');
    const denied = await own.callTool({ name: 'pid', arguments: {} });
    assert.equal(denied.isError, true);
    assert.equal(decision(denied)?.rule, '(not listed)');
  });

  test("another grant still gets the server's policy (allow everything)", async () => {
    assert.deepEqual((await other.listTools()).tools.map((t) => t.name).sort(), FIXTURE_TOOLS);
    const pid = await other.callTool({ name: 'pid', arguments: {} });
    assert.equal(pid.isError, undefined);
    assert.match(text(pid), /^\d+$/);
  });
});

describe('a legacy session belongs to the grant that opened it', () => {
  test("another grant's requests with its session id are answered 404, and leave it intact", async () => {
    const owner = bearer(await grant('session-owner', ['fixture']));
    const intruder = bearer(await grant('session-intruder', ['fixture']));
    const session = await openSession('/mcp/fixture', owner);
    const hijack = await legacyCall('/mcp/fixture', session, 'echo', { message: 'stolen' }, intruder);
    assert.equal(hijack.status, 404);
    assert.equal(hijack.body?.error.message, 'Session not found: initialize again');
    const stream = await fetch(`${gateway.base}/mcp/fixture`, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, ...intruder } });
    assert.equal(stream.status, 404, 'nor can it open the session’s GET stream');
    await stream.body?.cancel();
    const deleted = await fetch(`${gateway.base}/mcp/fixture`, { method: 'DELETE', headers: { 'mcp-session-id': session, ...intruder } });
    assert.equal(deleted.status, 404, 'nor end it');
    const mine = await legacyCall('/mcp/fixture', session, 'echo', { message: 'still mine' }, owner);
    assert.equal(mine.status, 200);
    assert.equal(text(mine.body?.result), 'still mine');
  });
});

describe('the admin token and grant tokens are not interchangeable', () => {
  test('a grant token on the admin API: 401', async () => {
    const response = await fetch(`${gateway.base}/admin/grants`, { headers: bearer(await grant('not-admin', ['*'])) });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="toolgate-admin", error="invalid_token"');
    assert.deepEqual(await response.json(), { error: 'not an admin token' });
  });

  test('the admin token on an MCP endpoint: 401', async () => {
    const response = await modernCall('/mcp/fixture', 'echo', { message: 'x' }, bearer(admin.token));
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="toolgate", error="invalid_token", error_description="not a Toolgate grant token"');
  });

  test('the admin token lists the grants, with no token or hash in the list', async () => {
    const token = await grant('listed', ['fixture']);
    await grant('listed-revoked', ['fixture']);
    await grants.revoke('listed-revoked', Date.now());
    const response = await fetch(`${gateway.base}/admin/grants`, { headers: bearer(admin.token) });
    assert.equal(response.status, 200);
    const raw = await response.text();
    const { grants: listed } = JSON.parse(raw) as { grants: Record<string, unknown>[] };
    const entry = listed.find((g) => g.label === 'listed');
    assert.deepEqual(Object.keys(entry!).sort(), ['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'policy', 'revokedAt', 'servers']);
    assert.deepEqual(entry!.servers, ['fixture']);
    const { keyId, secret } = parseToken(token)!;
    const hash = hashSecret(secret);
    for (const leak of [token, secret, keyId, hash.toString('hex'), hash.toString('base64'), hash.toString('base64url')]) {
      assert.ok(!raw.includes(leak), `the list does not contain ${leak}`);
    }
    assert.ok(listed.some((g) => g.label === 'listed-revoked' && typeof g.revokedAt === 'string'), 'a revoked grant is listed as such');
  });
});

describe('Origin checks hold for authenticated requests', () => {
  test('a foreign Origin with a valid token: 403, not forwarded', async () => {
    const before = upstreamCalls('record');
    const response = await modernCall('/mcp/recorder', 'record', { note: 'x' }, { ...bearer(await grant('with-origin', ['recorder'])), origin: 'https://evil.example' });
    assert.equal(response.status, 403);
    assert.equal(response.body?.error.message, 'Origin "https://evil.example" is not allowed');
    assert.equal(upstreamCalls('record'), before);
  });
});

describe("the agent's credentials never reach the upstream", () => {
  test('the upstream sees its own configured Authorization, never the grant token or the cookie', async () => {
    const token = await grant('credentials', ['recorder']);
    const cookie = `session=${randomBase62(24)}`;
    // What the gateway itself received, so the test shows the cookie was sent and dropped, not never sent.
    const received: IncomingHttpHeaders[] = [];
    const onRequest = (message: unknown) => {
      const { request } = message as { request: IncomingMessage };
      if (request.headers.host === new URL(gateway.base).host) received.push(request.headers);
    };
    diagnostics.subscribe('http.server.request.start', onRequest);
    const from = seen.length;
    try {
      for (const mode of ['legacy', 'auto'] as const) {
        const client = await agent(gateway.url('recorder'), { ...bearer(token), Cookie: cookie }, mode);
        try {
          assert.equal(text(await client.callTool({ name: 'record', arguments: { note: `via ${mode}` } })), `via ${mode}`);
        } finally {
          await client.close();
        }
      }
    } finally {
      diagnostics.unsubscribe('http.server.request.start', onRequest);
    }
    assert.ok(received.some((headers) => headers.cookie === cookie && headers.authorization === `Bearer ${token}`), 'the gateway received both');
    const forwarded = seen.slice(from);
    assert.ok(forwarded.some(({ body }) => body.includes('via legacy')) && forwarded.some(({ body }) => body.includes('via auto')), 'both calls reached the upstream');
    for (const { headers, body } of seen) {
      assert.equal(headers.authorization, UPSTREAM_SECRET);
      assert.equal(headers.cookie, undefined);
      const everything = JSON.stringify(headers) + body;
      assert.ok(!everything.includes(token) && !everything.includes(parseToken(token)!.secret), 'no trace of the grant token');
      assert.ok(!everything.includes(cookie), 'no trace of the cookie');
    }
  });
});

describe('2026-07-28 requests authenticate too', () => {
  test('the SDK client in auto mode negotiates 2026-07-28 and calls with its token', async () => {
    const client = await agent(gateway.url('fixture'), bearer(await grant('modern', ['fixture'])), 'auto');
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), MODERN);
      assert.equal(text(await client.callTool({ name: 'echo', arguments: { message: 'modern' } })), 'modern');
    } finally {
      await client.close();
    }
  });

  test('a raw 2026-07-28 POST without a token: 401', async () => {
    const response = await modernCall('/mcp/fixture', 'echo', { message: 'x' });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="toolgate"');
    assert.equal(response.body?.error.code, -32600);
  });
});

describe('when credentials cannot be checked at all', () => {
  test("an identity provider whose keys cannot be fetched: 503 with Retry-After, nothing forwarded", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const jwt = { issuer: 'https://idp.example', audience: 'toolgate', jwks_url: `http://127.0.0.1:${port}/jwks` };
    const sso = await startGateway({ fixture: FIXTURE }, { auth: 'jwt', jwt, store: 'memory' });
    try {
      const { privateKey } = await generateKeyPair('ES256');
      const token = await new SignJWT({ sub: 'someone' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(jwt.issuer).setAudience(jwt.audience).setExpirationTime('5m').sign(privateKey);
      const response = await fetch(sso.url('fixture'), {
        method: 'POST',
        headers: { ...JSON_HEADERS, authorization: `Bearer ${token}`, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' }, _meta: envelope } }),
      });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      assert.match(((await response.json()) as { error: { message: string } }).error.message, /^Service Unavailable: the identity provider's signing keys could not be fetched$/);
    } finally {
      await sso.close();
    }
  });
});

describe("a revoked grant's open streams", () => {
  test('are closed within a recheck: a GET stream outlives its request, not its grant', async () => {
    // Checked every 100 ms here (every minute by default).
    const quick = await startGateway({ fixture: FIXTURE }, { auth: 'grants', store: 'memory' }, { sessions: { recheckMs: 100 } });
    try {
      const issued = await quick.gateway.grants!.create({ label: 'streamer', servers: ['*'] }, Date.now());
      const kept = await quick.gateway.grants!.create({ label: 'bystander', servers: ['*'] }, Date.now());
      const open = async (token: string) => {
        const session = await openSession(quick.url('fixture').pathname, bearer(token), quick.base);
        const stream = await fetch(quick.url('fixture'), { headers: { ...bearer(token), accept: 'text/event-stream', 'mcp-session-id': session } });
        assert.equal(stream.status, 200);
        return { session, stream };
      };
      const revoked = await open(issued.token);
      const bystander = await open(kept.token);
      await quick.gateway.grants!.revoke('streamer', Date.now());
      await until(() => quick.gateway.sessions.get(revoked.session) === undefined, 5_000, 'the revoked grant’s session to end');
      const ended = await revoked.stream.body!.getReader().read();
      assert.equal(ended.done, true, 'its stream is closed');
      assert.ok(quick.gateway.sessions.get(bystander.session) !== undefined, "another grant's session stays open");
      await bystander.stream.body?.cancel();
    } finally {
      await quick.close();
    }
  });
});
