import { randomBytes, randomUUID } from 'node:crypto';
import type { JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse } from '../protocol/jsonrpc.js';
import { ErrorCode } from '../protocol/jsonrpc.js';
import type { Era } from '../protocol/eras.js';
import type { ServerRequestAnswer } from '../upstream/connection.js';
import { reaches, type Caller } from '../grants/authenticator.js';
import type { Route } from './route.js';

/** The notification types a 2026-07-28 listener opted in to (`subscriptions/listen`). */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** Somewhere a message to the client can be written: a response stream, the GET stream, stdout. */
export interface Outbound {
  /** Returns false when the message could not be written (the stream is gone). */
  send(message: JSONRPCMessage): boolean;
}

/** What proves a grant: an HTTP request's `Authorization` (absent under `auth: none`), or a label a trusted process names (stdio). */
export type Credential = { bearer: string | undefined } | { named: string };

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** How long a server's request relayed to another replica's stream waits for the client's answer. */
const RELAYED_ASK_TIMEOUT_MS = 60_000;

/** The client capability a server→client request needs. */
const REQUIRED_CAPABILITY: ReadonlyMap<string, string> = new Map([
  ['sampling/createMessage', 'sampling'],
  ['elicitation/create', 'elicitation'],
  ['roots/list', 'roots'],
]);

/**
 * One downstream client: its era and capabilities, and the per-client state the gateway keeps because the
 * upstream connection is shared (log level, resource subscriptions, requests it has been asked to answer).
 */
export class Session {
  readonly id: string;
  logLevel?: string;
  /** What this client subscribed to: server, line era and URI (see subscriptions.ts). */
  readonly subscriptions = new Set<string>();
  /** The stream for messages that belong to no request (the legacy GET stream, or stdout). */
  standalone?: Outbound;
  /** Where such messages go when another replica holds that stream (see fleet/shared-sessions.ts). */
  relay?: Outbound;
  lastSeen = Date.now();
  /** What proved the session's grant, checked again while the session lives (the latest one, over HTTP). */
  credential?: Credential;
  /** Set on the session a 2026-07-28 `subscriptions/listen` stream opens: what it asked for, and its id. */
  listen?: { filter: ListenFilter; subscriptionId: string | number };
  private endedPromise?: Promise<void>;
  private end?: () => void;
  private readonly asked = new Map<string, (answer: ServerRequestAnswer) => void>();
  private nextAskId = 1;
  /** Makes this copy's request ids its own: other replicas' copies of the session ask it too. Made on first use. */
  private askPrefix?: string;
  private closed = false;

  constructor(
    readonly route: Route,
    /** The grant the client authenticated as: every request of a legacy session must come from it. */
    readonly caller: Caller,
    readonly era: Era,
    readonly protocolVersion: string,
    readonly clientCapabilities: Record<string, unknown>,
    readonly clientInfo: Record<string, unknown> | undefined,
    id: string = randomUUID(),
  ) {
    this.id = id;
  }

  /** Settles when the session is closed. Made on first use: most sessions live for one request and never need it. */
  get ended(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return (this.endedPromise ??= new Promise((resolve) => (this.end = resolve)));
  }

  /** Whether the caller's grant reaches a server: how the aggregate names its tools for this client. */
  readonly reachable = (server: string): boolean => reaches(this.caller, server);

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Puts a server's request to this client, over `via` (the stream of the call that caused it) or the
   * standalone stream. Requests the client cannot take are answered here with an error.
   */
  ask(request: JSONRPCRequest, via?: Outbound): Promise<ServerRequestAnswer> {
    const missing = this.missingCapability(request.method);
    if (missing) return Promise.resolve(missing);
    if (this.era === 'modern') {
      return Promise.resolve(refusal(`${request.method} cannot reach a 2026-07-28 client as a server request`));
    }
    this.askPrefix ??= randomBytes(6).toString('hex');
    const id = `toolgate-${this.askPrefix}-${this.nextAskId++}`;
    return new Promise((resolve) => {
      this.asked.set(id, resolve);
      const asked = { ...request, id };
      if ((via?.send(asked) ?? false) || (this.standalone?.send(asked) ?? false)) return;
      if (this.relay?.send(asked)) {
        // A relay cannot tell whether a stream took the request: an unanswered one is given up, not waited on forever.
        setTimeout(() => this.answer({ jsonrpc: '2.0', id, error: { code: ErrorCode.InternalError, message: `no answer from the client to ${request.method}` } }), RELAYED_ASK_TIMEOUT_MS).unref();
        return;
      }
      this.asked.delete(id);
      resolve(refusal(`no open stream to the client for ${request.method}`));
    });
  }

  /** The capability a server request needs that this client did not declare, if any. */
  lacks(method: string): string | undefined {
    const capability = REQUIRED_CAPABILITY.get(method);
    return capability && !this.clientCapabilities[capability] ? capability : undefined;
  }

  /** The refusal for a server request this client declared no capability for, if it did not. */
  missingCapability(method: string): ServerRequestAnswer | undefined {
    const capability = this.lacks(method);
    return capability ? refusal(`the client did not declare the "${capability}" capability needed for ${method}`) : undefined;
  }

  /** A client's answer to something it was asked; false when nothing was waiting for it. */
  answer(response: JSONRPCResponse): boolean {
    const waiting = this.asked.get(String(response.id));
    if (!waiting) return false;
    this.asked.delete(String(response.id));
    waiting('error' in response ? { error: response.error } : { result: response.result as Record<string, unknown> });
    return true;
  }

  notify(notification: JSONRPCNotification, via?: Outbound): boolean {
    return (via?.send(notification) ?? false) || (this.standalone?.send(notification) ?? false) || (this.relay?.send(notification) ?? false);
  }

  /**
   * Whether a log message at `level` passes the level this client set. A legacy client gets every level until it
   * sets one; a 2026-07-28 request gets none unless its envelope names a level (`io.modelcontextprotocol/logLevel`).
   */
  wantsLog(level: unknown): boolean {
    if (this.logLevel === undefined) return this.era === 'legacy';
    return LOG_LEVELS.indexOf(String(level)) >= LOG_LEVELS.indexOf(this.logLevel);
  }

  close(): void {
    this.closed = true;
    this.end?.();
    for (const waiting of this.asked.values()) waiting(refusal('the client session closed'));
    this.asked.clear();
  }
}

function refusal(message: string): ServerRequestAnswer {
  return { error: { code: ErrorCode.MethodNotFound, message } };
}

export function isLogLevel(level: unknown): level is string {
  return typeof level === 'string' && LOG_LEVELS.includes(level);
}
