import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpstreamState } from '../upstream/connection.js';
import { Readiness, withoutCredentials, type StoreProbe } from './readiness.js';

function parts(stores: StoreProbe[] | undefined, servers: { name: string; currentState: UpstreamState }[] = [], now = { ms: 0 }) {
  const failed: string[] = [];
  const readiness = new Readiness({ stores: () => stores, servers: () => servers, failed: (part) => failed.push(part), clock: () => now.ms, timeoutMs: 50 });
  return { readiness, failed };
}

test('ready when every store answers and every server is connected', async () => {
  const { readiness } = parts([{ part: 'counters', ping: async () => {} }], [{ name: 'a', currentState: 'ready' }]);
  assert.deepEqual(await readiness.report(), { ready: true });
});

test('names each store that does not answer, with its error, and each server that is not connected, with its state', async () => {
  const { readiness, failed } = parts(
    [
      { part: 'counters', ping: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6390')) },
      { part: 'grants', ping: async () => {} },
      { part: 'audit', ping: () => new Promise(() => {}) },
    ],
    [
      { name: 'a', currentState: 'ready' },
      { name: 'b', currentState: 'down' },
    ],
  );
  assert.deepEqual(await readiness.report(), {
    ready: false,
    reason: 'not ready',
    stores: [
      { part: 'counters', error: 'connect ECONNREFUSED 127.0.0.1:6390' },
      { part: 'audit', error: 'no answer within 50 ms' },
    ],
    servers: [{ name: 'b', state: 'down' }],
  });
  assert.deepEqual(failed, ['counters', 'audit'], 'each failure is reported like any store failure');
});

test('a store is asked at most once a second however often the probe comes', async () => {
  const now = { ms: 0 };
  let pings = 0;
  const { readiness } = parts([{ part: 'counters', ping: async () => void pings++ }], [], now);
  await Promise.all([readiness.report(), readiness.report(), readiness.report()]);
  now.ms = 999;
  await readiness.report();
  assert.equal(pings, 1, 'one ping within the second');
  now.ms = 1_000;
  await readiness.report();
  assert.equal(pings, 2, 'asked again once the answer is a second old');
});

test('starting until the stores are open, and shutting down from the moment it is told', async () => {
  assert.deepEqual(await parts(undefined).readiness.report(), { ready: false, reason: 'starting' });
  const { readiness } = parts([{ part: 'counters', ping: async () => {} }]);
  readiness.shutDown();
  assert.deepEqual(await readiness.report(), { ready: false, reason: 'shutting down' });
});

test('credentials in a URL in an error are left out', () => {
  assert.equal(withoutCredentials('could not reach postgres://toolgate:s3cret@db.internal:5432/toolgate'), 'could not reach postgres://db.internal:5432/toolgate');
  assert.equal(withoutCredentials('redis://:pw@cache:6379/0 refused'), 'redis://cache:6379/0 refused');
  assert.equal(withoutCredentials('connect ECONNREFUSED 127.0.0.1:6390'), 'connect ECONNREFUSED 127.0.0.1:6390');
});
