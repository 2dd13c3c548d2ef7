import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { EXIT_GRACE_RAN_OUT } from '../../src/cli/serve.js';
import { startServe, type CliProcess } from '../support/cli-process.js';
import { splitRequest } from '../support/raw-http.js';
import { FIXTURE, httpClient } from './harness.js';

/**
 * `toolgate serve` shutting down on SIGTERM, as a process: calls in flight finish, new requests are refused, held
 * approvals are answered and stay pending, calls past the grace are cancelled; the exit code says which.
 */

const dir = mkdtempSync(join(tmpdir(), 'toolgate-shutdown-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const POLICY = { version: '1', default: 'allow', tools: { echo: { approval: { timeout: '10m' } } } };
const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

function configFile(name: string, grace: string): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ store: `sqlite:${join(dir, `${name}.db`)}`, shutdown: { grace }, servers: { fixture: { ...FIXTURE, policy: POLICY } } }));
  return file;
}

/** Resolves once the process has logged that it began to shut down. */
async function shuttingDown(gateway: CliProcess<unknown>): Promise<void> {
  while (!gateway.stderr().includes('shutting down: no new requests')) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('SIGTERM lets a call in flight finish, refuses new requests with 503, then exits 0', async () => {
  const gateway = await startServe(configFile('drain', '20s'));
  const base = new URL(gateway.first.url).origin;
  const client = await httpClient(new URL(gateway.first.servers.fixture!));
  try {
    const slow = client.callTool({ name: 'sleep', arguments: { ms: 1_500 } });
    // Requests already on their way when the signal comes, on connections the gateway has: a call and a probe.
    const late = await splitRequest(base, 'POST', '/mcp/fixture');
    const probe = await splitRequest(base, 'GET', '/readyz');
    await new Promise((resolve) => setTimeout(resolve, 200));
    gateway.child.kill('SIGTERM');
    await shuttingDown(gateway);

    const refused = await late.finish();
    assert.equal(refused.status, 503, 'a request that arrives while the gateway drains is refused');
    assert.equal(refused.headers['retry-after'], '1', 'and told when to try (another replica)');
    assert.equal(refused.headers.connection, 'close', 'and its connection is closed');
    const readiness = await probe.finish();
    assert.equal(readiness.status, 503, '/readyz says not ready at once');
    assert.deepEqual(JSON.parse(readiness.body), { status: 'shutting down' });
    await assert.rejects(fetch(`${base}/healthz`), 'the port accepts no new connection');

    assert.equal(text(await slow), 'slept 1500', 'the call in flight finished with its answer');
    assert.deepEqual(await gateway.exited, { code: 0, signal: null }, gateway.stderr());
    assert.match(gateway.stderr(), /"msg":"shut down"/, 'the log says it shut down');
  } finally {
    await client.close().catch(() => {});
    await gateway.stop();
  }
});

test('a call still running when the grace runs out is answered with an error, and the exit code says so', async () => {
  const gateway = await startServe(configFile('deadline', '1s'));
  const client = await httpClient(new URL(gateway.first.servers.fixture!));
  try {
    const endless = client.callTool({ name: 'sleep', arguments: { ms: 60_000 } }).then(
      (result) => ({ result }),
      (error: Error) => ({ error }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    gateway.child.kill('SIGTERM');
    const outcome = await endless;
    assert.ok('error' in outcome, `the call fails rather than hangs: ${JSON.stringify(outcome)}`);
    assert.match(outcome.error.message, /the gateway shut down before the call finished/);
    assert.deepEqual(await gateway.exited, { code: EXIT_GRACE_RAN_OUT, signal: null }, gateway.stderr());
    assert.match(gateway.stderr(), /1 calls still running were cancelled/, 'the log says how many were cut off');
  } finally {
    await client.close().catch(() => {});
    await gateway.stop();
  }
});

test('a second signal stops at once, with 128 + its number', async () => {
  const gateway = await startServe(configFile('twice', '1m'));
  const client = await httpClient(new URL(gateway.first.servers.fixture!));
  try {
    void client.callTool({ name: 'sleep', arguments: { ms: 60_000 } }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    gateway.child.kill('SIGTERM');
    await shuttingDown(gateway);
    gateway.child.kill('SIGINT');
    assert.deepEqual(await gateway.exited, { code: 130, signal: null }, gateway.stderr());
  } finally {
    await client.close().catch(() => {});
    await gateway.stop();
  }
});

test('a call held for approval is answered at shutdown, its request stays pending, and a retry after the restart passes once approved', async () => {
  const config = configFile('approval', '20s');
  const store = new SqliteApprovalStore(join(dir, 'approval.db'));
  const first = await startServe(config);
  let client = await httpClient(new URL(first.first.servers.fixture!));
  try {
    const held = client.callTool({ name: 'echo', arguments: { message: 'later' } }, { onprogress: () => {} });
    let pending = await store.list({ state: 'pending' }, 10);
    while (pending.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      pending = await store.list({ state: 'pending' }, 10);
    }
    first.child.kill('SIGTERM');
    const answer = await held.then(text, (error: Error) => error.message);
    assert.match(answer, /shut down while approval ap_\w+ was pending; the request stays open/, 'the agent is told why, at once');
    assert.deepEqual(await first.exited, { code: 0, signal: null }, first.stderr());
    assert.equal((await store.get(pending[0]!.id))?.state, 'pending', 'the request is still pending in the store');
    await client.close().catch(() => {});

    const approved = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'approvals', 'approve', pending[0]!.id, '--config', config], { encoding: 'utf8' });
    assert.equal(approved.status, 0, approved.stderr);
    const second = await startServe(config);
    try {
      client = await httpClient(new URL(second.first.servers.fixture!));
      assert.equal(text(await client.callTool({ name: 'echo', arguments: { message: 'later' } })), 'later', 'the identical call, retried, is let through by its approval');
    } finally {
      await client.close().catch(() => {});
      await second.stop();
    }
  } finally {
    await client.close().catch(() => {});
    await first.stop();
    await store.close();
  }
});
