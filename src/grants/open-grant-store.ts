import type { GrantStore } from './grant-store.js';

/**
 * The grant store a configuration names: `memory`, `sqlite:PATH` (the embedded default) or a `postgres://` URL (for
 * replicas). Each is loaded only when chosen, so a gateway does not carry the drivers it does not use.
 */
export async function openGrantStore(spec: string): Promise<GrantStore> {
  if (spec === 'memory') return new (await import('./memory-grant-store.js')).MemoryGrantStore();
  if (spec.startsWith('sqlite:')) return new (await import('./sqlite-grant-store.js')).SqliteGrantStore(spec.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(spec)) return (await import('./postgres-grant-store.js')).PostgresGrantStore.open(spec);
  throw new Error(`unknown grant store "${spec}"; expected memory, sqlite:PATH or a postgres:// URL`);
}
