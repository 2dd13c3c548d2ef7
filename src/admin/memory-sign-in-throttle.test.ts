import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSignInThrottle, WINDOW_MS } from '../../test/contracts/sign-in-throttle.js';
import { MemorySignInThrottle } from './memory-sign-in-throttle.js';

describeSignInThrottle('the memory sign-in throttle', async () => ({ throttle: new MemorySignInThrottle(WINDOW_MS) }));

test('five wrong credentials in a minute make an address wait out the minute since its first (the clock given)', async () => {
  const throttle = new MemorySignInThrottle();
  for (let i = 0; i < 4; i++) await throttle.failed('10.0.0.1', 1_000 + i);
  assert.equal(await throttle.waitFor('10.0.0.1', 2_000), 0, 'four failures: it may still try');
  await throttle.failed('10.0.0.1', 2_000);
  assert.equal(await throttle.waitFor('10.0.0.1', 11_000), 50_000, 'the fifth: it waits until a minute after its first failure');
  assert.equal(await throttle.waitFor('10.0.0.1', 61_000), 0, 'the minute over, it may try again');
});
