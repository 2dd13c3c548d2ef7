import type { CounterStore } from './counter-store.js';

/**
 * The counter store a configuration names: `memory`, `sqlite:PATH` (the embedded default) or `redis://…` (shared by
 * replicas). Each is loaded only when chosen, so a gateway does not carry the drivers it does not use.
 */
export async function openCounterStore(spec: string): Promise<CounterStore> {
  if (spec === 'memory') return new (await import('./memory-store.js')).MemoryCounterStore();
  if (spec.startsWith('sqlite:')) return new (await import('./sqlite-store.js')).SqliteCounterStore(spec.slice('sqlite:'.length));
  if (/^rediss?:\/\//.test(spec)) return (await import('./redis-store.js')).RedisCounterStore.open(spec);
  throw new Error(`unknown store "${spec}"`);
}
