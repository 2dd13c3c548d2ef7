import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, describe, test as nodeTest } from 'node:test';
import type { AuditDecision, ChainedEntry, DecisionEntry, OutcomeEntry, PinEntry, ApprovalEntry, PolicyEntry } from '../../src/audit/audit-record.js';
import type { AuditFilter, AuditSink } from '../../src/audit/audit-sink.js';
import { CheckpointSigner } from '../../src/audit/checkpoint.js';
import { verifyLog } from '../../src/audit/verify-log.js';

export interface AuditSinkFixture {
  readonly sink: AuditSink;
  /** Changes the stored entry at `seq` as someone with write access to the storage would (raw SQL, a rewritten line). */
  edit(seq: number): Promise<void>;
  /** Deletes the stored entry at `seq` the same way. */
  remove(seq: number): Promise<void>;
  /** A second sink on the same storage (another process or replica), where the storage allows one. */
  share?(): Promise<AuditSink>;
}

const T0 = 1_700_000_000_000;

export function decision(n: number, fields: Partial<DecisionEntry> = {}): DecisionEntry {
  return {
    kind: 'decision',
    requestId: `req-${n}`,
    time: T0 + n,
    grant: { id: `gr_${n % 2}`, label: n % 2 ? 'ci-agent' : 'notebook' },
    client: { name: 'claude', version: '1.0' },
    server: n % 3 ? 'github' : 'files',
    method: 'tools/call',
    tool: `tool_${n % 4}`,
    decision: (n % 5 ? 'allowed' : 'denied') as AuditDecision,
    rule: '/tools/x/0',
    policy: 'sha256:abc',
    args: ['owner', 'repo'],
    ...fields,
  };
}

/** `d5` for the decision of request 5, `o5` for its outcome, `c` for a checkpoint, `p:tool` for a pin event, `P:tool` for a policy change. */
function shortName({ entry }: ChainedEntry): string {
  if (entry.kind === 'pin') return `p:${entry.tool}`;
  if (entry.kind === 'approval') return `a:${entry.event}`;
  if (entry.kind === 'policy') return `P:${entry.tool ?? ''}`;
  return entry.kind === 'checkpoint' ? 'c' : `${entry.kind[0]}${entry.requestId.slice(4)}`;
}

export function outcome(n: number): OutcomeEntry {
  return { kind: 'outcome', requestId: `req-${n}`, time: T0 + n + 0.5, status: 'ok', gatewayMs: 0.4, upstreamMs: 12.5 };
}

/**
 * What every audit sink must do, run against each one (memory, SQLite, PostgreSQL, JSON lines) with `open` making a
 * fresh, empty log.
 */
export function describeAuditSink(name: string, openFixture: () => Promise<AuditSinkFixture>, options: { skip?: string } = {}): void {
  const opened: AuditSink[] = [];
  const open = async () => {
    const fixture = await openFixture();
    opened.push(fixture.sink);
    return fixture;
  };
  // The skip is given to each test, so the summary counts them as skipped (a skipped suite counts as passed).
  const test = (title: string, body: () => Promise<void>) => nodeTest(title, { skip: options.skip }, body);
  /** Ten requests, 1..10: a decision each, and an outcome after each allowed one. */
  const fill = async (sink: AuditSink) => {
    for (let n = 1; n <= 10; n++) {
      const entry = decision(n);
      await sink.append(entry);
      if (entry.decision === 'allowed') await sink.append(outcome(n));
    }
  };
  const all = async (sink: AuditSink, filter: AuditFilter = {}) => (await sink.query(filter, { limit: 1_000 })).entries;

  describe(name, () => {
    after(async () => {
      for (const sink of opened) await sink.close();
    });

    test('answers a ping (the readiness probe)', async () => {
      await (await open()).sink.ping();
    });

    test('entries come back as they were appended, in seq order, from 1', async () => {
      const { sink } = await open();
      const entries = [decision(1, { args: { nested: { deep: ['ü', 1, null, true] } }, session: 's-1', message: 'ok' }), outcome(1), decision(2, { tool: undefined, client: undefined })];
      const chained = [];
      for (const entry of entries) chained.push(await sink.append(entry));
      assert.deepEqual(chained.map((c) => c.seq), [1, 2, 3]);
      // As JSON: a field set to undefined is not kept.
      assert.deepEqual(await all(sink), JSON.parse(JSON.stringify(chained)));
    });

    test('filters select requests by their decision, with the outcomes that complete them', async () => {
      const { sink } = await open();
      await fill(sink);
      const requests = async (filter: AuditFilter) => (await all(sink, filter)).map(shortName);
      assert.deepEqual(await requests({ grant: 'ci-agent' }), ['d1', 'o1', 'd3', 'o3', 'd5', 'd7', 'o7', 'd9', 'o9']);
      assert.deepEqual(await requests({ grant: 'gr_0', tool: 'tool_2' }), ['d2', 'o2', 'd6', 'o6', 'd10']);
      assert.deepEqual(await requests({ decision: 'denied' }), ['d5', 'd10']);
      assert.deepEqual(await requests({ server: 'files' }), ['d3', 'o3', 'd6', 'o6', 'd9', 'o9']);
      assert.deepEqual(await requests({ since: T0 + 8, until: T0 + 10 }), ['d8', 'o8', 'd9', 'o9']);
      assert.deepEqual(await requests({ grant: 'nobody' }), []);
      assert.deepEqual(await requests({ requestId: 'req-7' }), ['d7', 'o7'], 'one request: its decision and its outcome');
      assert.deepEqual(await requests({ requestId: 'req-5', decision: 'denied' }), ['d5']);
    });

    test('pages cover the log once, oldest first or newest first', async () => {
      const { sink } = await open();
      await fill(sink);
      for (const order of ['asc', 'desc'] as const) {
        const seen: number[] = [];
        let after: number | undefined;
        do {
          const page = await sink.query({}, { limit: 5, order, ...(after === undefined ? {} : { after }) });
          assert.ok(page.entries.length <= 5);
          seen.push(...page.entries.map((c) => c.seq));
          after = page.next;
        } while (after !== undefined);
        const seqs = Array.from({ length: 18 }, (_, i) => i + 1);
        assert.deepEqual(seen, order === 'asc' ? seqs : seqs.reverse());
      }
      const filtered = await sink.query({ decision: 'allowed' }, { limit: 3, after: 4 });
      assert.deepEqual(filtered.entries.map((c) => c.seq), [5, 6, 7]);
      assert.equal(filtered.next, 7);
    });

    test('1,000 concurrent appends are 1,000 entries, seq 1..1000, and the chain verifies', async () => {
      const { sink } = await open();
      const chained = await Promise.all(Array.from({ length: 1_000 }, (_, i) => sink.append(decision(i + 1))));
      assert.deepEqual(chained.map((c) => c.seq).sort((a, b) => a - b), Array.from({ length: 1_000 }, (_, i) => i + 1));
      assert.deepEqual(await sink.verify(), { ok: true, count: 1_000 });
      assert.equal((await all(sink)).length, 1_000);
    });

    test('a filtered page finds every entry of a long log, newest or oldest first, each once', async () => {
      // Long enough for a store that indexes in batches (SQLite copies 512 at a time) to have copied some and not others.
      const { sink } = await open();
      for (let from = 1; from <= 1_300; from += 100) await Promise.all(Array.from({ length: 100 }, (_, i) => sink.append(decision(from + i))));
      const expected = Array.from({ length: 1_300 }, (_, i) => i + 1).filter((n) => n % 4 === 1 && n % 3 !== 0);
      for (const order of ['asc', 'desc'] as const) {
        const seen: string[] = [];
        let after: number | undefined;
        do {
          const page = await sink.query({ tool: 'tool_1', server: 'github' }, { limit: 100, order, ...(after === undefined ? {} : { after }) });
          seen.push(...page.entries.map((c) => (c.entry as DecisionEntry).requestId));
          after = page.next;
        } while (after !== undefined);
        const ids = expected.map((n) => `req-${n}`);
        assert.deepEqual(seen, order === 'asc' ? ids : ids.reverse(), `${order}: every match once, in order`);
      }
      assert.deepEqual((await all(sink, { requestId: 'req-1299' })).map(shortName), ['d1299'], 'the newest by its request id');
      assert.deepEqual((await all(sink, { requestId: 'req-2' })).map(shortName), ['d2'], 'the oldest by its request id');
    });

    test('an edited entry fails verify at exactly its seq', async () => {
      const { sink, edit } = await open();
      await fill(sink);
      assert.deepEqual(await sink.verify(), { ok: true, count: 18 });
      await edit(7);
      const result = await sink.verify();
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.seq, 7);
    });

    test('a deleted entry fails verify where the gap is', async () => {
      const { sink, remove } = await open();
      await fill(sink);
      await remove(9);
      assert.deepEqual(await sink.verify(), { ok: false, seq: 10, reason: 'entry 9 is missing (found 10 next)' });
      const { sink: other, remove: removeFirst } = await open();
      await fill(other);
      await removeFirst(1);
      assert.equal((await other.verify()).ok, false, 'the head cannot go unseen either');
    });

    test('pruning deletes the oldest entries and the rest still verifies, before and after more appends', async () => {
      const { sink } = await open();
      await fill(sink);
      assert.equal(await sink.prune(T0 + 5), 8, 'requests 1 to 4, a decision and an outcome each');
      assert.equal(shortName((await all(sink))[0]!), 'd5');
      assert.deepEqual(await sink.verify(), { ok: true, count: 10 });
      assert.equal((await sink.append(decision(11))).seq, 19);
      assert.deepEqual(await sink.verify(), { ok: true, count: (await all(sink)).length });
      assert.equal(await sink.prune(T0 + 1_000), 11);
      assert.deepEqual(await sink.verify(), { ok: true, count: 0 });
      assert.equal((await sink.append(decision(12))).seq, 20, 'an emptied log continues its chain');
      assert.deepEqual(await sink.verify(), { ok: true, count: 1 });
    });

    test('a signed checkpoint is kept as it was signed, is selected by time only, and verifies with its key', async () => {
      const { sink } = await open();
      await fill(sink);
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const head = await sink.append(decision(11));
      const checkpoint = new CheckpointSigner(privateKey).checkpoint(head, T0 + 20);
      const stored = await sink.append(checkpoint);
      assert.deepEqual((await all(sink)).at(-1), JSON.parse(JSON.stringify(stored)));
      assert.deepEqual(stored.entry, checkpoint);
      assert.deepEqual((await all(sink, { since: T0 + 20 })).map(shortName), ['c']);
      assert.ok(!(await all(sink, { grant: 'ci-agent' })).map(shortName).includes('c'));
      const verified = await verifyLog(sink, { heads: [stored], publicKeys: [publicKey] });
      assert.deepEqual(verified.checkpoints, { ok: true, count: 1, signed: { seq: head.seq, time: T0 + 20 }, unsigned: 0, pruned: 0 });
      assert.equal(verified.ok, true);
    });

    test('a pin event is kept whole, is found by its own server and tool (never by a grant or decision), and is chained', async () => {
      const { sink } = await open();
      await fill(sink);
      const event: PinEntry = { kind: 'pin', time: T0 + 30, server: 'github', tool: 'tool_1', event: 'held', digest: 'b'.repeat(64), previous: 'a'.repeat(64), changes: ['description reworded', 'new argument `cc`'] };
      const stored = await sink.append(event);
      assert.deepEqual(stored.entry, event);
      assert.deepEqual((await all(sink)).at(-1), JSON.parse(JSON.stringify(stored)));
      assert.ok((await all(sink, { tool: 'tool_1', server: 'github' })).map(shortName).includes('p:tool_1'), 'found by its server and tool');
      assert.ok(!(await all(sink, { tool: 'tool_2' })).map(shortName).includes('p:tool_1'), 'not found by another tool');
      assert.ok(!(await all(sink, { server: 'slack' })).map(shortName).includes('p:tool_1'), 'not found by another server');
      assert.ok(!(await all(sink, { decision: 'denied' })).map(shortName).includes('p:tool_1'), 'not found by a decision');
      assert.ok(!(await all(sink, { grant: 'ci-agent', tool: 'tool_1' })).map(shortName).includes('p:tool_1'), 'not found by a grant');
      assert.deepEqual(await sink.verify(), { ok: true, count: (await all(sink)).length });
    });

    test('an approval event is kept whole and found by its grant, server and tool, never by a decision', async () => {
      const { sink } = await open();
      await fill(sink);
      const event: ApprovalEntry = { kind: 'approval', time: T0 + 40, approval: 'ap_x', event: 'approved', grant: { id: 'gr_1', label: 'ci-agent' }, server: 'github', tool: 'tool_1', digest: 'c'.repeat(64), by: 'alice', reason: 'looks right' };
      const stored = await sink.append(event);
      assert.deepEqual(stored.entry, event);
      assert.deepEqual((await all(sink)).at(-1), JSON.parse(JSON.stringify(stored)));
      assert.ok((await all(sink, { grant: 'ci-agent', tool: 'tool_1' })).map(shortName).includes('a:approved'), 'found by grant label and tool');
      assert.ok((await all(sink, { grant: 'gr_1', server: 'github' })).map(shortName).includes('a:approved'), 'found by grant id and server');
      assert.ok(!(await all(sink, { grant: 'notebook' })).map(shortName).includes('a:approved'), 'not by another grant');
      assert.ok(!(await all(sink, { decision: 'allowed' })).map(shortName).includes('a:approved'), 'never by a decision');
      assert.deepEqual(await sink.verify(), { ok: true, count: (await all(sink)).length });
    });

    test('a policy change is kept whole, with or without a tool, found by its server and tool, never by a grant or decision', async () => {
      const { sink } = await open();
      await fill(sink);
      const set: PolicyEntry = { kind: 'policy', time: T0 + 50, server: 'github', tool: 'tool_1', event: 'set', rule: 'deny', version: 'b'.repeat(12), previous: 'a'.repeat(12), by: 'alice' };
      const replaced: PolicyEntry = { kind: 'policy', time: T0 + 51, server: 'github', event: 'rolled_back', to: 3, version: 'a'.repeat(12), previous: 'b'.repeat(12), by: 'cli:root' };
      assert.deepEqual((await sink.append(set)).entry, set);
      assert.deepEqual((await sink.append(replaced)).entry, replaced);
      assert.deepEqual((await all(sink)).slice(-2).map((chained) => chained.entry), [set, replaced], 'read back as written, the whole-document change without a tool');
      assert.deepEqual((await all(sink, { server: 'github', tool: 'tool_1' })).map(shortName).filter((name) => name.startsWith('P:')), ['P:tool_1'], 'found by its server and tool');
      assert.deepEqual((await all(sink, { server: 'github' })).map(shortName).filter((name) => name.startsWith('P:')), ['P:tool_1', 'P:'], 'both found by their server');
      assert.ok(!(await all(sink, { grant: 'alice' })).map(shortName).some((name) => name.startsWith('P:')), 'not found by a grant named like the admin');
      assert.ok(!(await all(sink, { decision: 'allowed' })).map(shortName).some((name) => name.startsWith('P:')), 'never by a decision');
      assert.deepEqual(await sink.verify(), { ok: true, count: (await all(sink)).length });
    });

    test('kind selects requests (decisions and outcomes) or one kind of event, with the other filters and newest-first paging', async () => {
      const { sink } = await open();
      await fill(sink);
      await sink.append({ kind: 'pin', time: T0 + 30, server: 'github', tool: 'tool_1', event: 'pinned', digest: 'a'.repeat(64) });
      await sink.append({ kind: 'approval', time: T0 + 40, approval: 'ap_x', event: 'approved', grant: { id: 'gr_1', label: 'ci-agent' }, server: 'github', tool: 'tool_1', digest: 'c'.repeat(64), by: 'alice' });
      await sink.append({ kind: 'policy', time: T0 + 50, server: 'github', tool: 'tool_1', event: 'set', rule: 'deny', version: 'b'.repeat(12), by: 'alice' });
      await sink.append({ kind: 'policy', time: T0 + 51, server: 'files', event: 'replaced', version: 'c'.repeat(12), by: 'alice' });
      assert.deepEqual((await all(sink, { kind: 'policy' })).map(shortName), ['P:tool_1', 'P:']);
      assert.deepEqual((await all(sink, { kind: 'policy', server: 'files' })).map(shortName), ['P:'], 'with a server filter');
      assert.deepEqual((await all(sink, { kind: 'approval' })).map(shortName), ['a:approved']);
      assert.deepEqual((await all(sink, { kind: 'pin', tool: 'tool_1' })).map(shortName), ['p:tool_1']);
      const requests = (await all(sink, { kind: 'request' })).map(shortName);
      assert.equal(requests.length, 18, `ten decisions and eight outcomes: ${requests.join(' ')}`);
      assert.ok(requests.every((name) => /^[do]\d+$/.test(name)), `only decisions and outcomes: ${requests.join(' ')}`);
      const first = await sink.query({ kind: 'policy' }, { limit: 1, order: 'desc' });
      assert.deepEqual(first.entries.map(shortName), ['P:'], 'the newest first');
      const second = await sink.query({ kind: 'policy' }, { limit: 1, order: 'desc', after: first.next! });
      assert.deepEqual(second.entries.map(shortName), ['P:tool_1'], 'the next page is the older one');
    });

    test('two sinks on one store appending at once still chain one log', async () => {
      const { sink, share } = await open();
      if (!share) return;
      const other = await share();
      opened.push(other);
      await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 ? sink : other).append(decision(i + 1))));
      assert.deepEqual(await sink.verify(), { ok: true, count: 400 });
      assert.deepEqual(await other.verify(), { ok: true, count: 400 });
      assert.deepEqual((await all(sink)).map((c) => c.seq), Array.from({ length: 400 }, (_, i) => i + 1));
    });
  });
}
