import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { decision, outcome } from '../../test/contracts/audit-sink.js';
import type { ChainedEntry } from './audit-record.js';
import { chain } from './chain.js';
import { CheckpointSigner } from './checkpoint.js';
import { MemoryAuditSink } from './memory-sink.js';
import { verifyLog } from './verify-log.js';

/** What someone with write access to the store can do: they hold every entry, the hash chain's code, but not the key. */

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = new CheckpointSigner(privateKey);

/** 30 requests, a checkpoint of the head after every 10th (as a gateway signs each minute), and 2 requests after the last. */
async function signedLog(): Promise<MemoryAuditSink> {
  const sink = new MemoryAuditSink();
  let head: ChainedEntry | undefined;
  for (let n = 1; n <= 32; n++) {
    await sink.append(decision(n));
    head = await sink.append(outcome(n));
    if (n % 10 === 0) await sink.append(signer.checkpoint(head, head.entry.time));
  }
  return sink;
}

/** Edits the entry at `seq` and recomputes every hash from it on with the project's own chain code. */
function rechain(sink: MemoryAuditSink, seq: number, edit: (entry: ChainedEntry['entry']) => ChainedEntry['entry']): void {
  const from = sink.entries.findIndex((chained) => chained.seq === seq);
  const rest = sink.entries.slice(from).map((chained, i) => (i === 0 ? edit(chained.entry) : chained.entry));
  sink.entries.splice(from, rest.length, ...chain({ seq, prevHash: sink.entries[from]!.prevHash }, rest));
}

test('a signed log passes every check', async () => {
  const sink = await signedLog();
  const last = sink.entries.at(-1)!;
  const result = await verifyLog(sink, { heads: [last], publicKeys: [publicKey] });
  assert.deepEqual(result, {
    ok: true,
    chain: { ok: true, count: 67 },
    heads: [{ seq: 67, hash: last.hash, ok: true }],
    checkpoints: { ok: true, count: 3, signed: { seq: 62, time: decision(30).time + 0.5 }, unsigned: 4, pruned: 0 },
  });
});

test('an edited row re-chained with the project\'s code passes the chain, and fails the first checkpoint after the edit', async () => {
  const sink = await signedLog();
  // Request 15's decision (seq 30, between the checkpoints at 21 and 42): denied becomes allowed.
  assert.deepEqual(sink.entries[29]!.entry, decision(15));
  rechain(sink, 30, (entry) => ({ ...entry, decision: 'allowed' }) as ChainedEntry['entry']);
  assert.deepEqual(await sink.verify(), { ok: true, count: 67 }, 'every link is consistent again');
  assert.equal((await verifyLog(sink)).ok, true, 'plain verify cannot see a re-chain');
  const result = await verifyLog(sink, { publicKeys: [publicKey] });
  assert.equal(result.ok, false);
  assert.deepEqual(result.checkpoints, {
    ok: false,
    seq: 41,
    reason: 'entry 41 is not the entry checkpoint 42 signed: the log was changed after entry 20 (still as signed) and at or before entry 41, and its hashes recomputed',
  });
});

test('deleting the checkpoints too, and re-chaining, leaves none to check: that fails when a public key is given', async () => {
  const sink = await signedLog();
  const kept = sink.entries.filter(({ entry }) => entry.kind !== 'checkpoint').map(({ entry }) => entry);
  sink.entries.splice(0, sink.entries.length, ...chain({ seq: 1, prevHash: sink.entries[0]!.prevHash }, kept));
  assert.deepEqual(await sink.verify(), { ok: true, count: 64 });
  const { checkpoints } = await verifyLog(sink, { publicKeys: [publicKey] });
  assert.equal(checkpoints?.ok, false);
  assert.match(!checkpoints!.ok ? checkpoints!.reason : '', /^no checkpoint among 64 entries/);
});

test('the newest entries deleted pass the chain and the checkpoints, and fail a head published before', async () => {
  const sink = await signedLog();
  const published = sink.entries.at(-1)!;
  sink.entries.splice(-3);
  const result = await verifyLog(sink, { heads: [published], publicKeys: [publicKey] });
  assert.equal(result.chain.ok, true);
  assert.equal(result.checkpoints?.ok, true, 'entries after the newest checkpoint are not signed');
  assert.deepEqual(result.heads, [{ seq: 67, hash: published.hash, ok: false, reason: 'the log ends at entry 64, before the published head 67: entries were deleted from its end' }]);
  assert.equal(result.ok, false);
});

test('a re-chain after the newest checkpoint is seen by a head published after it, not by the checkpoints', async () => {
  const sink = await signedLog();
  const published = sink.entries.at(-1)!;
  rechain(sink, 65, (entry) => ({ ...entry, decision: 'allowed' }) as ChainedEntry['entry']);
  const result = await verifyLog(sink, { heads: [published], publicKeys: [publicKey] });
  assert.equal(result.checkpoints?.ok, true);
  assert.equal(result.heads[0]?.ok, false);
});
