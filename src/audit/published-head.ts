import type { AuditSink } from './audit-sink.js';
import type { ChainHead } from './checkpoint.js';

/** How a head is written on the command line: the `auditSeq` and `auditHash` of a gateway's 'audit chain head' line. */
const HEAD = /^([1-9][0-9]*):([0-9a-f]{64})$/;

export type HeadCheck = (ChainHead & { ok: true }) | (ChainHead & { ok: false; reason: string });

export function parseHead(text: string): ChainHead {
  const [, seq, hash] = HEAD.exec(text) ?? [];
  if (!seq || !hash) throw new Error(`"${text}" is not SEQ:HASH (the auditSeq and the 64 hex digits of auditHash a gateway logged as the audit chain head)`);
  return { seq: Number(seq), hash };
}

/**
 * Checks a head published earlier (a copy kept outside the store): the entry at its seq must still be there with
 * that hash. Entries cut from the end, or a log re-chained after an edit, fail it. Once retention prunes the entry,
 * the head can only be checked against the link the oldest kept entry records, if that entry came right after it.
 */
export async function checkHead(sink: Pick<AuditSink, 'query'>, { seq, hash }: ChainHead): Promise<HeadCheck> {
  const head = { seq, hash };
  const fail = (reason: string): HeadCheck => ({ ...head, ok: false, reason });
  const { entries: [at] } = await sink.query({}, { limit: 1, after: head.seq - 1 });
  if (at?.seq === head.seq) {
    return at.hash === head.hash ? { ...head, ok: true } : fail(`entry ${head.seq} has hash ${at.hash}, not the published ${head.hash}: the log was changed and its hashes recomputed since`);
  }
  if (at?.seq === head.seq + 1) {
    return at.prevHash === head.hash ? { ...head, ok: true } : fail(`entry ${at.seq} links to ${at.prevHash}, not the published head ${head.hash}: the log was changed and its hashes recomputed since`);
  }
  if (at) return fail(`entry ${head.seq} is not in the log, which starts at entry ${at.seq} (pruned, or deleted from the start): check a newer head`);
  const { entries: [last] } = await sink.query({}, { limit: 1, order: 'desc' });
  return fail(last ? `the log ends at entry ${last.seq}, before the published head ${head.seq}: entries were deleted from its end` : `the log is empty, but entry ${head.seq} was published: its entries were deleted`);
}
