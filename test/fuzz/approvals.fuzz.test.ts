import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { argumentsDigest, type ApprovalBinding, type ApprovalRequest } from '../../src/approvals/approval.js';
import { Approvals, type ApprovalEvent, type ApprovalGate } from '../../src/approvals/approvals.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import type { ApprovalRequirement } from '../../src/policy/decision.js';

/**
 * Random interleavings of everything that happens to approval requests, against the real `Approvals` service on a
 * real SQLite file, with a second service on the same file standing for another process or replica: calls held and
 * retried, approvals and denials by random people (the requester among them, and the same person twice), time
 * passing (an injected clock), agents giving up (an AbortController, also before the call is even held), and
 * restarts (a service and its store closed and opened again). A call that is let through counts once for its
 * request. Invariants: no call goes through unless its request has `quorum` distinct approvals by people other
 * than the requester, none twice, none after a denial, an expiry or its agent giving up; a decision is never taken
 * on a request that has ended; an agent that gives up is answered at once.
 *
 * Budget: 200 runs in `npm test`; with TOOLGATE_FUZZ_SECONDS (`npm run fuzz`) that long and at least 10,000 steps.
 * TOOLGATE_FUZZ_SEED replays a run (the seed is printed).
 */
const seconds = process.env.TOOLGATE_FUZZ_SECONDS === undefined ? undefined : Number(process.env.TOOLGATE_FUZZ_SECONDS);
const seed = process.env.TOOLGATE_FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.TOOLGATE_FUZZ_SEED);
const MIN_FUZZ_STEPS = 10_000;
const TIMEOUT_MS = 1_000;
const POLL_MS = 2;
const REQUESTER = 'agent';
const PEOPLE = ['alice', 'bob', 'carol', REQUESTER] as const;
/** Two policy versions: the second needs two approvals from a list that names the requester too. */
const REQUIREMENTS: Record<'p1' | 'p2', ApprovalRequirement> = {
  p1: { pointer: '/tools/t/approval', timeoutMs: TIMEOUT_MS, approvers: [], quorum: 1 },
  p2: { pointer: '/tools/t/approval', timeoutMs: TIMEOUT_MS, approvers: ['alice', 'bob', 'carol', REQUESTER], quorum: 2 },
};

type Command =
  | { kind: 'call'; side: number; arg: number; policy: 'p1' | 'p2'; wait: 'hold' | 'retry'; abortAtOnce: boolean }
  | { kind: 'decide'; side: number; open: boolean; pick: number; approver: (typeof PEOPLE)[number]; verdict: 'approve' | 'deny' }
  | { kind: 'tick'; ms: number }
  | { kind: 'cancel'; pick: number }
  | { kind: 'restart'; side: number }
  | { kind: 'settle' };

const side = fc.integer({ min: 0, max: 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('call' as const), side, arg: fc.integer({ min: 0, max: 1 }), policy: fc.constantFrom('p1' as const, 'p2' as const), wait: fc.constantFrom('hold' as const, 'retry' as const), abortAtOnce: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))).chain((b) => (b ? fc.boolean() : fc.constant(false))) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('decide' as const), side, open: fc.constantFrom(true, true, true, false), pick: fc.nat({ max: 7 }), approver: fc.constantFrom(...PEOPLE, 'alice', 'bob'), verdict: fc.constantFrom('approve' as const, 'approve' as const, 'approve' as const, 'approve' as const, 'deny' as const) }) },
  { weight: 2, arbitrary: fc.oneof(fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 300 }) }), fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 900, max: 1_200 }) })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat({ max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), side }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
);

/** What the test knows of a request, from the decisions it saw taken and the events the services recorded. */
interface Known {
  readonly request: ApprovalRequest;
  readonly approvedBy: Set<string>;
  denied: boolean;
  /** Its agent gave up while it still waited for approval. */
  abandoned: boolean;
  /** Ended, by an event some service recorded. */
  ended?: string;
  passes: number;
}

interface HeldCall {
  readonly controller: AbortController;
  /** The service holding it. */
  readonly side: number;
  readonly settled: Promise<void>;
  done: boolean;
  id?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** One run: two services on the file, the commands in order, then time runs out for everything still open. */
class Run {
  now = 1_000_000;
  readonly known = new Map<string, Known>();
  readonly order: string[] = [];
  readonly held: HeldCall[] = [];
  readonly violations: string[] = [];
  /** What happened, by kind, for the summary: a run that passes no call tests little. */
  readonly tally = new Map<string, number>();
  private readonly sides: { store: SqliteApprovalStore; service: Approvals }[] = [];

  /** Runs share one file (a fresh one each would cost more than the run): each binds its calls to its own server. */
  constructor(
    private readonly file: string,
    private readonly server: string,
  ) {
    for (let i = 0; i < 2; i++) this.sides.push(this.open());
  }

  private open(): { store: SqliteApprovalStore; service: Approvals } {
    const store = new SqliteApprovalStore(this.file);
    return { store, service: new Approvals({ store, record: (event) => this.recorded(event), clock: () => this.now, pollMs: POLL_MS, waitingEveryMs: 60_000 }) };
  }

  private violation(message: string): void {
    this.violations.push(message);
  }

  private recorded({ request, event, by }: ApprovalEvent): void {
    if (event === 'requested') {
      this.known.set(request.id, { request, approvedBy: new Set(), denied: false, abandoned: false, passes: 0 });
      this.order.push(request.id);
      return;
    }
    const known = this.known.get(request.id);
    if (!known) return this.violation(`${event} recorded for unknown request ${request.id}`);
    if (event === 'approved' && by) known.approvedBy.add(by);
    if (event === 'denied') known.denied = true;
    if (event === 'expired' || event === 'cancelled' || event === 'denied') known.ended ??= event;
  }

  /** A call let through: it must be approved, in time, not abandoned, and the first for its request. */
  private count(what: string): void {
    this.tally.set(what, (this.tally.get(what) ?? 0) + 1);
  }

  private passed(gate: ApprovalGate, service: Approvals, wait: 'hold' | 'retry'): void {
    this.count(`${wait} ${gate.kind}`);
    if (gate.kind !== 'approved') return;
    const claimed = gate.request;
    const known = this.known.get(claimed.id);
    if (!known) return this.violation(`a call passed on unknown request ${claimed.id}`);
    const what = `${claimed.id} (${claimed.wait}, quorum ${known.request.quorum})`;
    if (++known.passes > 1) this.violation(`${what} let ${known.passes} calls through`);
    if (known.approvedBy.size < known.request.quorum) this.violation(`${what} let a call through with ${known.approvedBy.size} approvals`);
    if (known.approvedBy.has(REQUESTER)) this.violation(`${what} counted the requester's approval`);
    if (known.denied) this.violation(`${what} let a call through after a denial`);
    if (known.abandoned) this.violation(`${what} let a call through after its agent gave up`);
    if (known.ended) this.violation(`${what} let a call through after it was ${known.ended}`);
    if (claimed.updatedAt >= known.request.expiresAt) this.violation(`${what} was claimed at ${claimed.updatedAt}, after its expiry at ${known.request.expiresAt}`);
    void service.finished(claimed, 'completed').catch(() => {});
  }

  /** Mostly a request still open as far as the test knows, so that calls do pass; else any, newest first. */
  private pick(pick: number, open: boolean): Known | undefined {
    const all = this.order.map((id) => this.known.get(id)!).reverse();
    const choices = open ? all.filter((k) => !k.ended && !k.denied && k.passes === 0 && this.now < k.request.expiresAt) : all;
    return choices[pick % Math.max(1, choices.length)];
  }

  async step(c: Command): Promise<void> {
    switch (c.kind) {
      case 'call': {
        const { service } = this.sides[c.side]!;
        const binding: ApprovalBinding = { grant: { id: 'g_agent', label: REQUESTER }, server: this.server, tool: 't', argsDigest: argumentsDigest({ n: c.arg }), policy: c.policy };
        const controller = new AbortController();
        const made = this.order.length;
        const gate = service.gate({ binding, requirement: REQUIREMENTS[c.policy], wait: c.wait, signal: controller.signal });
        if (c.abortAtOnce) controller.abort();
        if (c.wait === 'retry') {
          try {
            this.passed(await gate, service, 'retry');
          } catch {
            // A store closed under it by a restart.
          }
          return;
        }
        const call: HeldCall = { controller, side: c.side, done: false, settled: Promise.resolve() };
        (call as { settled: Promise<void> }).settled = gate.then(
          (outcome) => {
            call.done = true;
            this.passed(outcome, service, 'hold');
          },
          () => {
            call.done = true;
          },
        );
        this.held.push(call);
        await flush();
        for (let waited = 0; this.order.length === made && !call.done && waited < 100; waited += 5) await pause(5);
        if (this.order.length === made + 1) call.id = this.order[made];
        if (c.abortAtOnce && call.id) {
          const known = this.known.get(call.id)!;
          known.abandoned = true;
          await this.answeredAtOnce(call, `a held call whose agent gave up as it was made (${call.id})`);
        }
        return;
      }
      case 'decide': {
        const known = this.pick(c.pick, c.open);
        if (!known) return;
        const { service } = this.sides[c.side]!;
        const endedBefore = known.ended;
        try {
          const decided = await service.decide(known.request.id, { name: c.approver }, c.verdict);
          if (c.approver === REQUESTER) this.violation(`the requester's own ${c.verdict} of ${known.request.id} was taken`);
          if (endedBefore) this.violation(`a ${c.verdict} of ${known.request.id} was taken after it was ${endedBefore}`);
          if (this.now >= known.request.expiresAt) this.violation(`a ${c.verdict} of ${known.request.id} was taken after its expiry`);
          this.count(`${c.verdict} taken`);
          if (c.verdict === 'approve') known.approvedBy.add(c.approver);
          else known.denied = true;
          if (decided.state === 'approved' && new Set(decided.decisions.filter((d) => d.verdict === 'approve').map((d) => d.approver)).size < known.request.quorum) this.violation(`${known.request.id} approved short of its quorum`);
        } catch {
          this.count(`${c.verdict} refused`);
        }
        return;
      }
      case 'tick':
        this.now += c.ms;
        return;
      case 'cancel': {
        const open = this.held.filter((h) => !h.done && !h.controller.signal.aborted);
        const call = open[c.pick % Math.max(1, open.length)];
        if (!call) return;
        const known = call.id === undefined ? undefined : this.known.get(call.id);
        // Given up before its approval was complete: it must never pass. After, it may (the approval was given).
        if (known && known.approvedBy.size < known.request.quorum && !known.denied) known.abandoned = true;
        call.controller.abort();
        await this.answeredAtOnce(call, `a held call whose agent gave up (${call.id})`);
        return;
      }
      case 'restart': {
        const old = this.sides[c.side]!;
        old.service.close();
        // Its held calls are answered by the close: an agent cancelling one afterwards gives up on nothing.
        await Promise.all(this.held.filter((h) => h.side === c.side && !h.done).map((h) => h.settled));
        await old.store.close();
        this.sides[c.side] = this.open();
        return;
      }
      case 'settle':
        await pause(POLL_MS + 1);
        return;
    }
  }

  /** An agent that gives up is answered now, not when its request ends. */
  private async answeredAtOnce(call: HeldCall, what: string): Promise<void> {
    await Promise.race([call.settled, pause(200)]);
    if (!call.done) this.violation(`${what} is still held`);
  }

  /** Time runs out for every request: every held call ends; then both services close. */
  async end(): Promise<void> {
    this.now += TIMEOUT_MS * 10;
    const deadline = Date.now() + 2_000;
    while (this.held.some((h) => !h.done) && Date.now() < deadline) await pause(POLL_MS * 2);
    if (this.held.some((h) => !h.done)) this.violation(`${this.held.filter((h) => !h.done).length} held calls outlived their expiry`);
    for (const { service, store } of this.sides) {
      service.close();
      await store.close();
    }
    await Promise.all(this.held.map((h) => h.settled));
  }
}

describe('approvals under random interleavings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-approvals-fuzz-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('no call passes unapproved, twice, after a denial, an expiry or its agent giving up', async () => {
    let runs = 0;
    let steps = 0;
    let passes = 0;
    const tally = new Map<string, number>();
    const started = Date.now();
    const property = fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30, size: 'medium' }), async (commands) => {
      const run = new Run(join(dir, 'approvals.db'), `run-${runs++}`);
      try {
        for (const c of commands) {
          await run.step(c);
          steps++;
        }
      } finally {
        await run.end();
      }
      passes += [...run.known.values()].reduce((n, k) => n + k.passes, 0);
      for (const [what, n] of run.tally) tally.set(what, (tally.get(what) ?? 0) + n);
      assert.deepEqual(run.violations, [], `violations after ${JSON.stringify(commands)}`);
    });
    const budget = seconds === undefined ? { numRuns: 200 } : { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false };
    await fc.assert(property, { ...budget, seed, includeErrorInReport: true });
    // A long run is at least MIN_FUZZ_STEPS steps, however slow the machine.
    while (seconds !== undefined && steps < MIN_FUZZ_STEPS) await fc.assert(property, { numRuns: 50, seed: seed + runs, includeErrorInReport: true });
    const elapsed = (Date.now() - started) / 1000;
    console.log(`approvals fuzz: ${steps} steps in ${runs} runs, ${passes} calls let through, in ${elapsed.toFixed(1)} s, seed ${seed}`);
    console.log(`approvals fuzz: ${[...tally].sort().map(([what, n]) => `${what} ${n}`).join(', ')}`);
    assert.ok(steps > 0, 'the property ran');
  });
});
