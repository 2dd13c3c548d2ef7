import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConsoleSessionStore } from '../../src/admin/console-sessions.js';

/** The TTL the fixture's store is opened with. */
export const TTL_MS = 1_000;

export interface ConsoleSessionStoreFixture {
  readonly store: ConsoleSessionStore;
  /** Everything the store holds, keys and values, as text: to show that no session id is kept. */
  readonly rawText: () => Promise<string>;
}

/**
 * What every console session store must do (memory, Redis), with `open` making a fresh, empty store whose sessions
 * last `TTL_MS`. Times are the caller's (`now`), as the endpoint passes its clock.
 */
export function describeConsoleSessionStore(name: string, open: () => Promise<ConsoleSessionStoreFixture>, options: { skip?: string } = {}): void {
  describe(name, { skip: options.skip }, () => {

    test('a created session is found by its id, with its admin, CSRF value and expiry', async () => {
      const { store } = await open();
      const now = Date.now();
      const created = await store.create({ label: 'alice' }, now);
      assert.match(created.id, /^[0-9A-Za-z]{43}$/, 'the id is 43 base62 characters');
      assert.match(created.csrf, /^[0-9A-Za-z]{32}$/, 'the CSRF value is 32 base62 characters');
      assert.notEqual(created.csrf, created.id, 'the CSRF value is not the cookie');
      assert.deepEqual(await store.find(created.id, now + 1), { admin: { label: 'alice' }, csrf: created.csrf, expiresAt: now + TTL_MS });
    });

    test('an unknown id finds nothing, and sessions are told apart', async () => {
      const { store } = await open();
      const now = Date.now();
      const [a, b] = [await store.create({ label: 'alice' }, now), await store.create({ label: 'bob' }, now)];
      assert.notEqual(a.id, b.id, 'every session has an id of its own');
      assert.equal((await store.find(b.id, now))?.admin.label, 'bob');
      assert.equal(await store.find('x'.repeat(43), now), undefined, 'an id never created finds nothing');
    });

    test('a session expires at its expiry', async () => {
      const { store } = await open();
      const now = Date.now();
      const created = await store.create({ label: 'alice' }, now);
      assert.ok(await store.find(created.id, now + TTL_MS - 1), 'live until its last millisecond');
      assert.equal(await store.find(created.id, now + TTL_MS), undefined, 'expired at its expiry');
    });

    test('an ended session is not found, and the other sessions stay', async () => {
      const { store } = await open();
      const now = Date.now();
      const [a, b] = [await store.create({ label: 'alice' }, now), await store.create({ label: 'bob' }, now)];
      await store.end(a.id);
      assert.equal(await store.find(a.id, now), undefined, 'ended');
      assert.ok(await store.find(b.id, now), 'another session is not ended with it');
      await store.end(a.id);
    });

    test('the store never holds a session id, only its hash', async () => {
      const { store, rawText } = await open();
      const created = await store.create({ label: 'alice' }, Date.now());
      const raw = await rawText();
      assert.ok(raw.includes(created.csrf), 'the raw text is the store’s: it holds the session’s CSRF value');
      assert.ok(!raw.includes(created.id), 'no key or value holds the id that signs in');
    });
  });
}
