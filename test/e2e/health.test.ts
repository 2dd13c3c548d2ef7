import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { startServe } from '../support/cli-process.js';
import { canRunRedisServer, PrivateRedis } from '../support/redis.js';
import { FIXTURE } from './harness.js';

/** `/healthz` and `/readyz` of a `toolgate serve` process, asked as a kubelet asks: no credential. */

const dir = mkdtempSync(join(tmpdir(), 'toolgate-health-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const needsRedisServer = { skip: (await canRunRedisServer()) ? undefined : 'redis-server is not installed' };
const POLICY = { version: '1', default: 'allow' };

function configFile(name: string, config: Record<string, unknown>): string {
  const file = join(dir, `${name}.json`);
  // Agents must bring a grant here: the probes answer without one all the same.
  writeFileSync(file, JSON.stringify({ auth: 'grants', store: `sqlite:${join(dir, `${name}.db`)}`, servers: { fixture: { ...FIXTURE, policy: POLICY } }, ...config }));
  return file;
}

async function probe(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Asks until the answer is `status` (a server connects, a store's cached answer ages), for at most ten seconds. */
async function until(base: string, path: string, status: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await probe(base, path);
    if (answer.status === status || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('/healthz and /readyz answer 200 without a credential when the stores answer and the servers are connected', async () => {
  const gateway = await startServe(configFile('ready', {}));
  try {
    const base = new URL(gateway.first.url).origin;
    assert.deepEqual(await probe(base, '/healthz'), { status: 200, body: { status: 'ok' } });
    assert.deepEqual(await probe(base, '/readyz'), { status: 200, body: { status: 'ready' } });
    assert.equal((await fetch(`${base}/mcp`, { method: 'POST' })).status, 401, 'while the MCP endpoint still wants a grant');
  } finally {
    await gateway.stop();
  }
});

test('/readyz answers 503 naming a server that is not connected, and its state, while serve still waits for it', async () => {
  // Nothing listens on port 9 (discard) here: the connection is refused, and retried in the background. `serve`
  // prints its URLs only once every server is connected or a minute has passed, so the port is chosen here.
  const broken = { url: 'http://127.0.0.1:9/mcp', policy: POLICY };
  const port = await freePort();
  const config = configFile('server-down', { servers: { fixture: { ...FIXTURE, policy: POLICY }, broken } });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--config', config, '--port', String(port)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const base = `http://127.0.0.1:${port}`;
    let answer: { status: number; body: Record<string, unknown> } | undefined;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      answer = await probe(base, '/readyz').catch(() => undefined);
      if (answer?.body.status === 'not ready' && (answer.body.servers as unknown[]).length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(answer?.status, 503, JSON.stringify(answer));
    assert.deepEqual(answer.body.stores, [], 'every store answered');
    const servers = answer.body.servers as { name: string; state: string }[];
    assert.deepEqual(servers.map((server) => server.name), ['broken'], 'the server that is not connected, and only it');
    assert.notEqual(servers[0]!.state, 'ready');
    assert.equal((await probe(base, '/healthz')).status, 200, 'the process is alive all the same');
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('/readyz answers 503 naming the counter store while its Redis is down, and 200 once it is back', needsRedisServer, async () => {
  const redis = await PrivateRedis.start();
  const gateway = await startServe(configFile('redis-down', { store: { counters: redis.url, grants: `sqlite:${join(dir, 'redis-down.db')}`, audit: 'memory' } }));
  try {
    const base = new URL(gateway.first.url).origin;
    assert.equal((await until(base, '/readyz', 200)).status, 200, 'ready while Redis answers');
    await redis.stop();
    const down = await until(base, '/readyz', 503);
    assert.equal(down.status, 503);
    const stores = down.body.stores as { part: string; error: string }[];
    assert.deepEqual(stores.map((store) => store.part), ['counters'], 'the part whose store does not answer, and only it');
    assert.ok(stores[0]!.error.length > 0, 'with the error it gave');
    assert.deepEqual(down.body.servers, [], 'every server is connected');
    await redis.start();
    assert.equal((await until(base, '/readyz', 200)).status, 200, 'ready again once Redis is back');
  } finally {
    await gateway.stop();
    await redis.stop();
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
