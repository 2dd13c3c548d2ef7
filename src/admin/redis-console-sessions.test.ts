import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeConsoleSessionStore, TTL_MS } from '../../test/contracts/console-session-store.js';
import { freshConnections, testRedis } from '../../test/support/redis.js';
import { ConsoleStoreUnavailable } from './console-sessions.js';
import { RedisConsoleSessions } from './redis-console-sessions.js';

const redis = await testRedis();
const connect = freshConnections(redis.url);

/** A store on a fresh prefix, and every key and value under that prefix as text. */
async function open(ttlMs = TTL_MS) {
  const { redis, prefix } = await connect();
  const rawText = async () => {
    const keys = await redis.keys(`${prefix}*`);
    const values = keys.length > 0 ? await redis.mget(...keys) : [];
    return keys.map((key, i) => `${key} ${values[i]}`).join('\n');
  };
  return { store: new RedisConsoleSessions(redis, prefix, ttlMs), rawText, redis, prefix };
}

describeConsoleSessionStore('the Redis console session store', () => open(), { skip: redis.skip });

const needsRedis = { skip: redis.skip };

test('a session is one key under the prefix, named by its id’s hash, that Redis expires with the session', needsRedis, async () => {
  const fixture = await open(60_000);
  const created = await fixture.store.create({ label: 'alice' }, Date.now());
  const keys = await fixture.redis.keys(`${fixture.prefix}*`);
  assert.equal(keys.length, 1, `one key: ${keys.join(', ')}`);
  assert.match(keys[0]!.slice(fixture.prefix.length), /^console:[0-9a-f]{64}$/, 'console:<sha256 hex>, under the prefix');
  const ttl = await fixture.redis.pttl(keys[0]!);
  assert.ok(ttl > 59_000 && ttl <= 60_000, `the key expires with the session: ${ttl} ms`);
  await fixture.store.end(created.id);
  assert.deepEqual(await fixture.redis.keys(`${fixture.prefix}*`), [], 'ending deletes the key');
});

test('a Redis that does not answer is ConsoleStoreUnavailable for every call, never a session or "not found"', needsRedis, async () => {
  const fixture = await open();
  const created = await fixture.store.create({ label: 'alice' }, Date.now());
  fixture.redis.disconnect();
  const unavailable = (error: unknown) => error instanceof ConsoleStoreUnavailable;
  await assert.rejects(fixture.store.find(created.id, Date.now()), unavailable, 'find');
  await assert.rejects(fixture.store.create({ label: 'alice' }, Date.now()), unavailable, 'create');
  await assert.rejects(fixture.store.end(created.id), unavailable, 'end');
});
