import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSignInThrottle, WINDOW_MS } from '../../test/contracts/sign-in-throttle.js';
import { freshConnections, testRedis } from '../../test/support/redis.js';
import { ConsoleStoreUnavailable } from './console-sessions.js';
import { RedisSignInThrottle } from './redis-sign-in-throttle.js';
import type { SignInThrottle } from './sign-in-throttle.js';

const redis = await testRedis();
const connect = freshConnections(redis.url);

describeSignInThrottle('the Redis sign-in throttle', async () => {
  const { redis, prefix } = await connect();
  return { throttle: new RedisSignInThrottle(redis, prefix, WINDOW_MS) };
}, { skip: redis.skip });

const needsRedis = { skip: redis.skip };

test('two replicas on one Redis count one address’s failures together', needsRedis, async () => {
  const { redis: first, prefix } = await connect();
  const a: SignInThrottle = new RedisSignInThrottle(first, prefix);
  const b: SignInThrottle = new RedisSignInThrottle((await connect()).redis, prefix);
  for (let i = 0; i < 3; i++) await a.failed('10.0.0.1', Date.now());
  for (let i = 0; i < 2; i++) await b.failed('10.0.0.1', Date.now());
  const wait = await a.waitFor('10.0.0.1', Date.now());
  assert.ok(wait > 59_000 && wait <= 60_000, `three failures on one and two on the other make it wait the minute: ${wait} ms`);
  assert.deepEqual(await first.keys(`${prefix}*`), [`${prefix}signin:10.0.0.1`], 'one key per address, under the prefix');
});

test('a Redis that does not answer is ConsoleStoreUnavailable, never "may try"', needsRedis, async () => {
  const { redis, prefix } = await connect();
  const throttle: SignInThrottle = new RedisSignInThrottle(redis, prefix);
  redis.disconnect();
  const unavailable = (error: unknown) => error instanceof ConsoleStoreUnavailable;
  await assert.rejects(throttle.waitFor('10.0.0.1', Date.now()), unavailable, 'waitFor');
  await assert.rejects(throttle.failed('10.0.0.1', Date.now()), unavailable, 'failed');
  await assert.rejects(throttle.succeeded('10.0.0.1'), unavailable, 'succeeded');
});
