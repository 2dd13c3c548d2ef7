import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationUnavailable } from '../grants/authenticator.js';
import { isSameOrigin } from '../http/browser-origin.js';
import { isHttps, readCookie } from '../http/cookies.js';
import { HttpError } from '../http/http-error.js';
import { sendJson } from '../http/send-json.js';
import { signInRequest, validate } from './admin-json.js';
import type { AdminAuthenticator } from './admin-identity.js';
import { ConsoleAssets } from './console-assets.js';
import { cookieSession, sessionAdmin, storeUnavailable } from './cookie-session.js';
import { SESSION_COOKIE, SESSION_TTL_MS, type ConsoleSession, type ConsoleSessionStore } from './console-sessions.js';
import { readJsonObject } from './json-http.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/** `/console`, its page and assets, and `/console/session`, where the console signs in and out. */
export const CONSOLE_PATH = /^\/console(?:\/(.*))?$/;

export interface ConsoleEndpointOptions {
  readonly admins: AdminAuthenticator;
  readonly sessions: ConsoleSessionStore;
  /** Shared with the other replicas when the sessions are (both come from the fleet: fleet/open-fleet.ts). */
  readonly throttle: SignInThrottle;
  readonly assets?: ConsoleAssets;
  readonly clock?: () => number;
}

/** A sign-in is a token of a few hundred bytes (a JWT a few KB). */
const MAX_SIGN_IN_BYTES = 16 * 1024;

/**
 * The web console (console/ in the repository, built into dist/console-app/): its page, and signing in with an admin
 * credential. Signing in trades the credential, once, for a session cookie the page's script cannot read; everything
 * the console then shows or changes goes through the admin API with that cookie, so the console adds no second way
 * in. The credential itself is never kept by the browser, in storage or in a URL.
 */
export class ConsoleEndpoint {
  private readonly assets: ConsoleAssets;
  private readonly clock: () => number;

  constructor(private readonly options: ConsoleEndpointOptions) {
    this.assets = options.assets ?? new ConsoleAssets();
    this.clock = options.clock ?? Date.now;
  }

  /** `rest` is the path after `/console/`; undefined for `/console` itself. */
  async handle(req: IncomingMessage, res: ServerResponse, rest: string | undefined): Promise<void> {
    const method = req.method ?? '';
    // The sessions and the throttle may live in the fleet's Redis: one that does not answer is a 503 (storeUnavailable).
    if (rest === 'session') return this.session(req, res, method).catch(storeUnavailable);
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `method ${method} is not allowed here`, { allow: 'GET, HEAD' });
    // One page: the console routes by the URL's fragment (#/servers), which never reaches the gateway.
    if (rest === undefined || rest === '') return this.assets.sendIndex(res);
    if (rest.startsWith('assets/')) return this.assets.sendAsset(res, rest.slice('assets/'.length));
    throw new HttpError(404, `no console page /console/${rest}: the console is /console`);
  }

  private async session(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (method === 'GET') return this.current(req, res);
    if (method === 'POST') return this.signIn(req, res);
    if (method === 'DELETE') return this.signOut(req, res);
    throw new HttpError(405, `method ${method} is not allowed here`, { allow: 'GET, POST, DELETE' });
  }

  /** Who is signed in, and the CSRF value the page sends back: a reloaded page keeps its session without storing it. */
  private async current(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const session = await cookieSession(req, this.options.sessions, this.clock());
    if (!session) throw new HttpError(401, 'not signed in');
    sendJson(res, 200, sessionJson(session));
  }

  private async signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = this.clock();
    const address = req.socket.remoteAddress ?? '';
    const wait = await this.options.throttle.waitFor(address, now);
    if (wait > 0) throw new HttpError(429, `too many wrong credentials from this address: try again in ${Math.ceil(wait / 1000)} s`, { 'retry-after': String(Math.ceil(wait / 1000)) });
    // A page elsewhere must not sign a browser in under its own credential (login CSRF).
    if (!isSameOrigin(req)) throw new HttpError(403, 'sign in from the console’s own page');
    const { token } = validate(signInRequest, await readJsonObject(req, MAX_SIGN_IN_BYTES));
    const outcome = await this.options.admins.identify(`Bearer ${token}`).catch((error: unknown) => {
      throw error instanceof AuthenticationUnavailable ? new HttpError(503, error.message, { 'retry-after': '5' }) : error;
    });
    if (outcome.kind !== 'ok') {
      await this.options.throttle.failed(address, now);
      throw new HttpError(401, `sign-in refused: ${outcome.description}`);
    }
    await this.options.throttle.succeeded(address);
    const session = await this.options.sessions.create(outcome.admin, now);
    sendJson(res, 200, sessionJson(session), { 'set-cookie': cookie(req, session.id, SESSION_TTL_MS / 1000) });
  }

  /** Ends the session; a request that changes state, so it carries the CSRF header like any other. */
  private async signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = readCookie(req, SESSION_COOKIE);
    if (id !== undefined && (await sessionAdmin(req, this.options.sessions, this.clock()))) await this.options.sessions.end(id);
    sendJson(res, 200, { signedOut: true }, { 'set-cookie': cookie(req, '', 0) });
  }
}

function sessionJson({ admin, csrf, expiresAt }: ConsoleSession): { admin: string; csrf: string; expiresAt: number } {
  return { admin: admin.label, csrf, expiresAt };
}

/** Path=/ because the admin API the console calls is under /admin; Secure whenever the page came over https. */
function cookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${isHttps(req) ? '; Secure' : ''}`;
}
