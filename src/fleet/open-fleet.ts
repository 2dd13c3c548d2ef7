import type { FleetBus } from './fleet-bus.js';
import { LocalBus } from './local-bus.js';
import type { SessionDirectory } from './session-directory.js';

/** What replicas share beyond the stores: the bus between them, and the legacy sessions (none for a fleet of one). */
export interface Fleet {
  bus: FleetBus;
  directory?: SessionDirectory;
}

/**
 * The fleet the configuration's `store.sessions` names: this process alone (`memory`), or replicas sharing a Redis
 * (`idleMs` is how long a session no replica uses is kept).
 */
export async function openFleet(spec: string, idleMs: number): Promise<Fleet> {
  if (!/^rediss?:\/\//.test(spec)) return { bus: new LocalBus() };
  const [{ RedisBus }, { RedisSessionDirectory }] = await Promise.all([import('./redis-bus.js'), import('./redis-session-directory.js')]);
  const bus = await RedisBus.open(spec);
  try {
    return { bus, directory: await RedisSessionDirectory.open(spec, idleMs) };
  } catch (error) {
    await bus.close();
    throw error;
  }
}
