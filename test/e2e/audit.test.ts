import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { DecisionEntry, OutcomeEntry } from '../../src/audit/audit-record.js';
import type { AuditSink } from '../../src/audit/audit-sink.js';
import { FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/** Every decision recorded, through a real gateway: the right fields, nothing lost, tampering detected. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const POLICY = {
  version: '1',
  default: 'deny',
  hide: ['big'],
  tools: {
    echo: { deny_if: [{ path: 'args.message', op: 'eq', value: 'forbidden' }] },
    pid: { limits: [{ counter: 'pids', window: 'minute', max: 1, scope: 'global' }] },
    region_query: { audit: { args: 'redacted' } },
  },
};

let gateway: RunningGateway;
let log: AuditSink;

before(async () => {
  gateway = await startGateway({ fixture: { ...FIXTURE, policy: POLICY }, open: FIXTURE });
  log = gateway.gateway.auditLog!;
});

after(async () => {
  await gateway?.close();
});

async function everything(): Promise<{ decisions: DecisionEntry[]; outcomes: OutcomeEntry[] }> {
  const { entries } = await log.query({}, { limit: 100_000 });
  return {
    decisions: entries.flatMap(({ entry }) => (entry.kind === 'decision' ? [entry] : [])),
    outcomes: entries.flatMap(({ entry }) => (entry.kind === 'outcome' ? [entry] : [])),
  };
}

/** The decision recorded for the one call `act` makes, and its outcome if it was forwarded. */
async function recorded(act: () => Promise<unknown>): Promise<{ decision: DecisionEntry; outcome?: OutcomeEntry }> {
  const before = (await everything()).decisions.length;
  await act();
  // The outcome is appended off the response path: give it its turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const { decisions, outcomes } = await everything();
  assert.equal(decisions.length, before + 1, 'exactly one decision recorded');
  const decision = decisions.at(-1)!;
  return { decision, outcome: outcomes.find((o) => o.requestId === decision.requestId) };
}

describe('each decision path gives exactly one record with the right fields', () => {
  test("a tool whose policy asks for redacted arguments: values kept, secrets and credential-like values not", async () => {
    const client = await httpClient(gateway.url('fixture'));
    const token = `ghp_${'a1B2c3D4e5'.repeat(4)}`;
    try {
      const { decision } = await recorded(() => client.callTool({ name: 'region_query', arguments: { region: 'eu-west', query: token, api_key: 'hunter2' } }));
      assert.deepEqual(decision.args, { region: 'eu-west', query: '[REDACTED]', api_key: '[REDACTED]' });
      const { entries } = await log.query({}, { limit: 100_000 });
      for (const secret of [token, 'hunter2']) assert.ok(!JSON.stringify(entries).includes(secret), `${secret} is not stored`);
    } finally {
      await client.close();
    }
  });

  test('allowed, with its outcome, and only the argument keys', async () => {
    const client = await httpClient(gateway.url('fixture'));
    try {
      const { decision, outcome } = await recorded(() => client.callTool({ name: 'echo', arguments: { message: 'a private value' } }));
      assert.equal(decision.decision, 'allowed');
      assert.equal(decision.grant.label, 'local');
      assert.equal(decision.server, 'fixture');
      assert.equal(decision.method, 'tools/call');
      assert.equal(decision.tool, 'echo');
      assert.equal(decision.rule, '/tools/echo');
      assert.equal(typeof decision.policy, 'string');
      assert.equal(typeof decision.session, 'string', 'a legacy session is named');
      assert.equal(decision.client?.name, 'toolgate-test');
      assert.deepEqual(decision.args, ['message']);
      assert.equal(outcome?.status, 'ok');
      assert.ok(outcome.upstreamMs >= 0 && outcome.gatewayMs >= 0);
      const { entries } = await log.query({}, { limit: 100_000 });
      assert.ok(!JSON.stringify(entries).includes('a private value'), 'argument values are never stored by default');
    } finally {
      await client.close();
    }
  });

  for (const [what, call, expected] of [
    ['denied by default', { name: 'sleep', arguments: { ms: 1 } }, { decision: 'denied', rule: '(default deny)', reason: 'default' }],
    ['denied by a condition', { name: 'echo', arguments: { message: 'forbidden' } }, { decision: 'denied', rule: '/tools/echo/deny_if/0', reason: 'condition' }],
    ['hidden', { name: 'big', arguments: {} }, { decision: 'hidden', rule: '(hidden)', reason: 'hidden' }],
  ] as const) {
    test(`${what}: no outcome, since nothing was forwarded`, async () => {
      const client = await httpClient(gateway.url('fixture'), 'auto');
      try {
        let answered: { _meta?: Record<string, unknown> } = {};
        const { decision, outcome } = await recorded(async () => (answered = await client.callTool(call)));
        assert.deepEqual({ decision: decision.decision, rule: decision.rule, reason: decision.reason }, expected);
        assert.equal((answered._meta?.['toolgate/decision'] as { requestId?: string }).requestId, decision.requestId, 'the agent is told the request id the audit log holds');
        assert.match(decision.message ?? '', /./);
        assert.equal(decision.session, undefined, 'a 2026-07-28 request has no session');
        assert.equal(outcome, undefined);
      } finally {
        await client.close();
      }
    });
  }

  test('rate-limited', async () => {
    const client = await httpClient(gateway.url('fixture'));
    try {
      await client.callTool({ name: 'pid', arguments: {} });
      const { decision } = await recorded(() => client.callTool({ name: 'pid', arguments: {} }));
      assert.equal(decision.decision, 'rate_limited');
      assert.equal(decision.rule, '/tools/pid/limits/0');
    } finally {
      await client.close();
    }
  });

  test('an upstream error is an allowed decision whose outcome says so', async () => {
    const client = await httpClient(gateway.url('fixture'));
    try {
      // The policy allows region_query; the server refuses arguments that do not fit its schema.
      const { decision, outcome } = await recorded(() => client.callTool({ name: 'region_query', arguments: { region: 1 } }).catch(() => undefined));
      assert.equal(decision.decision, 'allowed');
      assert.ok(outcome && ['upstream_error', 'tool_error'].includes(outcome.status), `outcome ${outcome?.status}`);
    } finally {
      await client.close();
    }
  });
});

describe('decisions that need more than one server or a grant', () => {
  test('a call the client cancels: allowed, and its outcome is cancelled', async () => {
    const client = await httpClient(gateway.url('open'));
    try {
      const { decision, outcome } = await recorded(async () => {
        const cancel = new AbortController();
        setTimeout(() => cancel.abort(), 300);
        await client.callTool({ name: 'sleep', arguments: { ms: 5_000 } }, { signal: cancel.signal }).catch(() => undefined);
      });
      assert.deepEqual([decision.server, decision.tool, decision.decision], ['open', 'sleep', 'allowed']);
      assert.equal(outcome?.status, 'cancelled');
    } finally {
      await client.close();
    }
  });

  test('a tool of a server the grant was not given, called on /mcp: not_granted', async () => {
    const granted = await startGateway({ fixture: FIXTURE, other: FIXTURE }, { auth: 'grants', store: { counters: 'memory', grants: 'memory', audit: 'memory' } });
    try {
      const { token, grant } = await granted.gateway.grants!.create({ label: 'fixture-only', servers: ['fixture'] }, Date.now());
      const response = await fetch(granted.url(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'other__echo',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'other__echo', arguments: { message: 'hi' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
        }),
      });
      const body = (await response.json()) as { result: { isError?: boolean } };
      assert.equal(body.result.isError, true);
      const { entries } = await granted.gateway.auditLog!.query({}, { limit: 1_000 });
      assert.deepEqual(
        entries.flatMap(({ entry }) => (entry.kind === 'decision' ? [{ grant: entry.grant, server: entry.server, tool: entry.tool, decision: entry.decision, rule: entry.rule }] : [])),
        [{ grant: { id: grant.id, label: 'fixture-only' }, server: 'other', tool: 'echo', decision: 'not_granted', rule: '(not granted)' }],
      );
    } finally {
      await granted.close();
    }
  });
});

test('32 concurrent clients, 10,000 calls: one decision and one outcome per call', async () => {
  const open = await Promise.all(Array.from({ length: 32 }, () => httpClient(gateway.url('fixture'), 'auto')));
  try {
    const before = await everything();
    // Mutation runs (test/support/mutation-setup.ts) run this once per mutant: the same 32 clients, fewer calls.
    const calls = process.env.TOOLGATE_MUTATION ? 500 : 10_000;
    let issued = 0;
    await Promise.all(open.map(async (client) => {
      while (issued < calls) await client.callTool({ name: 'echo', arguments: { message: String(issued++) } });
    }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await everything();
    assert.equal(after.decisions.length - before.decisions.length, calls);
    assert.equal(after.outcomes.length - before.outcomes.length, calls);
    // The log holds the tools' pin events too (one per tool the gateway pinned when it first listed them).
    const pins = (await log.query({}, { limit: 100_000 })).entries.filter(({ entry }) => entry.kind === 'pin').length;
    assert.deepEqual(await log.verify(), { ok: true, count: after.decisions.length + after.outcomes.length + pins });
  } finally {
    for (const client of open) await client.close();
  }
});

describe('on disk (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-audit-'));
  const notes = join(dir, 'notes.txt');
  const config = join(dir, 'toolgate.yaml');
  writeFileSync(
    config,
    `store: sqlite:./toolgate.db\nservers:\n  fixture:\n    command: ${JSON.stringify(FIXTURE.command)}\n    args: ${JSON.stringify(FIXTURE.args)}\n    cwd: ${JSON.stringify(process.cwd())}\n    env: { FIXTURE_NOTES: ${JSON.stringify(notes)} }\n    policy: { version: "1", default: allow }\n`,
  );
  const cli = (...args: string[]) => spawnSync(CLI[0], [...CLI.slice(1), ...args, '--config', config], { encoding: 'utf8' });

  test('kill -9 under load: every call the server saw has its record, and the chain verifies', async () => {
    const child = spawn(CLI[0], [...CLI.slice(1), 'serve', '--config', config, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const { value } = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
    const url = new URL((JSON.parse(value as string) as { servers: Record<string, string> }).servers.fixture!);
    const clients = await Promise.all(Array.from({ length: 16 }, () => httpClient(url, 'auto')));
    let sent = 0;
    const load = clients.map(async (client, c) => {
      for (let i = 0; ; i++) {
        sent++;
        await client.callTool({ name: 'note', arguments: { message: `${c}/${i}` } });
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    child.kill('SIGKILL');
    await Promise.allSettled(load);
    for (const client of clients) await client.close().catch(() => {});
    // The server outlives the gateway for a moment (it is orphaned, then sees its input close): let it finish writing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen = readFileSync(notes, 'utf8').split('\n').filter(Boolean).length;
    assert.ok(seen > 100, `the load ran (${seen} calls seen, ${sent} sent)`);
    const db = new Database(join(dir, 'toolgate.db'), { readonly: true });
    const decisions = (db.prepare("SELECT count(*) AS n FROM toolgate_audit WHERE kind = 'decision'").get() as { n: number }).n;
    db.close();
    assert.ok(decisions >= seen, `${decisions} decisions recorded for ${seen} calls the server saw`);
    const verify = cli('audit', 'verify', '--json');
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.equal((JSON.parse(verify.stdout) as { ok: boolean }).ok, true);
  });

  test('audit tail shows what a grant did; editing one row makes audit verify fail at that row', () => {
    const tail = cli('audit', 'tail', '--grant', 'local', '--lines', '3', '--json');
    assert.equal(tail.status, 0, tail.stderr);
    const rows = tail.stdout.trim().split('\n').map((line) => JSON.parse(line) as { decision?: DecisionEntry });
    assert.equal(rows.length, 3);
    for (const row of rows) assert.equal(row.decision?.grant.label, 'local');
    const db = new Database(join(dir, 'toolgate.db'));
    const { seq } = db.prepare("SELECT seq FROM toolgate_audit WHERE kind = 'decision' ORDER BY seq LIMIT 1 OFFSET 10").get() as { seq: number };
    db.prepare("UPDATE toolgate_audit SET decision = 'denied' WHERE seq = ?").run(seq);
    db.close();
    const verify = cli('audit', 'verify');
    assert.equal(verify.status, 1);
    assert.match(verify.stdout, new RegExp(`broken at entry ${seq}:`));
  });
});
