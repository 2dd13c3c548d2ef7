import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { decision, outcome } from '../../test/contracts/audit-sink.js';
import type { AuditEntry, ChainedEntry } from './audit-record.js';
import { chain, GENESIS_ANCHOR } from './chain.js';
import { CheckpointSigner } from './checkpoint.js';
import { keyId } from './signing-keys.js';
import { verifyCheckpoints } from './verify-checkpoints.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = new CheckpointSigner(privateKey);
const keys = new Map([[keyId(publicKey), publicKey]]);

/** Entries chained one at a time; `'checkpoint'` signs the newest entry so far (or the one `back` before it). */
function log(plan: readonly (AuditEntry | 'checkpoint' | { back: number })[], by: CheckpointSigner = signer): ChainedEntry[] {
  const chained: ChainedEntry[] = [];
  for (const step of plan) {
    const start = chained.length === 0 ? GENESIS_ANCHOR : { seq: chained.at(-1)!.seq + 1, prevHash: chained.at(-1)!.hash };
    const signed = typeof step === 'string' ? chained.at(-1) : 'back' in step ? chained.at(-1 - step.back) : undefined;
    const entry = signed ? by.checkpoint(signed, 1_000 + chained.length) : (step as AuditEntry);
    chained.push(...chain(start, [entry]));
  }
  return chained;
}

async function* newestFirst(entries: readonly ChainedEntry[]): AsyncGenerator<ChainedEntry> {
  yield* [...entries].reverse();
}

const check = (entries: readonly ChainedEntry[], given: ReadonlyMap<string, KeyObject> = keys) => verifyCheckpoints(newestFirst(entries), given);

test('every checkpoint verified; the entries after the newest signed head counted as unsigned', async () => {
  const entries = log([decision(1), outcome(1), 'checkpoint', decision(2), decision(3), { back: 1 }, outcome(3), decision(4)]);
  assert.deepEqual(await check(entries), { ok: true, count: 2, signed: { seq: 4, time: 1_005 }, unsigned: 3, pruned: 0 });
  assert.deepEqual(await check([]), { ok: true, count: 0, unsigned: 0, pruned: 0 }, 'an empty log has nothing to sign');
});

test('a log with entries but no checkpoint fails: they were deleted', async () => {
  const result = await check(log([decision(1), outcome(1)]));
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.reason : '', /^no checkpoint among 2 entries/);
});

test('a checkpoint of an unknown key, with a bad signature, or signing a later entry fails at that checkpoint', async () => {
  const other = new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);
  assert.deepEqual(await check(log([decision(1), 'checkpoint'], other)), { ok: false, seq: 2, reason: `checkpoint 2 is signed by key ${other.key}, which is not one of the public keys given` });
  const forged = log([decision(1), 'checkpoint']);
  const entry = forged[1]!.entry as Extract<AuditEntry, { kind: 'checkpoint' }>;
  const edited = chain(GENESIS_ANCHOR, [forged[0]!.entry, { ...entry, head: { ...entry.head, hash: 'f'.repeat(64) } }]);
  assert.deepEqual(await check(edited), { ok: false, seq: 2, reason: `checkpoint 2 does not carry a valid signature of key ${signer.key}` });
  const ahead = chain(GENESIS_ANCHOR, [decision(1), signer.checkpoint({ seq: 2, hash: 'f'.repeat(64) }, 1)]);
  assert.deepEqual(await check(ahead), { ok: false, seq: 2, reason: 'checkpoint 2 signs entry 2, which is not before it' });
});

test('a signed head whose entry has another hash fails at that entry', async () => {
  const entries = log([decision(1), decision(2), 'checkpoint']);
  // A hash changed in the row alone (the chain shows this too): the checkpoint shows it on its own.
  entries[1] = { ...entries[1]!, hash: 'e'.repeat(64) };
  assert.deepEqual(await check(entries), { ok: false, seq: 2, reason: 'entry 2 is not the entry checkpoint 3 signed: the log was changed at or before entry 2, and its hashes recomputed' });
});

test('after a prune, a signed head just before the oldest entry is checked against its link; older ones are counted', async () => {
  const entries = log([decision(1), 'checkpoint', decision(2), { back: 2 }, decision(3), 'checkpoint']);
  // Entries 1..3 pruned: checkpoint 4 signed entry 1 (gone), checkpoint 6 signed entry 5 (kept).
  assert.deepEqual(await check(entries.slice(3)), { ok: true, count: 2, signed: { seq: 5, time: 1_005 }, unsigned: 0, pruned: 1 });
  const kept = entries.slice(1);
  assert.deepEqual(await check(kept), { ok: true, count: 3, signed: { seq: 5, time: 1_005 }, unsigned: 0, pruned: 0 }, 'entry 1 is the anchor of a log starting at 2');
  kept[0] = { ...kept[0]!, prevHash: 'd'.repeat(64) };
  assert.equal((await check(kept)).ok, false, 'an anchor that is not the signed hash');
});
