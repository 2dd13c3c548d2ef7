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
 * Where console sessions are kept: in this process (memory-console-sessions.ts, a session lasts as long as the
 * process), or in the fleet's Redis (redis-console-sessions.ts), so that replicas behind a load balancer without
 * sticky sessions all know a console signed in on any of them. A store that cannot answer throws
 * `ConsoleStoreUnavailable`: never "not found", and never a session.
 */
export interface ConsoleSessionStore {
  create(admin: AdminIdentity, now: number): Promise<NewConsoleSession>;
  /** The live session with this id, or undefined (unknown, ended, or expired). */
  find(id: string, now: number): Promise<ConsoleSession | undefined>;
  end(id: string): Promise<void>;
}

/**
 * The console's shared state (its sessions, the sign-in throttle) did not answer. The console is then unavailable
 * (503): a session that cannot be looked up is not signed in, and a sign-in that cannot be counted is not tried.
 * The message is for the operator's log; the client is told less (see cookie-session.ts).
 */
export class ConsoleStoreUnavailable extends Error {
  override name = 'ConsoleStoreUnavailable';

  /** `cause` is what the store's client threw (a Redis connection refused, a command timed out). */
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A rejection handler for a store's command: what it threw becomes `ConsoleStoreUnavailable`, saying `what` failed. */
export function unavailable(what: string): (error: unknown) => never {
  return (error) => {
    throw new ConsoleStoreUnavailable(what, error);
  };
}
