import { createHash } from 'node:crypto';
import { canonical } from '../documents/canonical-json.js';
import type { AuditEntry, ChainedEntry } from './audit-record.js';

/** The hash before the first entry of a log that was never pruned. */
export const GENESIS = '0'.repeat(64);

/**
 * Where a chain starts: the seq of its first entry and the hash that entry links to. A fresh log starts at
 * `{ seq: 1, prevHash: GENESIS }`; a pruned one at the anchor its prune recorded, so what is left still verifies.
 */
export interface ChainAnchor {
  readonly seq: number;
  readonly prevHash: string;
}

export const GENESIS_ANCHOR: ChainAnchor = { seq: 1, prevHash: GENESIS };

export type VerifyResult = { ok: true; count: number } | { ok: false; seq: number; reason: string };

/**
 * The canonical JSON of an object and, from the same serialisation, that of the object without the fields named in
 * `without`: what a SQL sink hashes and the body it stores beside its columns, each value serialised once.
 */
export function canonicalSplit(value: object, without: ReadonlySet<string>): { whole: string; rest: string } {
  let whole = '';
  let rest = '';
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    const member = `${JSON.stringify(key)}:${canonical(field)}`;
    whole += `${whole === '' ? '' : ','}${member}`;
    if (!without.has(key)) rest += `${rest === '' ? '' : ','}${member}`;
  }
  return { whole: `{${whole}}`, rest: `{${rest}}` };
}

/** A link's hash: SHA-256 over the previous hash, the seq and the entry's canonical JSON (`text`). */
export function hashLink(prevHash: string, seq: number, text: string): string {
  return createHash('sha256').update(`${prevHash}\n${seq}\n${text}`).digest('hex');
}

export function linkHash(prevHash: string, seq: number, entry: AuditEntry): string {
  return hashLink(prevHash, seq, canonical(entry));
}

/** The anchor the next appended entry links to, given the last stored entry (if any) and the log's anchor. */
export function nextLink(last: { seq: number; hash: string } | undefined, anchor: ChainAnchor): ChainAnchor {
  return last ? { seq: last.seq + 1, prevHash: last.hash } : anchor;
}

/**
 * Links a batch of entries onto the chain after `start`: what every sink stores. `texts` are the entries' canonical
 * JSON when the sink has serialised them already (to store them), so that each entry is serialised once.
 */
export function chain(start: ChainAnchor, entries: readonly AuditEntry[], texts?: readonly string[]): ChainedEntry[] {
  let prevHash = start.prevHash;
  return entries.map((entry, i) => {
    const seq = start.seq + i;
    const hash = hashLink(prevHash, seq, texts ? texts[i]! : canonical(entry));
    const linked = { seq, entry, prevHash, hash };
    prevHash = hash;
    return linked;
  });
}

/** Checks every link from `start` and names the first broken one. */
export function verifyChain(entries: Iterable<ChainedEntry>, start: ChainAnchor = GENESIS_ANCHOR): VerifyResult {
  let expected = start;
  let count = 0;
  for (const { seq, entry, prevHash, hash } of entries) {
    if (seq !== expected.seq) return { ok: false, seq, reason: `entry ${expected.seq} is missing (found ${seq} next)` };
    if (prevHash !== expected.prevHash) return { ok: false, seq, reason: `entry ${seq} does not link to the entry before it` };
    if (linkHash(prevHash, seq, entry) !== hash) return { ok: false, seq, reason: `entry ${seq} was changed after it was written` };
    expected = { seq: seq + 1, prevHash: hash };
    count++;
  }
  return { ok: true, count };
}

/**
 * Verifies a chain read a page at a time (`page(afterSeq)` returns the next entries in seq order, empty at the end),
 * so a large log is checked without holding it all.
 */
export async function verifyPages(start: ChainAnchor, page: (afterSeq: number) => Promise<readonly ChainedEntry[]> | readonly ChainedEntry[]): Promise<VerifyResult> {
  let from = start;
  let count = 0;
  for (let entries = await page(start.seq - 1); entries.length > 0; entries = await page(from.seq - 1)) {
    const result = verifyChain(entries, from);
    if (!result.ok) return result;
    count += result.count;
    const last = entries.at(-1)!;
    from = { seq: last.seq + 1, prevHash: last.hash };
  }
  return { ok: true, count };
}
