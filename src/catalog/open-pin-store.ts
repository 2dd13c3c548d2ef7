import type { PinStore } from './pin-store.js';

/** The pin store a configuration names: `memory`, `sqlite:PATH` or a `postgres://` URL, each loaded only when chosen. */
export async function openPinStore(spec: string): Promise<PinStore> {
  if (spec === 'memory') return new (await import('./memory-pin-store.js')).MemoryPinStore();
  if (spec.startsWith('sqlite:')) return new (await import('./sqlite-pin-store.js')).SqlitePinStore(spec.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(spec)) return (await import('./postgres-pin-store.js')).PostgresPinStore.open(spec);
  throw new Error(`unknown pin store "${spec}"; expected memory, sqlite:PATH or a postgres:// URL`);
}
