import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { MAX_FAILURES, type SignInThrottle } from '../../src/admin/sign-in-throttle.js';

/** The window the fixture's throttle is opened with: short, so a test sees one end on the real clock. */
export const WINDOW_MS = 400;

export interface SignInThrottleFixture {
  readonly throttle: SignInThrottle;
}

/**
 * What every sign-in throttle must do (memory, Redis), with `open` making a fresh throttle whose window is
 * `WINDOW_MS`. The clock is the real one, which Redis keeps its windows by.
 */
export function describeSignInThrottle(name: string, open: () => Promise<SignInThrottleFixture>, options: { skip?: string } = {}): void {
  describe(name, { skip: options.skip }, () => {
    const fail = async (throttle: SignInThrottle, address: string, times: number) => {
      for (let i = 0; i < times; i++) await throttle.failed(address, Date.now());
    };

    test(`${MAX_FAILURES - 1} failures let an address try again; the ${MAX_FAILURES}th makes it wait, and no other address`, async () => {
      const { throttle } = await open();
      assert.equal(await throttle.waitFor('10.0.0.1', Date.now()), 0, 'an address never seen may try');
      await fail(throttle, '10.0.0.1', MAX_FAILURES - 1);
      assert.equal(await throttle.waitFor('10.0.0.1', Date.now()), 0, `${MAX_FAILURES - 1} failures: it may still try`);
      await fail(throttle, '10.0.0.1', 1);
      const wait = await throttle.waitFor('10.0.0.1', Date.now());
      assert.ok(wait > 0 && wait <= WINDOW_MS, `after ${MAX_FAILURES} failures it waits out the window: ${wait} ms`);
      assert.equal(await throttle.waitFor('10.0.0.2', Date.now()), 0, 'another address is not slowed');
    });

    test('a sign-in that succeeds forgets the address’s failures', async () => {
      const { throttle } = await open();
      await fail(throttle, '10.0.0.1', MAX_FAILURES);
      await throttle.succeeded('10.0.0.1');
      assert.equal(await throttle.waitFor('10.0.0.1', Date.now()), 0, 'the address may try at once');
      await fail(throttle, '10.0.0.1', MAX_FAILURES - 1);
      assert.equal(await throttle.waitFor('10.0.0.1', Date.now()), 0, 'and counts from none again');
    });

    test('the window ends a window after the first failure, however many came later', async () => {
      const { throttle } = await open();
      await fail(throttle, '10.0.0.1', 1);
      await sleep(WINDOW_MS / 2);
      await fail(throttle, '10.0.0.1', MAX_FAILURES - 1);
      const wait = await throttle.waitFor('10.0.0.1', Date.now());
      assert.ok(wait > 0 && wait <= WINDOW_MS / 2 + 20, `the wait ends a window after the first failure, not the last: ${wait} ms`);
      await sleep(wait + 20);
      assert.equal(await throttle.waitFor('10.0.0.1', Date.now()), 0, 'the window over, it may try again');
      await fail(throttle, '10.0.0.1', MAX_FAILURES - 1);
      assert.equal(await throttle.waitFor('10.0.0.1', Date.now()), 0, 'and its old failures no longer count');
    });
  });
}
