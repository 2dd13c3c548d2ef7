import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import type { PolicyEntry } from '../../src/audit/audit-record.js';
import { FIXTURE, httpClient, startGateway, until, type RunningGateway } from './harness.js';

/**
 * Setting rules through `/admin/policies` on a real gateway in front of the fixture server, with a real client: a rule
 * put there decides the next call, a rollback undoes it, and the audit log says which admin did each.
 */

const POLICY = { version: '1', default: 'deny', tools: { echo: {}, pid: {} } };
const alice = mintAdminToken();
const file = join(mkdtempSync(join(tmpdir(), 'toolgate-admin-policies-')), 'fixture.json');
writeFileSync(file, `${JSON.stringify(POLICY, null, 2)}\n`);

let gateway: RunningGateway;
let client: Client;

before(async () => {
  gateway = await startGateway({ fixture: { ...FIXTURE, policy: file }, inline: FIXTURE }, { admin: { tokens: [{ label: 'alice', sha256: alice.sha256 }] } });
  client = await httpClient(gateway.url('fixture'));
});

after(async () => {
  await client?.close();
  await gateway?.close();
});

interface Answer {
  status: number;
  etag: string | null;
  body: Record<string, unknown>;
}

async function admin(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token: string | null = alice.token): Promise<Answer> {
  const response = await fetch(`${gateway.base}${path}`, {
    method,
    headers: { ...(token !== null && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, etag: response.headers.get('etag'), body: (await response.json()) as Record<string, unknown> };
}

const echo = async () => {
  const result = (await client.callTool({ name: 'echo', arguments: { message: 'hi' } })) as { isError?: boolean; content: { text: string }[] };
  return { refused: result.isError === true, text: result.content[0]!.text };
};

async function policyChanges(): Promise<PolicyEntry[]> {
  const { entries } = await gateway.gateway.auditLog!.query({ server: 'fixture' }, { limit: 1_000, order: 'asc' });
  return entries.map((chained) => chained.entry).filter((entry): entry is PolicyEntry => entry.kind === 'policy');
}

describe('/admin/policies', () => {
  test('lists each server\'s policy: its source, dialect, version and load time', async () => {
    const { status, body } = await admin('GET', '/admin/policies');
    assert.equal(status, 200, JSON.stringify(body));
    const [fixture, inline] = body.servers as Record<string, unknown>[];
    assert.deepEqual([fixture?.server, fixture?.source, fixture?.file, fixture?.dialect], ['fixture', 'file', file, 'canonical']);
    assert.match(String(fixture?.version), /^[0-9a-f]{12}$/);
    assert.ok(!Number.isNaN(Date.parse(String(fixture?.loadedAt))), `loadedAt is a time: ${String(fixture?.loadedAt)}`);
    assert.deepEqual([inline?.server, inline?.source, inline?.error], ['inline', 'inline', undefined]);
  });

  test('without the admin token: 401, and the policy is not changed', async () => {
    const { status } = await admin('PUT', '/admin/policies/fixture/tools/echo', { rule: 'deny' }, {}, null);
    assert.equal(status, 401);
    assert.equal((await echo()).refused, false);
  });

  test('a deny put with the current ETag decides the next call; a rollback undoes it; both are in the audit log as alice', async () => {
    const read = await admin('GET', '/admin/policies/fixture');
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.etag, `"${String(read.body.version)}"`);
    assert.deepEqual(read.body.document, { ...POLICY, tools: { echo: {}, pid: {} } });
    assert.equal((await echo()).refused, false, 'echo is allowed before');

    const set = await admin('PUT', '/admin/policies/fixture/tools/echo', { rule: 'deny', message: 'Echo is off for maintenance.' }, { 'if-match': read.etag! });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.previous, read.body.version);
    assert.equal(set.body.kept, 1);
    assert.equal(set.etag, `"${String(set.body.version)}"`);
    const denied = await echo();
    assert.ok(denied.refused, 'the very next call is refused, without waiting for the file watcher');
    assert.match(denied.text, /^\[POLICY DENIED\].*Echo is off for maintenance\./);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).tools.echo, { deny: true, on_deny: 'Echo is off for maintenance.' });

    const versions = await admin('GET', '/admin/policies/fixture/versions');
    assert.deepEqual((versions.body.versions as { n: number; version: string }[]).map((v) => [v.n, v.version]), [[1, read.body.version]]);

    const back = await admin('POST', '/admin/policies/fixture/rollback', {});
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.version, read.body.version, 'the version rolled back to, byte for byte');
    assert.equal((await echo()).refused, false, 'echo is allowed again');

    const changes = await policyChanges();
    assert.deepEqual(
      changes.map(({ event, tool, rule, by, version, previous }) => ({ event, tool, rule, by, version, previous })),
      [
        { event: 'set', tool: 'echo', rule: 'deny', by: 'alice', version: set.body.version, previous: read.body.version },
        { event: 'rolled_back', tool: undefined, rule: undefined, by: 'alice', version: read.body.version, previous: set.body.version },
      ],
    );
  });

  test('a stale If-Match is 412 with the current ETag, and nothing is written', async () => {
    const before = readFileSync(file, 'utf8');
    const { status, etag, body } = await admin('PUT', '/admin/policies/fixture/tools/pid', { rule: 'deny' }, { 'if-match': '"000000000000"' });
    assert.equal(status, 412, JSON.stringify(body));
    assert.match(String(body.error), /is version [0-9a-f]{12}, not 000000000000/);
    assert.equal(etag, `"${String((await admin('GET', '/admin/policies/fixture')).body.version)}"`);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  test('an invalid rule or document is 400 with the JSON pointer of what is wrong, and nothing is written', async () => {
    const before = readFileSync(file, 'utf8');
    const window = await admin('PUT', '/admin/policies/fixture/tools/echo', { rule: 'limit', counter: 'echoes', window: 'minutes', max: 5 });
    assert.equal(window.status, 400, JSON.stringify(window.body));
    assert.deepEqual((window.body.problems as { pointer: string }[]).map((p) => p.pointer), ['/tools/echo/limits/0/window']);
    const rule = await admin('PUT', '/admin/policies/fixture/tools/echo', { rule: 'block' });
    assert.equal(rule.status, 400);
    assert.deepEqual((rule.body.problems as { pointer: string; message: string }[]).map((p) => p.pointer), ['/rule']);
    const whole = await admin('PUT', '/admin/policies/fixture', { version: '1', default: 'deny', tools: { echo: { limits: [{ counter: 'c', window: 'minute', max: 0 }] } } });
    assert.equal(whole.status, 400);
    assert.deepEqual((whole.body.problems as { pointer: string }[]).map((p) => p.pointer), ['/tools/echo/limits/0/max']);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  test('a limit put on a tool counts its calls from the next one', async () => {
    const set = await admin('PUT', '/admin/policies/fixture/tools/echo', { rule: 'limit', counter: 'echoes', window: 'minute', max: 1, scope: 'global' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal((await echo()).refused, false, 'the first call is within the limit');
    const second = await echo();
    assert.ok(second.refused, 'the second is over it');
    assert.match(second.text, /rate limit|limit/i);
    assert.equal((await admin('POST', '/admin/policies/fixture/rollback', {})).status, 200);
  });

  test('explain gives the decision and trace of the policy in force, as policy explain does', async () => {
    const { status, body } = await admin('POST', '/admin/policies/fixture/explain', { tool: 'rm', arguments: {} });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual([(body.decision as { kind: string; rule: string }).kind, (body.decision as { rule: string }).rule], ['deny', '(default deny)']);
    assert.ok(Array.isArray(body.trace) && body.trace.length > 0, 'a trace of the rules that took part');
    assert.equal(body.policy, (await admin('GET', '/admin/policies/fixture')).body.version);
  });

  test('an inline policy is 409 (no file to write), an unknown server 404', async () => {
    const inline = await admin('PUT', '/admin/policies/inline/tools/echo', { rule: 'deny' });
    assert.equal(inline.status, 409);
    assert.match(String(inline.body.error), /inline in the configuration/);
    assert.equal((await admin('PUT', '/admin/policies/nope/tools/echo', { rule: 'deny' })).status, 404);
  });

  test('a hand edit that does not validate shows as the last reload error; the last good policy stays in force', async () => {
    const good = (await admin('GET', '/admin/policies/fixture')).body.version;
    writeFileSync(file, '{ "version": "1", "default": "deny", "tools": { "echo": { "deny": "yes" } } }');
    let fixture: Record<string, unknown> = {};
    const poll = setInterval(async () => (fixture = ((await admin('GET', '/admin/policies')).body.servers as Record<string, unknown>[])[0]!), 50);
    try {
      await until(() => fixture.error !== undefined, 5000, 'the reload error to show');
    } finally {
      clearInterval(poll);
    }
    assert.equal(fixture.version, good, 'the last good version stays in force');
    assert.deepEqual(((fixture.error as { problems: { pointer: string }[] }).problems).map((p) => p.pointer), ['/tools/echo/deny']);
    assert.equal((await echo()).refused, false, 'and decides calls');
  });
});
