import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignInThrottle } from './sign-in-throttle.js';

test('five wrong credentials in a minute make an address wait out the minute; another address is not slowed', () => {
  const throttle = new SignInThrottle();
  for (let i = 0; i < 4; i++) throttle.failed('10.0.0.1', 1_000 + i);
  assert.equal(throttle.waitFor('10.0.0.1', 2_000), 0, 'four failures: it may still try');
  throttle.failed('10.0.0.1', 2_000);
  assert.equal(throttle.waitFor('10.0.0.1', 11_000), 50_000, 'the fifth: it waits until a minute after its first failure');
  assert.equal(throttle.waitFor('10.0.0.2', 11_000), 0);
  assert.equal(throttle.waitFor('10.0.0.1', 61_000), 0, 'the minute over, it may try again');
});

test('a sign-in that succeeds forgets the address’s failures', () => {
  const throttle = new SignInThrottle();
  for (let i = 0; i < 5; i++) throttle.failed('10.0.0.1', 1_000);
  throttle.succeeded('10.0.0.1');
  assert.equal(throttle.waitFor('10.0.0.1', 1_000), 0);
});
