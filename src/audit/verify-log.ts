import type { KeyObject } from 'node:crypto';
import type { ChainedEntry } from './audit-record.js';
import { VERIFY_PAGE } from './audit-rows.js';
import type { AuditSink } from './audit-sink.js';
import type { VerifyResult } from './chain.js';
import type { ChainHead } from './checkpoint.js';
import { checkHead, type HeadCheck } from './published-head.js';
import { keyId } from './signing-keys.js';
import { verifyCheckpoints, type CheckpointReport } from './verify-checkpoints.js';

export interface LogVerification {
  /** Whether every check passed. */
  readonly ok: boolean;
  /** The hash chain from its anchor: shows an edited or deleted row, not a log re-chained or cut at its end. */
  readonly chain: VerifyResult;
  /** The heads published earlier: show entries cut from the end, and a re-chain up to each head. */
  readonly heads: HeadCheck[];
  /** The signed checkpoints, when public keys were given: show a re-chain up to the newest checkpoint. */
  readonly checkpoints?: CheckpointReport;
}

export interface VerifyOptions {
  readonly heads?: readonly ChainHead[];
  /** The public keys checkpoints must be signed with; given any, the log must hold checkpoints. */
  readonly publicKeys?: readonly KeyObject[];
}

/** Everything `audit verify` checks: the chain, then each published head, then the checkpoints. */
export async function verifyLog(sink: AuditSink, { heads = [], publicKeys = [] }: VerifyOptions = {}): Promise<LogVerification> {
  const chain = await sink.verify();
  const headChecks = [];
  for (const head of heads) headChecks.push(await checkHead(sink, head));
  const keys = new Map(publicKeys.map((key) => [keyId(key), key]));
  const checkpoints = keys.size > 0 ? await verifyCheckpoints(newestFirst(sink), keys) : undefined;
  const ok = chain.ok && headChecks.every((check) => check.ok) && (checkpoints?.ok ?? true);
  return { ok, chain, heads: headChecks, ...(checkpoints && { checkpoints }) };
}

/** The whole log, newest entry first, a page at a time. */
async function* newestFirst(sink: AuditSink): AsyncGenerator<ChainedEntry> {
  let after: number | undefined;
  do {
    const page = await sink.query({}, { limit: VERIFY_PAGE, order: 'desc', ...(after !== undefined && { after }) });
    yield* page.entries;
    after = page.next;
  } while (after !== undefined);
}
