import crypto from 'node:crypto';
import { randomBase62 } from '../grants/token.js';
import type { AdminIdentity } from './admin-identity.js';
import { SESSION_TTL_MS, type ConsoleSession, type ConsoleSessionStore, type NewConsoleSession } from './console-sessions.js';

/** Sessions beyond this many are not kept: the oldest is dropped, so sign-ins cannot grow memory without end. */
const MAX_SESSIONS = 10_000;

/**
 * Console sessions in this process, keyed by the SHA-256 of their id: a heap dump or a debug log of the map does not
 * hold a cookie that signs in. Ids are 43 base62 characters (~256 bits), so a fast hash is enough.
 */
export class MemoryConsoleSessions implements ConsoleSessionStore {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly ttlMs = SESSION_TTL_MS) {}

  async create(admin: AdminIdentity, now: number): Promise<NewConsoleSession> {
    const id = randomBase62(43);
    const session = { admin, csrf: randomBase62(32), expiresAt: now + this.ttlMs };
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(hash(id), session);
    return { id, ...session };
  }

  async find(id: string, now: number): Promise<ConsoleSession | undefined> {
    const key = hash(id);
    const session = this.sessions.get(key);
    if (session && now >= session.expiresAt) this.sessions.delete(key);
    return session && now < session.expiresAt ? session : undefined;
  }

  async end(id: string): Promise<void> {
    this.sessions.delete(hash(id));
  }
}

function hash(id: string): string {
  return crypto.createHash('sha256').update(id).digest('hex');
}
