import type { AdminIdentity } from './admin-identity.js';

/** The console's session cookie: HttpOnly, so no script on the page can read it. */
export const SESSION_COOKIE = 'toolgate_console';
/** A cookie-authenticated request that changes state carries this header with the value sign-in gave. */
export const CSRF_HEADER = 'x-toolgate-csrf';
/** A working day: long enough to keep a console open, short enough that a forgotten one does not stay signed in. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/** A signed-in console: who, the CSRF value its page sends back, and when it ends. */
export interface ConsoleSession {
  readonly admin: AdminIdentity;
  readonly csrf: string;
  readonly expiresAt: number;
}

/** A new session as the browser is given it: the cookie's id (kept by the store only as its hash) and the session. */
export interface NewConsoleSession extends ConsoleSession {
  readonly id: string;
}

/**
 * Where console sessions are kept. In memory for now (a session lasts as long as the process); a shared store
 * (Redis, PostgreSQL) for replicas behind a load balancer implements the same three calls.
 */
export interface ConsoleSessionStore {
  create(admin: AdminIdentity, now: number): Promise<NewConsoleSession>;
  /** The live session with this id, or undefined (unknown, ended, or expired). */
  find(id: string, now: number): Promise<ConsoleSession | undefined>;
  end(id: string): Promise<void>;
}
