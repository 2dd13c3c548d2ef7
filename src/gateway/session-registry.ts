import type { AuthOutcome } from '../grants/authenticator.js';
import type { Credential, Session } from './session.js';

export interface SessionBounds {
  /** Sessions open at once, all grants together (legacy sessions and 2026-07-28 listen streams alike). */
  max: number;
  /** Sessions one grant may hold open at once. */
  maxPerGrant: number;
  /** A session with no open stream is ended after this long without a request. */
  idleMs: number;
  /** How often every open session's credential is checked again. */
  recheckMs: number;
}

export const DEFAULT_SESSION_BOUNDS: SessionBounds = { max: 10_000, maxPerGrant: 1_000, idleMs: 30 * 60_000, recheckMs: 60_000 };

/** A session refused because a bound is reached: the client is told which, and what to do. */
export class SessionsFull extends Error {
  override name = 'SessionsFull';

  constructor(
    readonly scope: 'gateway' | 'grant',
    message: string,
  ) {
    super(message);
  }
}

export interface SessionHooks {
  /** Checks a credential again, as a new request bearing it would be. */
  verify(credential: Credential): Promise<AuthOutcome>;
  /** Ends a session and what the gateway holds for it. */
  end(session: Session): void;
  /** Drops a session that is idle or makes room: ended, unless it lives on in the fleet's directory (`shared`). */
  forget(session: Session): void;
  /** Whether sessions live on in a directory the fleet shares: this registry then holds copies, which make room. */
  shared: boolean;
  /** Whether a session has calls in flight (it is not idle, whatever its last request). */
  busy(session: Session): boolean;
}

/** A session is not ended to make room for its grant's next one until it has been quiet this long. */
const EVICTABLE_AFTER_MS = 10_000;

/** Credentials checked between two yields to the event loop, so a round never holds a request up for long. */
const CHECKS_PER_TURN = 32;

/**
 * Every session that outlives one request — legacy HTTP and stdio sessions, and the 2026-07-28 listen streams — in
 * one place: bounded in number overall and per grant, swept when idle, and checked again while it lives, so a
 * revoked or expired grant loses every stream it opened. The recheck asks once per distinct credential, however
 * many sessions share it, and yields to the event loop between small slices, so no request waits on it.
 */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly perGrant = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private rechecking = false;
  private hooks?: SessionHooks;

  constructor(readonly bounds: SessionBounds = DEFAULT_SESSION_BOUNDS) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<Session> {
    return this.byId.values();
  }

  /**
   * Adds a session, or throws `SessionsFull` naming the bound that is reached. A grant at its share first loses its
   * least recently used session that holds no stream (many clients never end their sessions; one that comes back
   * is told to initialize again); only a grant whose every session holds a stream is refused. The gateway's whole is
   * never made room in by ending another grant's session.
   */
  add(session: Session): void {
    const grant = session.caller.id;
    if ((this.perGrant.get(grant) ?? 0) >= this.bounds.maxPerGrant) {
      const idlest = this.hooks && this.idlest(grant, this.hooks);
      if (idlest) this.hooks!.forget(idlest);
      else throw new SessionsFull('grant', `grant "${session.caller.label}" already holds ${this.bounds.maxPerGrant} open streams (sessions.max_per_grant); close one or end its session (DELETE)`);
    }
    const held = this.perGrant.get(grant) ?? 0;
    if (this.byId.size >= this.bounds.max) {
      // A copy of a shared session is made again when its client comes back: the bound is on this replica's memory.
      const idlest = this.hooks?.shared ? this.idlest(undefined, this.hooks) : undefined;
      if (idlest) this.hooks!.forget(idlest);
      else throw new SessionsFull('gateway', `the gateway holds its maximum of ${this.bounds.max} open sessions (sessions.max); try again later`);
    }
    this.byId.set(session.id, session);
    this.perGrant.set(grant, held + 1);
  }

  delete(session: Session): void {
    if (this.byId.get(session.id) !== session) return;
    this.byId.delete(session.id);
    const held = (this.perGrant.get(session.caller.id) ?? 1) - 1;
    if (held > 0) this.perGrant.set(session.caller.id, held);
    else this.perGrant.delete(session.caller.id);
  }

  /**
   * The grant's (or anyone's) least recently used session with no open stream, no call in flight, and no request for a
   * while: one just opened may be about to open its stream.
   */
  private idlest(grant: string | undefined, hooks: SessionHooks): Session | undefined {
    // A copy of a shared session is made again if its client comes back, stream or not: any idle one may go.
    const quietSince = hooks.shared ? Infinity : Date.now() - EVICTABLE_AFTER_MS;
    let found: Session | undefined;
    for (const session of this.byId.values()) {
      if ((grant !== undefined && session.caller.id !== grant) || session.standalone || session.listen || session.lastSeen > quietSince || hooks.busy(session)) continue;
      if (!found || session.lastSeen < found.lastSeen) found = session;
    }
    return found;
  }

  /** Starts the idle sweep and the credential recheck. */
  start(hooks: SessionHooks): void {
    this.hooks = hooks;
    const sweep = setInterval(() => this.sweep(hooks), Math.min(this.bounds.idleMs, 60_000));
    const recheck = setInterval(() => void this.recheck(hooks), this.bounds.recheckMs);
    sweep.unref();
    recheck.unref();
    this.timers.push(sweep, recheck);
  }

  close(): void {
    this.hooks = undefined;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    for (const session of this.byId.values()) session.close();
    this.byId.clear();
    this.perGrant.clear();
  }

  private sweep(hooks: SessionHooks): void {
    const cutoff = Date.now() - this.bounds.idleMs;
    for (const session of [...this.byId.values()]) {
      if (!session.standalone && !hooks.busy(session) && session.lastSeen < cutoff) hooks.forget(session);
    }
  }

  /**
   * Ends the sessions whose credential no longer proves their grant (revoked, expired, or now another grant's). A
   * store that cannot answer ends nothing: its outage is not a revocation.
   */
  async recheck(hooks: Pick<SessionHooks, 'verify' | 'end'>): Promise<void> {
    if (this.rechecking) return;
    this.rechecking = true;
    try {
      const byCredential = new Map<string, Session[]>();
      for (const session of this.byId.values()) {
        if (!session.credential) continue;
        const key = 'bearer' in session.credential ? `b\0${session.credential.bearer ?? ''}` : `n\0${session.credential.named}`;
        const group = byCredential.get(key);
        if (group) group.push(session);
        else byCredential.set(key, [session]);
      }
      let checks = 0;
      for (const sessions of byCredential.values()) {
        if (++checks % CHECKS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
        const outcome = await hooks.verify(sessions[0]!.credential!).catch(() => undefined);
        for (const session of sessions) {
          if (outcome?.kind === 'rejected' || (outcome?.kind === 'ok' && outcome.caller.id !== session.caller.id)) hooks.end(session);
        }
      }
    } finally {
      this.rechecking = false;
    }
  }
}
