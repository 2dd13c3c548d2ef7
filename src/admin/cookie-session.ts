import type { IncomingMessage } from 'node:http';
import { safeEqual } from '../grants/token.js';
import { isSameOrigin } from '../http/browser-origin.js';
import { readCookie } from '../http/cookies.js';
import { HttpError } from '../http/http-error.js';
import type { AdminIdentity } from './admin-identity.js';
import { ConsoleStoreUnavailable, CSRF_HEADER, SESSION_COOKIE, type ConsoleSession, type ConsoleSessionStore } from './console-sessions.js';

/** Methods that change nothing: the only ones a cookie alone may make. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The live session the request's cookie names, or undefined; a store that cannot say is a 503 (`storeUnavailable`). */
export async function cookieSession(req: IncomingMessage, sessions: ConsoleSessionStore, now: number): Promise<ConsoleSession | undefined> {
  const id = readCookie(req, SESSION_COOKIE);
  return id === undefined ? undefined : sessions.find(id, now).catch(storeUnavailable);
}

/**
 * A console store that did not answer, as the client hears it: 503, try again. Never "not signed in" (the page would
 * ask for the token again while the session may well be live) and never signed in; the cause (a Redis address, its
 * error) is not the client's to read: `/readyz` names the sessions store, and the replica leaves the balancer.
 */
export function storeUnavailable(error: unknown): never {
  if (error instanceof ConsoleStoreUnavailable) {
    throw new HttpError(503, 'console sign-in is unavailable: the gateway cannot reach where console sessions are kept; try again shortly', { 'retry-after': '5' });
  }
  throw error;
}

/**
 * The admin a console session cookie signs in, or undefined when the request carries none that is live. A browser
 * sends the cookie with whatever a page asks, so a request that changes state must also prove it comes from the
 * console: the session's CSRF value in `x-toolgate-csrf` (a page of another origin cannot read it) and an Origin
 * of the gateway's own (belt and braces, for a value that leaked). Either missing is a 403.
 */
export async function sessionAdmin(req: IncomingMessage, sessions: ConsoleSessionStore, now: number): Promise<AdminIdentity | undefined> {
  const session = await cookieSession(req, sessions, now);
  if (!session) return undefined;
  if (SAFE_METHODS.has(req.method ?? '')) return session.admin;
  const csrf = req.headers[CSRF_HEADER];
  if (typeof csrf !== 'string' || !safeEqual(Buffer.from(csrf), Buffer.from(session.csrf))) throw new HttpError(403, `a console request that changes state must carry the ${CSRF_HEADER} header sign-in gave`);
  if (!isSameOrigin(req)) throw new HttpError(403, 'a console request that changes state must come from the gateway’s own origin');
  return session.admin;
}
