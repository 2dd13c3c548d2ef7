import type { Durability } from '../store/durability.js';
import type { AuditSink } from './audit-sink.js';

/**
 * The audit sink a configuration names: `sqlite:PATH` (the embedded default), a `postgres://` URL (for replicas),
 * `jsonl:PATH` or `jsonl:-` (stdout), or `memory`. Each is loaded only when chosen, so a gateway does not carry the
 * drivers it does not use. `durability` is what an appended entry survives once its append resolves
 * (store/durability.ts); memory and stdout keep nothing either way.
 */
export async function openAuditSink(spec: string, durability: Durability = 'process'): Promise<AuditSink> {
  if (spec === 'memory') return new (await import('./memory-sink.js')).MemoryAuditSink();
  if (spec.startsWith('sqlite:')) return new (await import('./sqlite-sink.js')).SqliteAuditSink(spec.slice('sqlite:'.length), durability);
  if (spec.startsWith('jsonl:')) return (await import('./jsonl-sink.js')).JsonlAuditSink.open(spec.slice('jsonl:'.length), durability);
  if (/^postgres(ql)?:\/\//.test(spec)) return (await import('./postgres-sink.js')).PostgresAuditSink.open(spec, { durability });
  throw new Error(`unknown audit sink "${spec}"; expected sqlite:PATH, a postgres:// URL, jsonl:PATH, jsonl:- or memory`);
}
