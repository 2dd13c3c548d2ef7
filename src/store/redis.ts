import { Redis, type RedisOptions } from 'ioredis';

/** A command waits at most this long for Redis before the caller is told it failed. */
export const COMMAND_TIMEOUT_MS = 1_000;

/**
 * Connects to `redis://HOST:PORT/DB[?prefix=P]` and says which key prefix the URL names (`defaultPrefix` when none:
 * one Redis may serve several fleets under other prefixes). Fails when Redis cannot be reached. Commands never wait
 * in a queue for a Redis that is down and are never sent twice (a script might have run, and a replay would count a
 * call again): failures reach the caller at once, to decide as its part decides.
 */
export async function connectRedis(url: string, defaultPrefix: string, options: RedisOptions = {}): Promise<{ redis: Redis; prefix: string }> {
  const parsed = new URL(url);
  const prefix = parsed.searchParams.get('prefix') ?? defaultPrefix;
  parsed.searchParams.delete('prefix');
  const redis = new Redis(parsed.toString(), {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    ...options,
  });
  // Failures are reported per command by the caller; without a listener ioredis prints every reconnect attempt.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return { redis, prefix };
}

/** Quits politely (what was sent is answered first), or drops the connection when Redis is not there to answer. */
export async function closeRedis(redis: Redis): Promise<void> {
  await redis.quit().catch(() => redis.disconnect());
}
