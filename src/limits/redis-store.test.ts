import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, describe, test } from 'node:test';
import { describeCounterStore } from '../../test/contracts/counter-store.js';
import { canRunRedisServer, dropPrefix, freshPrefix, PrivateRedis, testRedis, withPrefix } from '../../test/support/redis.js';
import { RedisCounterStore } from './redis-store.js';

const redis = await testRedis();
const prefixes: string[] = [];
const fresh = () => {
  const prefix = freshPrefix();
  prefixes.push(prefix);
  return withPrefix(redis.url!, prefix);
};

after(async () => {
  if (redis.url) for (const prefix of prefixes) await dropPrefix(redis.url, prefix);
});

describeCounterStore('the Redis counter store', async () => RedisCounterStore.open(fresh()), { skip: redis.skip });

const limit = { key: 'grant:a/calls', windowMs: 60_000, max: 30, amount: 1 };

// Skips are given to each test, so the summary counts them as skipped (a skipped suite counts as passed).
const needsRedis = { skip: redis.skip };
const needsRedisServer = { skip: (await canRunRedisServer()) ? undefined : 'redis-server is not installed' };

describe('Redis shared by replicas', () => {
  test('three gateway processes sharing one counter of 30: exactly 30 go through in all', needsRedis, async () => {
    const url = fresh();
    const workers = Array.from({ length: 3 }, () => spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/reserve-worker.ts', url, '32'], { stdio: ['pipe', 'pipe', 'inherit'] }));
    const lines = workers.map((worker) => createInterface({ input: worker.stdout! })[Symbol.asyncIterator]());
    for (const line of lines) assert.equal((await line.next()).value, 'ready');
    for (const worker of workers) worker.stdin!.end('go\n');
    const allowed = await Promise.all(lines.map(async (line) => Number((await line.next()).value)));
    assert.equal(allowed.reduce((a, b) => a + b, 0), 30, `allowed per process: ${allowed.join(', ')}`);
  });

  test('keys expire two windows after their last use, so nothing grows forever', needsRedis, async () => {
    const prefix = freshPrefix();
    prefixes.push(prefix);
    const store = await RedisCounterStore.open(withPrefix(redis.url!, prefix));
    await store.reserve([{ ...limit, windowMs: 1_000 }], Date.now());
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url!);
    const [key] = await client.keys(`${prefix}*`);
    const ttl = await client.pttl(key!);
    await client.quit();
    await store.close();
    assert.ok(ttl > 1_000 && ttl <= 2_000, `TTL ${ttl} ms`);
  });

  test('a prefix keeps two fleets on one Redis apart', needsRedis, async () => {
    const [a, b] = [await RedisCounterStore.open(fresh()), await RedisCounterStore.open(fresh())];
    const now = Date.now();
    assert.equal((await a.reserve([{ ...limit, max: 1 }], now)).kind, 'reserved');
    assert.equal((await b.reserve([{ ...limit, max: 1 }], now)).kind, 'reserved');
    assert.equal((await a.status(now)).length, 1);
    await a.close();
    await b.close();
  });
});

describe('Redis stopped mid-run', () => {
  test('reservations fail at once while it is down, and succeed again when it is back', needsRedisServer, async () => {
    const server = await PrivateRedis.start();
    const store = await RedisCounterStore.open(server.url);
    try {
      assert.equal((await store.reserve([limit], Date.now())).kind, 'reserved');
      await server.stop();
      const started = Date.now();
      await assert.rejects(store.reserve([limit], Date.now()));
      assert.ok(Date.now() - started < 1_500, 'the failure is prompt');
      await server.start();
      let recovered = false;
      for (let i = 0; i < 100 && !recovered; i++) {
        recovered = await store.reserve([limit], Date.now()).then(
          (outcome) => outcome.kind === 'reserved',
          () => false,
        );
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(recovered, 'reservations work again once Redis is back');
    } finally {
      await store.close();
      await server.stop();
    }
  });

  test('a store that cannot reach Redis at start-up fails to open, naming the error', needsRedisServer, async () => {
    const server = await PrivateRedis.start();
    await server.stop();
    await assert.rejects(RedisCounterStore.open(server.url), /ECONNREFUSED|connect/i);
  });
});
