import type { KeyObject } from 'node:crypto';
import type { ChainedEntry } from './audit-record.js';
import { checkpointSigned } from './checkpoint.js';

export type CheckpointReport =
  | {
      ok: true;
      /** Checkpoints whose signature verified and whose signed head is the entry at that seq. */
      count: number;
      /** The newest signed head: every entry up to it is as it was when it was signed. None in an empty log. */
      signed?: { seq: number; time: number };
      /** Entries (not counting checkpoints) after the newest signed head: protected only by a published head. */
      unsigned: number;
      /** Checkpoints whose signed entry was pruned: their signature verified, their head cannot be compared. */
      pruned: number;
    }
  | { ok: false; seq: number; reason: string };

/**
 * Checks every checkpoint in a log read newest first: its key is one of `keys` (by key id), its signature verifies,
 * and the entry it signed, met later in the same pass, has the hash it signed. Newest first, a checkpoint comes
 * before the entry it signs, so only the signed heads not reached yet are held, however large the log. A re-chained
 * log fails at the oldest signed head that no longer matches, bounded below by the next one that does: where the
 * edit is. A log with entries but no checkpoint fails: a signing gateway writes one each minute the log moved and at
 * shutdown.
 */
export async function verifyCheckpoints(newestFirst: AsyncIterable<ChainedEntry>, keys: ReadonlyMap<string, KeyObject>): Promise<CheckpointReport> {
  /** Signed heads by seq, with the checkpoint that signed each. */
  const claims = new Map<number, { hash: string; by: number }>();
  const checkpointSeqs: number[] = [];
  let newest: ChainedEntry | undefined;
  let oldest: ChainedEntry | undefined;
  let signed: { seq: number; time: number } | undefined;
  /** The oldest signed head found changed so far, and the newest one below it that still matches. */
  let changed: { seq: number; by: number; intact?: number } | undefined;
  for await (const chained of newestFirst) {
    newest ??= chained;
    oldest = chained;
    const { seq, entry } = chained;
    const claim = claims.get(seq);
    if (claim) {
      if (claim.hash !== chained.hash) changed = { seq, by: claim.by };
      else if (changed) changed.intact ??= seq;
      claims.delete(seq);
    }
    if (entry.kind !== 'checkpoint') continue;
    checkpointSeqs.push(seq);
    const key = keys.get(entry.key);
    if (!key) return { ok: false, seq, reason: `checkpoint ${seq} is signed by key ${entry.key}, which is not one of the public keys given` };
    if (!checkpointSigned(entry, key)) return { ok: false, seq, reason: `checkpoint ${seq} does not carry a valid signature of key ${entry.key}` };
    if (!(entry.head.seq < seq)) return { ok: false, seq, reason: `checkpoint ${seq} signs entry ${entry.head.seq}, which is not before it` };
    const other = claims.get(entry.head.seq);
    if (other && other.hash !== entry.head.hash) return { ok: false, seq, reason: `checkpoints ${seq} and ${other.by} sign different hashes for entry ${entry.head.seq}` };
    if (!other) claims.set(entry.head.seq, { hash: entry.head.hash, by: seq });
    if (!signed || entry.head.seq > signed.seq) signed = { seq: entry.head.seq, time: entry.time };
  }
  if (!newest || !oldest) return { ok: true, count: 0, unsigned: 0, pruned: 0 };
  if (!signed) return { ok: false, seq: newest.seq, reason: `no checkpoint among ${newest.seq - oldest.seq + 1} entries: a gateway with audit.signing_key writes one each minute the log moved and at shutdown, so they were deleted (or the log was never signed)` };
  let pruned = 0;
  for (const [seq, claim] of claims) {
    // The entry before the oldest kept one is the anchor: its hash is what the oldest kept entry links to.
    if (seq === oldest.seq - 1 && claim.hash !== oldest.prevHash) changed = { seq, by: claim.by };
    if (seq >= oldest.seq) return { ok: false, seq, reason: `entry ${seq}, signed by checkpoint ${claim.by}, is missing` };
    if (seq < oldest.seq - 1) pruned++;
  }
  if (changed) {
    const where = changed.intact === undefined ? `at or before entry ${changed.seq}` : `after entry ${changed.intact} (still as signed) and at or before entry ${changed.seq}`;
    return { ok: false, seq: changed.seq, reason: `entry ${changed.seq} is not the entry checkpoint ${changed.by} signed: the log was changed ${where}, and its hashes recomputed` };
  }
  const after = signed.seq;
  const unsigned = newest.seq - after - checkpointSeqs.filter((seq) => seq > after).length;
  return { ok: true, count: checkpointSeqs.length, signed, unsigned, pruned };
}
