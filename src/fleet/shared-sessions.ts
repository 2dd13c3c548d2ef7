import type { Caller } from '../grants/authenticator.js';
import { ErrorCode, errorResponse, type JSONRPCMessage, type JSONRPCResponse, type RequestId } from '../protocol/jsonrpc.js';
import { HttpError } from '../http/http-error.js';
import type { Route } from '../gateway/route.js';
import { Session, type Outbound } from '../gateway/session.js';
import { FLEET_CHANNEL, type FleetBus, type FleetMessage } from './fleet-bus.js';
import { MAX_RECORD_BYTES, type SessionDirectory, type SessionRecord } from './session-directory.js';

/** What the gateway does for the shared sessions: find a route, and act on its own copy of a session. */
export interface SharedSessionHooks {
  route(server: string | undefined): Route | undefined;
  /** This replica's copy of a session, if it has one. */
  local(id: string): Session | undefined;
  /** Keeps a copy made from the directory among this replica's sessions. */
  adopt(session: Session): void;
  /** Ends this replica's copy (its streams, its calls) because the session ended elsewhere. */
  endLocally(session: Session): void;
  /** Cancels a call of the session, if this replica runs it. */
  cancel(session: Session, requestId: RequestId): boolean;
  /** The sessions whose GET stream is open here: in use, however long their clients stay quiet. */
  streaming(): Iterable<Session>;
}

/** What replicas tell each other about sessions, on the fleet channel (or, for `send`, the session's own). */
type SessionMessage =
  | { kind: 'session-send'; message: JSONRPCMessage }
  | { kind: 'session-ended'; session: string; from: string }
  | { kind: 'session-answer'; session: string; response: JSONRPCResponse }
  | { kind: 'session-cancel'; session: string; requestId: RequestId }
  | { kind: 'session-log-level'; session: string; level: string };

const sessionChannel = (id: string): string => `session:${id}`;

/**
 * Legacy sessions served by whichever replica a request lands on. The record of what was negotiated is in the
 * directory, so a replica that has never seen a session makes its own copy on its first request; what belongs to a
 * client's open connection stays with the replica that holds it, and the bus carries the rest:
 * - a message for the client outside any call (a server's notification or request) goes to the session's channel,
 *   which the replica holding the GET stream listens on;
 * - the client's answer to a server's request, and its cancellation of a call, go to every replica, and the one
 *   that waits for it (or runs the call) acts;
 * - the session's end (DELETE, a revoked grant) and a new log level reach every copy.
 * Upstream connections stay per replica: a call runs on the replica it reached, over that replica's own upstream.
 */
export class SharedSessions {
  /** Sessions used here since the directory was last told, so it keeps them another idle period. */
  private readonly used = new Set<string>();
  private readonly finding = new Map<string, Promise<Session | undefined>>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly bus: FleetBus,
    private readonly directory: SessionDirectory,
    private readonly hooks: SharedSessionHooks,
    /** How long a session no replica uses is kept: its records are renewed a few times within it. */
    idleMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.unsubscribe = bus.subscribe(FLEET_CHANNEL, (message) => this.heard(message as unknown as SessionMessage));
    this.timer = setInterval(() => void this.renew(), Math.max(1_000, Math.min(idleMs / 4, 60_000)));
    this.timer.unref();
  }

  /** Records a session this replica just opened, so every replica can serve it. */
  async opened(session: Session): Promise<void> {
    const record: SessionRecord = {
      id: session.id,
      ...(session.route.server !== undefined && { server: session.route.server }),
      grant: session.caller.id,
      protocolVersion: session.protocolVersion,
      clientCapabilities: session.clientCapabilities,
      ...(session.clientInfo && { clientInfo: session.clientInfo }),
    };
    const bytes = Buffer.byteLength(JSON.stringify(record));
    if (bytes > MAX_RECORD_BYTES) {
      const message = `initialize's capabilities and clientInfo take ${bytes} bytes; a session shared by replicas keeps at most ${MAX_RECORD_BYTES}`;
      throw new HttpError(400, message, {}, errorResponse(null, ErrorCode.InvalidRequest, message));
    }
    await this.stored(() => this.directory.put(record));
    session.relay = this.relay(session.id);
  }

  /**
   * This replica's copy of a session another replica opened, made from the directory; undefined when the session
   * does not exist, belongs to another grant, or was opened on another route (all answered alike: not found).
   */
  find(id: string, route: Route, caller: Caller): Promise<Session | undefined> {
    let finding = this.finding.get(id);
    if (!finding) {
      finding = this.copy(id, caller).finally(() => this.finding.delete(id));
      this.finding.set(id, finding);
    }
    // Another grant's request that came at the same moment may have made the copy: it is checked again here.
    return finding.then((session) => (session && session.route === route && session.caller.id === caller.id ? session : undefined));
  }

  private async copy(id: string, caller: Caller): Promise<Session | undefined> {
    const known = this.hooks.local(id);
    if (known) return known;
    const record = await this.stored(() => this.directory.get(id));
    const route = record && this.hooks.route(record.server);
    if (!record || !route || record.grant !== caller.id) return undefined;
    const session = new Session(route, caller, 'legacy', record.protocolVersion, record.clientCapabilities, record.clientInfo, record.id);
    if (record.logLevel !== undefined) session.logLevel = record.logLevel;
    session.relay = this.relay(id);
    this.hooks.adopt(session);
    return session;
  }

  /** A session's request was served here: the directory keeps it while any replica uses it. */
  touched(session: Session): void {
    this.used.add(session.id);
  }

  /** Where messages for a client whose GET stream another replica holds are sent. */
  private relay(id: string): Outbound {
    const channel = sessionChannel(id);
    return { send: (message) => (this.bus.publish(channel, { kind: 'session-send', message } as unknown as FleetMessage), true) };
  }

  /** The GET stream is held here: messages other replicas relay for the client are written to it until it closes. */
  streamOpened(session: Session, stream: Outbound): () => void {
    return this.bus.subscribe(sessionChannel(session.id), (message) => {
      const sent = message as unknown as SessionMessage;
      if (sent.kind === 'session-send') stream.send(sent.message);
    });
  }

  /** The client answered a server's request this replica did not make: the replica that did takes it. */
  answerElsewhere(session: Session, response: JSONRPCResponse): void {
    this.broadcast({ kind: 'session-answer', session: session.id, response });
  }

  /** The client cancelled a call this replica does not run. */
  cancelElsewhere(session: Session, requestId: RequestId): void {
    this.broadcast({ kind: 'session-cancel', session: session.id, requestId });
  }

  logLevelSet(session: Session, level: string): void {
    void this.stored(() => this.directory.update(session.id, { logLevel: level })).catch(this.onError);
    this.broadcast({ kind: 'session-log-level', session: session.id, level });
  }

  /** The session ended here (DELETE, a revoked grant): it ends on every replica, and the directory forgets it. */
  ended(session: Session): void {
    this.used.delete(session.id);
    void this.stored(() => this.directory.delete(session.id)).catch(this.onError);
    this.broadcast({ kind: 'session-ended', session: session.id, from: this.bus.replica });
  }

  private broadcast(message: SessionMessage): void {
    this.bus.publish(FLEET_CHANNEL, message as unknown as FleetMessage);
  }

  private heard(message: SessionMessage): void {
    if (!('session' in message)) return;
    const session = this.hooks.local(message.session);
    if (!session) return;
    switch (message.kind) {
      case 'session-ended':
        if (message.from !== this.bus.replica) this.hooks.endLocally(session);
        return;
      case 'session-answer':
        session.answer(message.response);
        return;
      case 'session-cancel':
        this.hooks.cancel(session, message.requestId);
        return;
      case 'session-log-level':
        session.logLevel = message.level;
        return;
    }
  }

  /** Renews the records of the sessions used here, and of those whose stream is open here (they are in use). */
  private async renew(): Promise<void> {
    for (const session of this.hooks.streaming()) this.used.add(session.id);
    const ids = [...this.used];
    this.used.clear();
    await this.directory.touch(ids).catch(this.onError);
  }

  /** A directory that cannot answer is a 503: the session may well exist, and the client should retry. */
  private async stored<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.onError(error);
      const message = 'Service Unavailable: the session store is unavailable';
      throw new HttpError(503, message, { 'retry-after': '5' }, errorResponse(null, ErrorCode.InternalError, message));
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }
}
