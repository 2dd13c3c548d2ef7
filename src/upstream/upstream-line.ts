import { isStdioServer, type ServerConfig } from '../config/schema.js';
import {
  ErrorCode,
  errorResponse,
  isResponse,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type Params,
  type RequestId,
} from '../protocol/jsonrpc.js';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY, PROTOCOL_VERSION_META_KEY, type Era } from '../protocol/eras.js';
import { GATEWAY_CLIENT_INFO, handshake, WireClosed, WireTimeout, type HandshakeWire, type UpstreamInfo } from './handshake.js';
import type { Cancellation } from './cancellation.js';
import type { UpstreamTransport } from './transport.js';

/** What a downstream call hands the connection so that the server's side traffic finds its way back. */
export interface CallHooks {
  /** Progress (and other request-scoped notifications) about this call. */
  onNotification?(notification: JSONRPCNotification): void;
  /** Requests the server makes while this call is in flight: sampling, elicitation, roots. */
  onServerRequest?(request: JSONRPCRequest): Promise<ServerRequestAnswer>;
  /** Cancelling cancels the call upstream and settles it at once with a cancellation error. */
  cancellation?: Cancellation;
  /** The calling client's capabilities, sent in the envelope to modern-era upstreams. */
  clientCapabilities?: Record<string, unknown>;
  /** The log level a legacy client set; a modern-era upstream logs for a request only when its envelope says so. */
  logLevel?: string;
  /** The calling client's era: a server reached in both eras is asked on the line of the client's own. */
  era?: Era;
  /** Extra HTTP headers for this call (the `Mcp-Param-*` mirrors of its arguments, for a 2026-07-28 server). */
  headers?: Record<string, string>;
}

/** The `_meta` keys of a 2026-07-28 request's envelope, which mean nothing to (and mislead) a legacy server. */
const ENVELOPE_KEYS = [PROTOCOL_VERSION_META_KEY, CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY];

export type ServerRequestAnswer = { result: Record<string, unknown> } | { error: { code: number; message: string; data?: unknown } };

/**
 * Traffic from the server that no in-flight call claims. `era` is the era of the line it came on: a server reached
 * in both eras has a line for each, and what arrives on one is for the clients served by that line.
 */
export interface UpstreamListener {
  onNotification(server: string, notification: JSONRPCNotification, era: Era): void;
  onServerRequest(server: string, request: JSONRPCRequest, era: Era): Promise<ServerRequestAnswer>;
  onStateChange?(server: string, state: UpstreamState, detail: string, era: Era | undefined): void;
  onLog?(server: string, line: string): void;
}

export type UpstreamState = 'connecting' | 'ready' | 'down' | 'closed';

interface PendingCall {
  resolve(response: JSONRPCResponse): void;
  hooks: CallHooks | undefined;
  /** The token the client chose; the upstream sees the call's own id instead, so tokens never collide. */
  progressToken: string | number | undefined;
}

export interface ConnectionOptions {
  createTransport(): UpstreamTransport;
  listener: UpstreamListener;
  /** How long a call waits for a restarting server before it fails (start-up may take longer: `npx -y`). */
  readyTimeoutMs?: number;
  /** How long `start` waits for the first handshake, and a call made while it is under way. */
  startTimeoutMs?: number;
  /**
   * A first handshake that fails closes the connection instead of retrying (a one-off look at a server, or a
   * second line to a server that may not speak that era at all).
   */
  tryOnce?: boolean;
  /** First restart delay; doubles per failed attempt up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export interface LineOptions extends ConnectionOptions {
  /** Settle on this era whatever the configuration says (the second line to a server that speaks both). */
  protocol?: 'legacy' | 'modern';
}

/**
 * One long-lived wire to one upstream server in one era, shared by every downstream client it serves: request ids
 * are re-numbered so calls multiplex, progress tokens are re-mapped so clients cannot collide, and a server that
 * dies fails its in-flight calls at once and is restarted with backoff.
 */
export class UpstreamLine {
  private transport?: UpstreamTransport;
  private nextId = 1;
  private readonly pending = new Map<RequestId, PendingCall>();
  /** Server→client requests in flight, by the server's id, so a `notifications/cancelled` reaches the same client. */
  private readonly serverRequests = new Map<RequestId, CallHooks | undefined>();
  private state: UpstreamState = 'connecting';
  private infoValue?: UpstreamInfo;
  private eraVerdict?: Era;
  private readyWaiters: { resolve(): void; reject(error: Error): void }[] = [];
  private backoff: number;
  private restartTimer?: NodeJS.Timeout;
  private upSince = 0;
  private restartCount = 0;
  private readonly readyTimeoutMs: number;
  private readonly startTimeoutMs: number;
  /** When the first start gives up; until then a call waits for it, not just a restart's `readyTimeoutMs`. */
  private startDeadline: number;

  constructor(
    readonly name: string,
    readonly config: ServerConfig,
    private readonly options: LineOptions,
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 5_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.startDeadline = Date.now() + this.startTimeoutMs;
    this.backoff = options.backoffMs ?? 250;
  }

  get info(): UpstreamInfo | undefined {
    return this.infoValue;
  }

  get currentState(): UpstreamState {
    return this.state;
  }

  /** How many times the server has been started again after it died or could not be reached (the console shows it). */
  get restarts(): number {
    return this.restartCount;
  }

  /** Starts the first connection; resolves once the server has answered the handshake. */
  async start(): Promise<void> {
    this.startDeadline = Date.now() + this.startTimeoutMs;
    void this.connect();
    await this.whenReady(this.startTimeoutMs);
  }

  async close(): Promise<void> {
    this.setState('closed', 'closed by the gateway');
    clearTimeout(this.restartTimer);
    this.failAll('the gateway is shutting down');
    for (const waiter of this.readyWaiters.splice(0)) waiter.reject(new Error(`upstream "${this.name}" is closed`));
    await this.transport?.close();
  }

  /**
   * Waits until the server is connected, up to `timeoutMs`. By default a client's first requests, read while the
   * server is on its first start (a stdio client starts the gateway and the servers with it), wait for that start.
   */
  whenReady(timeoutMs = this.defaultWait()): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new Error(`upstream "${this.name}" is closed`));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        reject(new Error(`upstream "${this.name}" is not available (${this.state}) after ${timeoutMs} ms`));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  private defaultWait(): number {
    const firstStart = !this.infoValue && this.restartCount === 0;
    return firstStart ? Math.max(this.readyTimeoutMs, this.startDeadline - Date.now()) : this.readyTimeoutMs;
  }

  /**
   * Sends one request and settles with the server's response (its `id` is the upstream id: the caller puts its
   * own back). Never rejects: transport failures come back as JSON-RPC errors the client can read.
   */
  async request(method: string, params: Params | undefined, hooks?: CallHooks): Promise<JSONRPCResponse> {
    if (this.state !== 'ready') {
      try {
        await this.whenReady();
      } catch (error) {
        return errorResponse(0, ErrorCode.UpstreamUnavailable, (error as Error).message);
      }
    }
    const id = this.nextId++;
    const outgoing = this.prepareParams(params, id, hooks);
    return new Promise<JSONRPCResponse>((resolve) => {
      const entry: PendingCall = { resolve, hooks, progressToken: outgoing.progressToken };
      this.pending.set(id, entry);
      const cancellation = hooks?.cancellation;
      if (cancellation?.cancelled) return this.cancel(id, 'cancelled before it was sent');
      cancellation?.onCancel((reason) => this.cancel(id, reason));
      this.deliver({ jsonrpc: '2.0', id, method, ...(outgoing.params && { params: outgoing.params }) } as JSONRPCRequest, id, hooks);
    });
  }

  notify(method: string, params?: Params): void {
    if (this.state !== 'ready' || !this.transport) return;
    const message = { jsonrpc: '2.0', method, ...(params && { params }) } as JSONRPCNotification;
    void Promise.resolve()
      .then(() => this.transport?.send(message))
      .catch(() => {});
  }

  private deliver(message: JSONRPCMessage, id: RequestId, hooks?: CallHooks): void {
    try {
      const sent = this.transport!.send(message, hooks?.cancellation || hooks?.headers ? { cancellation: hooks.cancellation, headers: hooks.headers } : undefined);
      if (sent) sent.catch((error: Error) => this.settle(id, this.transportError(error)));
    } catch (error) {
      this.settle(id, this.transportError(error as Error));
    }
  }

  private transportError(error: Error): JSONRPCResponse {
    return errorResponse(0, ErrorCode.UpstreamUnavailable, `upstream "${this.name}" failed: ${error.message}`);
  }

  /**
   * Copies params only when they must change: a progress token to re-map, a modern envelope to add, or a 2026-07-28
   * client's envelope to take off before it reaches a legacy server (which would take its version for the wire's).
   */
  private prepareParams(params: Params | undefined, id: number, hooks?: CallHooks): { params: Params | undefined; progressToken: string | number | undefined } {
    const meta = params?._meta as Record<string, unknown> | undefined;
    const progressToken = meta?.progressToken as string | number | undefined;
    const modern = this.infoValue?.era === 'modern';
    const envelope = !modern && meta !== undefined && ENVELOPE_KEYS.some((key) => key in meta);
    if (progressToken === undefined && !modern && !envelope) return { params, progressToken };
    const nextMeta: Record<string, unknown> = { ...meta };
    if (progressToken !== undefined) nextMeta.progressToken = id;
    if (envelope) for (const key of ENVELOPE_KEYS) delete nextMeta[key];
    if (modern) {
      nextMeta[PROTOCOL_VERSION_META_KEY] = this.infoValue!.protocolVersion;
      nextMeta[CLIENT_CAPABILITIES_META_KEY] = hooks?.clientCapabilities ?? meta?.[CLIENT_CAPABILITIES_META_KEY] ?? {};
      nextMeta[CLIENT_INFO_META_KEY] ??= GATEWAY_CLIENT_INFO;
      if (hooks?.logLevel !== undefined) nextMeta[LOG_LEVEL_META_KEY] ??= hooks.logLevel;
    }
    return { params: { ...params, _meta: nextMeta }, progressToken };
  }

  private cancel(id: RequestId, reason: string): void {
    if (!this.pending.has(id)) return;
    // stdio and legacy HTTP take an explicit cancellation; on modern HTTP the aborted stream is the signal.
    this.notify('notifications/cancelled', { requestId: id, reason });
    this.settle(id, errorResponse(0, ErrorCode.RequestCancelled, `request ${reason}`));
  }

  private settle(id: RequestId, response: JSONRPCResponse): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.resolve(response);
  }

  private failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) {
      this.settle(id, errorResponse(0, ErrorCode.UpstreamUnavailable, `upstream "${this.name}" ${reason}`));
    }
    this.serverRequests.clear();
  }

  private receive(message: JSONRPCMessage, relatedTo: RequestId | undefined): void {
    if (isResponse(message)) {
      this.settle(message.id as RequestId, message as JSONRPCResponse);
      return;
    }
    const call = relatedTo === undefined ? undefined : this.pending.get(relatedTo);
    if ('id' in message) {
      void this.answerServerRequest(message as JSONRPCRequest, call);
      return;
    }
    this.routeNotification(message as JSONRPCNotification, call);
  }

  private routeNotification(notification: JSONRPCNotification, call: PendingCall | undefined): void {
    const params = notification.params as Params | undefined;
    // A log line on a call's own stream is about that call: it goes to its client alone.
    if (notification.method === 'notifications/message' && call?.hooks?.onNotification) {
      call.hooks.onNotification(notification);
      return;
    }
    if (notification.method === 'notifications/progress' && params) {
      const entry = this.pending.get(params.progressToken as RequestId);
      if (entry?.hooks?.onNotification && entry.progressToken !== undefined) {
        entry.hooks.onNotification({ ...notification, params: { ...params, progressToken: entry.progressToken } });
      }
      return;
    }
    if (notification.method === 'notifications/cancelled' && params && this.serverRequests.has(params.requestId as RequestId)) {
      this.serverRequests.get(params.requestId as RequestId)?.onNotification?.(notification);
      this.serverRequests.delete(params.requestId as RequestId);
      return;
    }
    this.options.listener.onNotification(this.name, notification, this.era);
  }

  /** The era this line settled on (before its first handshake, the one it is configured for). */
  get era(): Era {
    return this.infoValue?.era ?? ((this.options.protocol ?? this.config.protocol) === 'legacy' ? 'legacy' : 'modern');
  }

  /** Whether the server keeps a session for this line (a legacy HTTP server that minted `Mcp-Session-Id`). */
  get keepsSession(): boolean {
    return this.transport?.hasSession ?? false;
  }

  /**
   * A server asking the client something on a call's own HTTP stream is asking that call's client. Over stdio (or
   * on the legacy GET stream) it does not say which call it is for: it is given to the newest in-flight call that
   * can answer (exact when one client is calling); otherwise to the listener.
   */
  private async answerServerRequest(request: JSONRPCRequest, call: PendingCall | undefined): Promise<void> {
    let hooks = call?.hooks?.onServerRequest ? call.hooks : undefined;
    if (!call) for (const entry of this.pending.values()) if (entry.hooks?.onServerRequest) hooks = entry.hooks;
    this.serverRequests.set(request.id, hooks);
    let answer: ServerRequestAnswer;
    try {
      answer = hooks?.onServerRequest
        ? await hooks.onServerRequest(request)
        : await this.options.listener.onServerRequest(this.name, request, this.era);
    } catch (error) {
      answer = { error: { code: ErrorCode.InternalError, message: (error as Error).message } };
    }
    if (!this.serverRequests.delete(request.id)) return;
    if (this.state !== 'ready') return;
    void Promise.resolve(this.transport?.send({ jsonrpc: '2.0', id: request.id, ...answer } as JSONRPCMessage)).catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    this.setState('connecting', 'starting');
    try {
      const info = await handshake(() => this.open(), {
        protocol: this.options.protocol ?? this.config.protocol,
        knownEra: this.eraVerdict,
        silenceMeansLegacy: isStdioServer(this.config),
      });
      if ((this.state as UpstreamState) === 'closed') return; // closed while handshaking
      this.infoValue = info;
      this.eraVerdict = info.era;
      this.upSince = Date.now();
      this.setState('ready', `${info.era} ${info.protocolVersion}`);
      for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
    } catch (error) {
      await this.transport?.close().catch(() => {});
      if (this.options.tryOnce && !this.eraVerdict) {
        for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error as Error);
        this.state = 'closed';
        return;
      }
      this.scheduleRestart(`could not connect: ${(error as Error).message}`);
    }
  }

  /** Opens a fresh transport (closing any earlier one) and hands the handshake a wire over it. */
  private async open(): Promise<HandshakeWire> {
    await this.transport?.close().catch(() => {});
    const transport = this.options.createTransport();
    this.transport = transport;
    let closed: ((reason: string) => void) | undefined;
    const closure = new Promise<never>((_, reject) => {
      closed = (reason) => reject(new WireClosed(`the server ${reason}`));
    });
    closure.catch(() => {});
    transport.onstderr = (line) => this.options.listener.onLog?.(this.name, line);
    transport.onmessage = (message, relatedTo) => this.receive(message, relatedTo);
    transport.onclose = (reason) => {
      closed?.(reason);
      if (this.transport !== transport || this.state !== 'ready') return;
      this.failAll(`${reason}; it is being restarted`);
      this.scheduleRestart(reason);
    };
    await transport.start();
    return {
      ask: (method, params, timeoutMs) => {
        const id = this.nextId++;
        const answer = new Promise<JSONRPCResponse>((resolve) => this.pending.set(id, { resolve, hooks: undefined, progressToken: undefined }));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new WireTimeout(`${method} got no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        const sent = Promise.resolve().then(() => transport.send({ jsonrpc: '2.0', id, method, params } as JSONRPCRequest));
        return Promise.race([sent.then(() => answer), timeout, closure]).finally(() => {
          clearTimeout(timer);
          this.pending.delete(id);
        });
      },
      notify: (method, params) => {
        void Promise.resolve(transport.send({ jsonrpc: '2.0', method, ...(params && { params }) } as JSONRPCNotification)).catch(() => {});
      },
      setProtocolVersion: (version) => transport.setProtocolVersion?.(version),
    };
  }

  private scheduleRestart(reason: string): void {
    if (this.state === 'closed') return;
    // A server that stayed up a while gets a fresh, short backoff; one that keeps dying waits longer each time.
    if (this.upSince && Date.now() - this.upSince > 30_000) this.backoff = this.options.backoffMs ?? 250;
    this.upSince = 0;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 30_000);
    this.setState('down', `${reason}; restarting in ${delay} ms`);
    this.restartCount++;
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.connect(), delay);
    this.restartTimer.unref();
  }

  private setState(state: UpstreamState, detail: string): void {
    if (this.state === 'closed') return;
    this.state = state;
    this.options.listener.onStateChange?.(this.name, state, detail, this.infoValue?.era);
  }
}
