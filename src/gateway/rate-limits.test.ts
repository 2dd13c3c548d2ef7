import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { Caller } from '../grants/authenticator.js';
import type { CounterRequest, CounterStore, Reserved } from '../limits/counter-store.js';
import { MemoryCounterStore } from '../limits/memory-store.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { StoreFailures } from '../observability/store-failures.js';
import type { CompiledLimit, Decision } from '../policy/decision.js';
import { errorResponse, resultResponse } from '../protocol/jsonrpc.js';
import type { Verdict } from './admission.js';
import { RateLimits } from './rate-limits.js';
import type { Session } from './session.js';

const log = pino({ level: 'silent' });
const CALLER: Caller = { id: 'g1', label: 'ops', servers: ['*'], policy: null };
const legacy = { id: 'sess-1', era: 'legacy', caller: CALLER } as unknown as Session;
const modern = { id: 'req-1', era: 'modern', caller: CALLER } as unknown as Session;

class RecordingFailures extends StoreFailures {
  readonly seen: string[] = [];
  override failed(part: Parameters<StoreFailures['failed']>[0], _error: unknown, message: string): void {
    this.seen.push(`${part}: ${message}`);
  }
}

/** A store that records what it is asked and answers as the memory store does, or throws when told to. */
class SpyStore extends MemoryCounterStore {
  readonly asked: CounterRequest[][] = [];
  readonly steps: string[] = [];
  broken = false;
  override async reserve(items: readonly CounterRequest[], now: number) {
    if (this.broken) throw new Error('store down');
    this.asked.push([...items]);
    return super.reserve(items, now);
  }
  override async commit(): Promise<void> {
    this.steps.push('commit');
    if (this.broken) throw new Error('store down');
  }
  override async rollback(reservation: Reserved): Promise<void> {
    this.steps.push('rollback');
    if (this.broken) throw new Error('store down');
    return super.rollback(reservation);
  }
}

function limit(overrides: Partial<CompiledLimit> = {}): CompiledLimit {
  return { pointer: '/tools/t/limits/0', counter: 'calls', windowMs: 60_000, max: 2, scope: 'grant', increment: 1, ...overrides };
}

function allow(limits: CompiledLimit[], amounts = limits.map((l) => l.increment)): Verdict {
  const decision: Decision = { kind: 'allow', rule: '/tools/t', limits, amounts };
  return { allow: true, decision, policy: 'p1' };
}

function setup(failMode: 'closed' | 'open' = 'closed', open = true) {
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  const failures = new RecordingFailures(log, metrics);
  const limits = new RateLimits(failMode, failures, metrics);
  const store = new SpyStore();
  if (open) limits.open(store);
  const near = async () => (await metrics.registry.getSingleMetric('toolgate_limit_near_total')!.get()).values.map((v) => ({ ...v.labels, n: v.value }));
  return { limits, store, failures, near };
}

test('counters are keyed by server and scope: a legacy session by its id, a 2026-07-28 request by its grant, global for everyone', async () => {
  const { limits, store } = setup();
  await limits.reserve(allow([limit({ scope: 'session', counter: 'a' }), limit({ scope: 'grant', counter: 'b' }), limit({ scope: 'global', counter: 'c' })]), 'srv', legacy, 't');
  await limits.reserve(allow([limit({ scope: 'session', counter: 'a' })]), 'srv', modern, 't');
  assert.deepEqual(store.asked.map((items) => items.map((i) => i.key)), [['srv/session:sess-1/a', 'srv/grant:ops/b', 'srv/global/c'], ['srv/grant:ops/a']]);
  assert.deepEqual(store.asked[0]!.map(({ windowMs, max, amount }) => ({ windowMs, max, amount })), Array(3).fill({ windowMs: 60_000, max: 2, amount: 1 }));
});

test('the amounts reserved are the decision’s, limit by limit', async () => {
  const { limits, store } = setup();
  await limits.reserve(allow([limit({ counter: 'a', max: 100 }), limit({ counter: 'b', max: 100 })], [7, 3]), 'srv', legacy, 't');
  assert.deepEqual(store.asked[0]!.map((i) => i.amount), [7, 3]);
});

test('nothing is reserved for a refusal, a decision without limits, or a verdict without a decision', async () => {
  const { limits, store } = setup();
  assert.deepEqual(await limits.reserve({ allow: false, message: 'no', rule: '(default deny)', reason: 'default' }, 'srv', legacy, 't'), {});
  assert.deepEqual(await limits.reserve(allow([]), 'srv', legacy, 't'), {});
  assert.deepEqual(await limits.reserve({ allow: true }, 'srv', legacy, 't'), {});
  assert.equal(store.asked.length, 0);
});

test('a refusal names the subject, the limit and its window, and when to retry', async () => {
  const cases: [number, string][] = [
    [60_000, 'per minute'],
    [120_000, 'per 2 minutes'],
    [3_600_000, 'per hour'],
    [86_400_000, 'per day'],
    [172_800_000, 'per 2 days'],
    [1_000, 'per second'],
    [90_000, 'per 90 seconds'],
    [1_500, 'per 1500 ms'],
  ];
  for (const [windowMs, wording] of cases) {
    const { limits } = setup();
    const verdict = allow([limit({ windowMs, max: 1 })]);
    assert.ok('reservation' in (await limits.reserve(verdict, 'srv', legacy, 'my_tool')));
    const refused = await limits.reserve(verdict, 'srv', legacy, 'my_tool');
    assert.ok('denial' in refused, wording);
    const retry = refused.denial.retryAfterSeconds!;
    assert.ok(retry >= 1 && retry <= Math.ceil((windowMs * 1.1) / 1000), `${wording}: retry in ${retry} s`);
    assert.deepEqual(refused.denial, {
      allow: false,
      message: `Rate limit reached for "my_tool": at most 1 ${wording} (counter "calls"). Retry in ${retry} s.`,
      rule: '/tools/t/limits/0',
      reason: 'rate_limited',
      policy: 'p1',
      retryAfterSeconds: retry,
    });
  }
});

test('the retry time is rounded up to whole seconds, never below one', async () => {
  const { limits } = setup();
  // A window of 100 ms frees its first bucket within a few milliseconds: still "1 s".
  const verdict = allow([limit({ windowMs: 100, max: 1 })]);
  await limits.reserve(verdict, 'srv', legacy, 't');
  const refused = await limits.reserve(verdict, 'srv', legacy, 't');
  assert.ok('denial' in refused);
  assert.equal(refused.denial.retryAfterSeconds, 1);
  // A minute's window frees about 66 s after the call (one bucket later): whole seconds, rounded up.
  const minute = allow([limit({ counter: 'm', windowMs: 60_000, max: 1 })]);
  await limits.reserve(minute, 'srv', legacy, 't');
  const later = await limits.reserve(minute, 'srv', legacy, 't');
  assert.ok('denial' in later);
  assert.ok(Number.isInteger(later.denial.retryAfterSeconds) && later.denial.retryAfterSeconds! >= 60 && later.denial.retryAfterSeconds! <= 66, String(later.denial.retryAfterSeconds));
});

test('a call larger than the whole limit is told it will never pass, with no retry time; a limit’s own message is used', async () => {
  const { limits } = setup();
  const refused = await limits.reserve(allow([limit({ max: 5, message: 'Budget spent.' })], [6]), 'srv', legacy, 't');
  assert.ok('denial' in refused);
  assert.equal(refused.denial.message, 'Budget spent. This call is larger than the whole limit and will never pass.');
  assert.equal('retryAfterSeconds' in refused.denial, false);
});

test('the first limit that does not fit is the one named', async () => {
  const { limits } = setup();
  const verdict = allow([limit({ counter: 'roomy', max: 10, pointer: '/tools/t/limits/0' }), limit({ counter: 'tight', max: 1, pointer: '/tools/t/limits/1' })]);
  await limits.reserve(verdict, 'srv', legacy, 't');
  const refused = await limits.reserve(verdict, 'srv', legacy, 't');
  assert.ok('denial' in refused);
  assert.equal(refused.denial.rule, '/tools/t/limits/1');
  assert.match(refused.denial.message, /counter "tight"/);
});

test('a reservation that leaves a counter at 80% of its maximum or more is counted as near its limit', async () => {
  const { limits, near } = setup();
  const verdict = allow([limit({ counter: 'c', max: 5, scope: 'global' })]);
  for (let i = 0; i < 3; i++) await limits.reserve(verdict, 'srv', legacy, 't');
  assert.deepEqual(await near(), [], '3 of 5 is not near');
  await limits.reserve(verdict, 'srv', legacy, 't');
  assert.deepEqual(await near(), [{ server: 'srv', counter: 'c', n: 1 }], '4 of 5 is');
});

test('a store that fails refuses the call (fail closed) with the first limit’s rule, and is reported', async () => {
  const { limits, store, failures } = setup('closed');
  store.broken = true;
  const refused = await limits.reserve(allow([limit({ pointer: '/tools/t/limits/0' }), limit({ counter: 'x', pointer: '/tools/t/limits/1' })]), 'srv', legacy, 't');
  assert.deepEqual(refused, { denial: { allow: false, message: 'rate limit store unavailable', rule: '/tools/t/limits/0', reason: 'store_unavailable', policy: 'p1' } });
  assert.deepEqual(failures.seen, ['counters: rate limit store unavailable']);
});

test('with fail_mode open, a store that fails lets the call through uncounted, and is reported', async () => {
  const { limits, store, failures } = setup('open');
  store.broken = true;
  assert.deepEqual(await limits.reserve(allow([limit()]), 'srv', legacy, 't'), {});
  assert.deepEqual(failures.seen, ['counters: rate limit store unavailable']);
});

test('before a store is opened, a limited call is refused as the store being unavailable', async () => {
  const { limits, failures } = setup('closed', false);
  const refused = await limits.reserve(allow([limit()]), 'srv', legacy, 't');
  assert.ok('denial' in refused && refused.denial.reason === 'store_unavailable');
  assert.deepEqual(failures.seen, ['counters: rate limit store unavailable']);
  // Settling without a store is a no-op, not a failure.
  await limits.release({ kind: 'reserved', items: [] });
  assert.deepEqual(failures.seen, ['counters: rate limit store unavailable']);
});

test('a JSON-RPC error rolls the reservation back; a result, even an isError one, commits it', async () => {
  const { limits, store } = setup();
  const verdict = allow([limit({ max: 1 })]);
  const first = await limits.reserve(verdict, 'srv', legacy, 't');
  assert.ok('reservation' in first && first.reservation);
  await limits.settle(first.reservation, errorResponse(0, -32603, 'boom'));
  assert.deepEqual(store.steps, ['rollback']);
  const second = await limits.reserve(verdict, 'srv', legacy, 't');
  assert.ok('reservation' in second && second.reservation, 'the rolled-back unit is free again');
  await limits.settle(second.reservation, resultResponse(0, { content: [], isError: true }));
  assert.deepEqual(store.steps, ['rollback', 'commit']);
  assert.ok('denial' in (await limits.reserve(verdict, 'srv', legacy, 't')), 'the committed unit stays spent');
});

test('a store that fails to settle is reported, and settling does not throw', async () => {
  const { limits, store, failures } = setup();
  const reserved = await limits.reserve(allow([limit()]), 'srv', legacy, 't');
  assert.ok('reservation' in reserved && reserved.reservation);
  store.broken = true;
  await limits.settle(reserved.reservation, resultResponse(0, { content: [] }));
  await limits.release(reserved.reservation);
  assert.deepEqual(failures.seen, ['counters: could not settle a counter reservation', 'counters: could not settle a counter reservation']);
});

test('close closes the store, and is a no-op without one', async () => {
  const closed: string[] = [];
  const { limits } = setup('closed', false);
  await limits.close();
  limits.open({ close: async () => void closed.push('closed') } as unknown as CounterStore);
  await limits.close();
  assert.deepEqual(closed, ['closed']);
});
