import type { Durability } from '../store/durability.js';
import type { CounterStore } from './counter-store.js';

/**
 * The counter store a configuration names: `memory`, `sqlite:PATH` (the embedded default) or `redis://…` (shared by
 * replicas). Each is loaded only when chosen, so a gateway does not carry the drivers it does not use. `durability`
 * is what a committed reservation survives (store/durability.ts): SQLite honours it, Redis is as its server is set.
 */
export async function openCounterStore(spec: string, durability: Durability = 'process'): Promise<CounterStore> {
  if (spec === 'memory') return new (await import('./memory-store.js')).MemoryCounterStore();
  if (spec.startsWith('sqlite:')) return new (await import('./sqlite-store.js')).SqliteCounterStore(spec.slice('sqlite:'.length), durability);
  if (/^rediss?:\/\//.test(spec)) return (await import('./redis-store.js')).RedisCounterStore.open(spec);
  throw new Error(`unknown store "${spec}"`);
}
