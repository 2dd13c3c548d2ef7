import type { KeyObject } from 'node:crypto';
import type { AuditSink } from '../audit/audit-sink.js';
import { parseHead } from '../audit/published-head.js';
import { readPublicKey } from '../audit/signing-keys.js';
import { verifyLog, type LogVerification, type VerifyOptions } from '../audit/verify-log.js';
import { UsageError } from './errors.js';

/** `audit verify` exits 1 when the log is not whole (a broken link, a head or a checkpoint that does not hold). */
const EXIT_BROKEN = 1;

export interface VerifyCliOptions {
  json?: boolean;
  head: string[];
  publicKey: string[];
}

/** The heads and keys the options name, read before the log is opened: a mistake in them is a usage error (exit 2). */
export function verifyOptions(options: VerifyCliOptions): VerifyOptions {
  const heads = options.head.map((text) => usage('--head', () => parseHead(text)));
  const publicKeys: KeyObject[] = options.publicKey.map((file) => usage('--public-key', () => readPublicKey(file)));
  return { heads, publicKeys };
}

export async function verify(sink: AuditSink, checks: VerifyOptions, options: VerifyCliOptions): Promise<void> {
  const result = await verifyLog(sink, checks);
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : report(result));
  if (!result.ok) process.exitCode = EXIT_BROKEN;
}

function report({ chain, heads, checkpoints }: LogVerification): string {
  const lines = [chain.ok ? `the audit log's chain is whole: ${chain.count} entries verified` : `the audit log is broken at entry ${chain.seq}: ${chain.reason}`];
  for (const head of heads) lines.push(head.ok ? `published head ${head.seq} holds` : `published head ${head.seq} does not hold: ${head.reason}`);
  if (checkpoints && !checkpoints.ok) lines.push(`checkpoints fail at entry ${checkpoints.seq}: ${checkpoints.reason}`);
  else if (checkpoints?.signed) {
    const after = checkpoints.unsigned === 0 ? 'nothing after it' : `${checkpoints.unsigned} entries after it, covered only by a published head`;
    const pruned = checkpoints.pruned === 0 ? '' : ` (${checkpoints.pruned} signed entries pruned)`;
    lines.push(`${checkpoints.count} checkpoints verified${pruned}; the newest signs entry ${checkpoints.signed.seq} (${new Date(checkpoints.signed.time).toISOString()}), ${after}`);
  } else if (checkpoints) lines.push('no checkpoints: the log is empty');
  return `${lines.join('\n')}\n`;
}

function usage<T>(option: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UsageError(`${option}: ${(error as Error).message}`);
  }
}
