import type { AuditSink } from '../audit/audit-sink.js';
import { openAuditSink } from '../audit/open-audit-sink.js';
import { UsageError } from './errors.js';

/**
 * The audit log, for a command that records what an operator did (an approval, a decision). A JSON lines file has
 * one writer, the gateway, and memory is the gateway's own: what could not be recorded is not done.
 */
export function openAuditLog(spec: string, what: string): Promise<AuditSink> {
  if (spec === 'memory' || spec.startsWith('jsonl:')) {
    throw new UsageError(`${what} is recorded in the audit log, and ${spec} can only be written by the gateway itself; keep the audit log in sqlite: or postgres:// to do this from the command line`);
  }
  return openAuditSink(spec);
}
