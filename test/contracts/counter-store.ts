import assert from 'node:assert/strict';
import { after, describe, test as nodeTest } from 'node:test';
import fc from 'fast-check';
import type { CounterStore } from '../../src/limits/counter-store.js';

const MINUTE = 60_000;
const limit = (max: number, amount = 1, key = 'grant:a/calls') => ({ key, windowMs: MINUTE, max, amount });

/**
 * What every counter store must do, run against each one (memory, SQLite, Redis) with `open` making a fresh,
 * empty store.
 */
export function describeCounterStore(name: string, openStore: () => Promise<CounterStore>, options: { skip?: string } = {}): void {
  const opened: CounterStore[] = [];
  const open = async () => {
    const store = await openStore();
    opened.push(store);
    return store;
  };
  // The skip is given to each test, so the summary counts them as skipped (a skipped suite counts as passed).
  const test = (title: string, body: () => Promise<void>) => nodeTest(title, { skip: options.skip }, body);
  describe(name, () => {
    after(async () => {
      for (const store of opened) await store.close();
    });
    test('answers a ping (the readiness probe)', async () => {
      await (await open()).ping();
    });

    test('no rolling window ever holds more than max, and allowed + refused = issued (property)', async () => {
      await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 15_000 }), amount: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 200 }),
        async (max, schedule) => {
          // A store per run, closed by the run: 300 of them would otherwise stay open to the end.
          const store = await openStore();
          const allowed: { at: number; amount: number }[] = [];
          let now = 1_700_000_000_000;
          let refused = 0;
          for (const { gap, amount } of schedule) {
            now += gap;
            const outcome = await store.reserve([limit(max, amount)], now);
            if (outcome.kind === 'reserved') allowed.push({ at: now, amount });
            else refused++;
          }
          await store.close();
          assert.equal(allowed.length + refused, schedule.length);
          for (const { at } of allowed) {
            const inWindow = allowed.filter((a) => a.at > at - MINUTE && a.at <= at).reduce((sum, a) => sum + a.amount, 0);
            assert.ok(inWindow <= max, `${inWindow} in the minute ending ${at}, max ${max}`);
          }
        },
      ),
      { numRuns: 300 },
      );
    });

    test('a reservation says what each counter holds now, and which request it counts for (one named twice counts once)', async () => {
      const store = await open();
      const now = 1_700_000_000_000;
      await store.reserve([limit(10, 3, 'grant:a/spend')], now);
      const outcome = await store.reserve([limit(10, 2, 'grant:a/spend'), limit(5, 1, 'grant:a/calls'), limit(10, 1.5, 'grant:a/spend')], now + 1_000);
      assert.equal(outcome.kind, 'reserved');
      if (outcome.kind !== 'reserved') return;
      assert.deepEqual(
        outcome.items.map(({ index, used }) => ({ index, used })),
        [
          { index: 0, used: 6.5 },
          { index: 1, used: 1 },
        ],
      );
    });

    test('64 concurrent callers against a counter of 30: exactly 30 go through', async () => {
      const store = await open();
      const now = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 64 }, () => store.reserve([limit(30)], now)));
      assert.equal(outcomes.filter((o) => o.kind === 'reserved').length, 30);
    });

    test('a call refused by one counter drains no other', async () => {
      const store = await open();
      const now = Date.now();
      for (let i = 0; i < 2; i++) await store.reserve([limit(2, 1, 'narrow')], now);
      const outcome = await store.reserve([limit(100, 1, 'wide'), limit(2, 1, 'narrow')], now);
      assert.deepEqual(outcome.kind === 'refused' && outcome.index, 1);
      assert.equal((await store.reserve([limit(1, 1, 'wide')], now)).kind, 'reserved');
    });

    test('the same counter named twice in a call is checked for the sum', async () => {
      const store = await open();
      const outcome = await store.reserve([limit(3, 2, 'shared'), limit(3, 2, 'shared')], Date.now());
      assert.equal(outcome.kind, 'refused');
    });

    test('a request of amount 0 reads the counter as it stood before the call, against its own max, and refuses as itself', async () => {
      const store = await open();
      const now = Date.now();
      for (let i = 0; i < 3; i++) await store.reserve([limit(10, 1, 'shared')], now);
      const fits = await store.reserve([limit(10, 1, 'shared'), limit(3, 0, 'shared')], now);
      assert.equal(fits.kind, 'reserved', 'the count was 3 before the call: at most 3 holds, though the call makes it 4');
      const refused = await store.reserve([limit(10, 1, 'shared'), limit(3, 0, 'shared')], now);
      assert.deepEqual(refused.kind === 'refused' && refused.index, 1, 'the count of 4 is above the reading max of 3');
      const reads = await store.reserve([limit(4, 0, 'shared')], now);
      assert.equal(reads.kind === 'reserved' && reads.items[0]?.used, 4, 'reading counts nothing');
    });

    test('a rolled-back reservation gives its amount back', async () => {
      const store = await open();
      const now = Date.now();
      const first = await store.reserve([limit(1)], now);
      assert.equal((await store.reserve([limit(1)], now)).kind, 'refused');
      if (first.kind === 'reserved') await store.rollback(first);
      assert.equal((await store.reserve([limit(1)], now)).kind, 'reserved');
    });

    test('retry-after says when the next call will pass, and it does', async () => {
      const store = await open();
      const start = 1_700_000_000_000;
      for (let i = 0; i < 5; i++) await store.reserve([limit(5)], start + i * 1000);
      const refused = await store.reserve([limit(5)], start + 10_000);
      assert.equal(refused.kind, 'refused');
      const wait = refused.kind === 'refused' ? refused.retryAfterMs : 0;
      assert.ok(wait > 50_000 && wait <= 66_000, `retry after ${wait} ms`);
      assert.equal((await store.reserve([limit(5)], start + 10_000 + wait - 1_000)).kind, 'refused', 'not before');
      assert.equal((await store.reserve([limit(5)], start + 10_000 + wait)).kind, 'reserved', 'but then');
    });

    test('an amount larger than max never fits', async () => {
      const outcome = await (await open()).reserve([limit(5, 6)], Date.now());
      assert.deepEqual(outcome, { kind: 'refused', index: 0, retryAfterMs: Infinity });
    });

    test('status shows what each counter holds and when it frees up', async () => {
      const store = await open();
      const now = 1_700_000_000_000;
      for (let i = 0; i < 3; i++) await store.reserve([limit(10, 1, 'server/grant:local/status_counter')], now);
      const status = (await store.status(now + 1000)).filter((c) => c.key.startsWith('server/grant:local/status_counter'));
      assert.equal(status.length, 1);
      assert.equal(status[0]!.used, 3);
      assert.equal(status[0]!.windowMs, MINUTE);
      assert.ok(status[0]!.freesInMs > 50_000 && status[0]!.freesInMs <= 66_000);
      assert.deepEqual((await store.status(now + 10 * MINUTE)).filter((c) => c.key.startsWith('server/grant:local/status_counter')), []);
    });
  });
}
