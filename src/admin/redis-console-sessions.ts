import crypto from 'node:crypto';
import type { Redis } from 'ioredis';
import { randomBase62 } from '../grants/token.js';
import type { AdminIdentity } from './admin-identity.js';
import { SESSION_TTL_MS, unavailable, type ConsoleSession, type ConsoleSessionStore, type NewConsoleSession } from './console-sessions.js';

/**
 * Console sessions in the fleet's Redis, one string per session (`<prefix>console:<SHA-256 of the id>`, the session's
 * JSON) that Redis expires with the session: no replica sweeps, and a session ended on one replica is ended on all.
 * The id is never stored, only its hash, so the keys Redis holds (a `KEYS`, a dump, a replica's copy) sign nobody in.
 * The connection is the fleet's (fleet/open-fleet.ts), which opens and closes it.
 */
export class RedisConsoleSessions implements ConsoleSessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = SESSION_TTL_MS,
  ) {}

  private key(id: string): string {
    return `${this.prefix}console:${crypto.createHash('sha256').update(id).digest('hex')}`;
  }

  async create(admin: AdminIdentity, now: number): Promise<NewConsoleSession> {
    const id = randomBase62(43);
    const session: ConsoleSession = { admin: { label: admin.label }, csrf: randomBase62(32), expiresAt: now + this.ttlMs };
    await this.redis.set(this.key(id), JSON.stringify(session), 'PX', this.ttlMs).catch(unavailable('could not keep the console session in Redis'));
    return { id, ...session };
  }

  async find(id: string, now: number): Promise<ConsoleSession | undefined> {
    const text = await this.redis.get(this.key(id)).catch(unavailable('could not look up the console session in Redis'));
    if (text === null) return undefined;
    const session = JSON.parse(text) as ConsoleSession;
    // Redis expires it on its own clock; the gateway's clock decides too, as for the memory store.
    return now < session.expiresAt ? session : undefined;
  }

  async end(id: string): Promise<void> {
    await this.redis.del(this.key(id)).catch(unavailable('could not end the console session in Redis'));
  }
}
