import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { canRunRedisServer, dropPrefix, freshPrefix, PrivateRedis, testRedis, withPrefix } from '../support/redis.js';
import { FIXTURE, httpClient, startGateway } from './harness.js';

/** Limits counted in Redis through real gateways: one limit across replicas, and what happens when Redis goes away. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const redis = await testRedis();
const needsRedisServer = { skip: (await canRunRedisServer()) ? undefined : 'redis-server is not installed' };
const text = (result: { content?: unknown }) => (result.content as { text: string }[])[0]!.text;

describe('three gateway processes sharing Redis', () => {
  const prefix = freshPrefix();
  const gateways: ChildProcess[] = [];
  after(async () => {
    for (const gateway of gateways) gateway.kill('SIGTERM');
    if (redis.url) await dropPrefix(redis.url, prefix);
  });

  test("enforce the reference policy's 30 a minute exactly, in total", { skip: redis.skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'toolgate-replicas-'));
    const config = join(dir, 'toolgate.yaml');
    writeFileSync(
      config,
      `store: ${withPrefix(redis.url!, prefix)}\nservers:\n  smartlead:\n    command: ${JSON.stringify(process.execPath)}\n    args: ["--import", "tsx", "src/demo/demo-server.ts"]\n    cwd: ${JSON.stringify(process.cwd())}\n    policy: ${JSON.stringify(resolve('examples/demo/smartlead-policy.json'))}\n`,
    );
    const urls = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const child = spawn(CLI[0], [...CLI.slice(1), 'serve', '--config', config, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
        gateways.push(child);
        const { value } = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
        return new URL((JSON.parse(value as string) as { servers: Record<string, string> }).servers.smartlead!);
      }),
    );
    const clients = await Promise.all(urls.map((url) => httpClient(url, 'auto')));
    try {
      const results = await Promise.all(
        Array.from({ length: 64 }, (_, i) => clients[i % 3]!.callTool({ name: 'smartlead_create_client_api_key', arguments: { client_id: i } })),
      );
      const refused = results.filter((r) => r.isError === true);
      assert.equal(results.length - refused.length, 30);
      for (const result of refused) assert.match(text(result), /^\[POLICY DENIED\] Rate limit reached for "smartlead_create_client_api_key"/);
    } finally {
      for (const client of clients) await client.close();
    }
  });
});

describe('Redis stopped mid-run', () => {
  const policy = { version: '1', default: 'allow', tools: { echo: { limits: [{ counter: 'echoes', window: 'minute', max: 1000, scope: 'global' }] } } };
  const echo = { name: 'echo', arguments: { message: 'hi' } };

  test('fail-closed by default: calls that need a counter are refused, and pass again when Redis is back', needsRedisServer, async () => {
    const server = await PrivateRedis.start();
    const gateway = await startGateway({ fixture: { ...FIXTURE, policy } }, { store: { counters: server.url, audit: 'memory' } });
    const client = await httpClient(gateway.url('fixture'));
    try {
      assert.equal((await client.callTool(echo)).isError, undefined);
      await server.stop();
      const refused = await client.callTool(echo);
      assert.equal(refused.isError, true);
      assert.equal(text(refused), '[POLICY DENIED] rate limit store unavailable');
      assert.equal((refused._meta as Record<string, Record<string, unknown>>)['toolgate/decision']!.reason, 'store_unavailable');
      const storeErrors = await gateway.gateway.metrics.registry.getSingleMetric('toolgate_store_errors_total')!.get();
      assert.deepEqual(storeErrors.values.map(({ labels, value }) => ({ labels, value })), [{ labels: { part: 'counters' }, value: 1 }], 'the failure is counted');
      const recorded = (await gateway.gateway.auditLog!.query({ decision: 'unavailable' }, { limit: 10 })).entries.map(({ entry }) => entry);
      assert.deepEqual(
        recorded.map((entry) => entry.kind === 'decision' && { tool: entry.tool, reason: entry.reason, rule: entry.rule }),
        [{ tool: 'echo', reason: 'store_unavailable', rule: '/tools/echo/limits/0' }],
        'the refusal is recorded as unavailable',
      );
      assert.equal((await client.callTool({ name: 'pid', arguments: {} })).isError, undefined, 'a call that needs no counter is not affected');
      await server.start();
      let recovered = false;
      for (let i = 0; i < 100 && !recovered; i++) {
        recovered = (await client.callTool(echo)).isError === undefined;
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(recovered, 'calls are counted again once Redis is back');
    } finally {
      await client.close();
      await gateway.close();
      await server.stop();
    }
  });

  test('fail_mode: open lets calls through uncounted while Redis is down', needsRedisServer, async () => {
    const server = await PrivateRedis.start();
    const gateway = await startGateway({ fixture: { ...FIXTURE, policy } }, { store: { counters: server.url, audit: 'memory' }, fail_mode: 'open' });
    const client = await httpClient(gateway.url('fixture'));
    try {
      await server.stop();
      const result = await client.callTool(echo);
      assert.equal(result.isError, undefined);
      assert.deepEqual(result.content, [{ type: 'text', text: 'hi' }]);
    } finally {
      await client.close();
      await gateway.close();
      await server.stop();
    }
  });
});
