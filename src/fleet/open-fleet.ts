import type { ConsoleSessionStore } from '../admin/console-sessions.js';
import { MemoryConsoleSessions } from '../admin/memory-console-sessions.js';
import { MemorySignInThrottle } from '../admin/memory-sign-in-throttle.js';
import type { SignInThrottle } from '../admin/sign-in-throttle.js';
import type { FleetBus } from './fleet-bus.js';
import { LocalBus } from './local-bus.js';
import type { SessionDirectory } from './session-directory.js';

/**
 * What replicas share beyond the stores: the bus between them, the legacy sessions (none for a fleet of one), and
 * the web console's sign-ins (its sessions and the throttle on wrong credentials), so a console signed in on one
 * replica is signed in on all and a guesser is counted by all.
 */
export interface Fleet {
  bus: FleetBus;
  directory?: SessionDirectory;
  consoleSessions: ConsoleSessionStore;
  signInThrottle: SignInThrottle;
  /** Closes the bus and the connection the fleet's stores share. */
  close(): Promise<void>;
}

/**
 * The fleet the configuration's `store.sessions` names: this process alone (`memory`), or replicas sharing a Redis
 * (`idleMs` is how long a session no replica uses is kept). On Redis the bus has connections of its own (a listening
 * connection can do nothing else); the directory and the console's stores share one, which `/readyz` pings through
 * the directory.
 */
export async function openFleet(spec: string, idleMs: number): Promise<Fleet> {
  if (!/^rediss?:\/\//.test(spec)) {
    const bus = new LocalBus();
    return { bus, consoleSessions: new MemoryConsoleSessions(), signInThrottle: new MemorySignInThrottle(), close: () => bus.close() };
  }
  const [{ connectRedis, closeRedis }, { RedisBus, FLEET_PREFIX }, { RedisSessionDirectory }, { RedisConsoleSessions }, { RedisSignInThrottle }] = await Promise.all([
    import('../store/redis.js'),
    import('./redis-bus.js'),
    import('./redis-session-directory.js'),
    import('../admin/redis-console-sessions.js'),
    import('../admin/redis-sign-in-throttle.js'),
  ]);
  const bus = await RedisBus.open(spec);
  try {
    const { redis, prefix } = await connectRedis(spec, FLEET_PREFIX);
    return {
      bus,
      directory: new RedisSessionDirectory(redis, prefix, idleMs),
      consoleSessions: new RedisConsoleSessions(redis, prefix),
      signInThrottle: new RedisSignInThrottle(redis, prefix),
      close: async () => {
        await bus.close();
        await closeRedis(redis);
      },
    };
  } catch (error) {
    await bus.close();
    throw error;
  }
}
