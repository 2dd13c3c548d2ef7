import type { Redis } from 'ioredis';
import { unavailable } from './console-sessions.js';
import { MAX_FAILURES, WINDOW_MS, type SignInThrottle } from './sign-in-throttle.js';

/**
 * The sign-in throttle counted in the fleet's Redis, so five wrong credentials are five whichever replicas they
 * reached: `<prefix>signin:<address>` is the count, made to expire a window after its first failure (PEXPIRE NX, so
 * later failures do not push the window on, as in memory). Each call is one round trip (MULTI). Redis's clock keeps
 * the window, so `now` is not used. The connection is the fleet's (fleet/open-fleet.ts), which opens and closes it.
 */
export class RedisSignInThrottle implements SignInThrottle {
  /** `<prefix>signin:`, to which an address is added. */
  private readonly keys: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly windowMs = WINDOW_MS,
  ) {
    this.keys = `${prefix}signin:`;
  }

  async waitFor(address: string): Promise<number> {
    const key = this.keys + address;
    const [count, ttl] = await exec(this.redis.multi().get(key).pttl(key), 'could not read the sign-in throttle in Redis');
    return Number(count ?? 0) >= MAX_FAILURES && Number(ttl) > 0 ? Number(ttl) : 0;
  }

  async failed(address: string): Promise<void> {
    const key = this.keys + address;
    await exec(this.redis.multi().incr(key).pexpire(key, this.windowMs, 'NX'), 'could not count a failed sign-in in Redis');
  }

  async succeeded(address: string): Promise<void> {
    await this.redis.del(this.keys + address).catch(unavailable('could not clear the sign-in throttle in Redis'));
  }
}

/** The transaction's results, or `ConsoleStoreUnavailable` when it or any of its commands failed. */
async function exec(transaction: ReturnType<Redis['multi']>, what: string): Promise<unknown[]> {
  const results = await transaction.exec().catch(unavailable(what));
  const failure = results === null ? new Error('the transaction was aborted') : results.find(([error]) => error)?.[0];
  if (failure) unavailable(what)(failure);
  return results!.map(([, value]) => value);
}
