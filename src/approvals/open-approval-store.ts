import type { ApprovalStore } from './approval-store.js';

/** The approval store a configuration names: `memory`, `sqlite:PATH` or a `postgres://` URL, each loaded only when chosen. */
export async function openApprovalStore(spec: string): Promise<ApprovalStore> {
  if (spec === 'memory') return new (await import('./memory-approval-store.js')).MemoryApprovalStore();
  if (spec.startsWith('sqlite:')) return new (await import('./sqlite-approval-store.js')).SqliteApprovalStore(spec.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(spec)) return (await import('./postgres-approval-store.js')).PostgresApprovalStore.open(spec);
  throw new Error(`unknown approval store "${spec}"; expected memory, sqlite:PATH or a postgres:// URL`);
}
