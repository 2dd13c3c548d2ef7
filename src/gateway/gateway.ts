import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import { DocumentError } from '../documents/errors.js';
import {
  ErrorCode,
  errorResponse,
  paramsOf,
  resultResponse,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type Params,
  type RequestId,
} from '../protocol/jsonrpc.js';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isModernVersion,
  LATEST_LEGACY_VERSION,
  LATEST_MODERN_VERSION,
  LEGACY_VERSIONS,
  MODERN_VERSIONS,
  PROTOCOL_VERSION_META_KEY,
  REMOVED_IN_MODERN,
  SERVER_INFO_META_KEY,
  unsupportedVersion,
} from '../protocol/eras.js';
import type { AuthOutcome, Authenticator, Caller } from '../grants/authenticator.js';
import { authenticatorFor } from '../grants/authenticator-for.js';
import type { GrantStore } from '../grants/grant-store.js';
import { Grants } from '../grants/grants.js';
import { openGrantStore } from '../grants/open-grant-store.js';
import { openCounterStore } from '../limits/open-store.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { openAuditSink } from '../audit/open-audit-sink.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { StoreFailures } from '../observability/store-failures.js';
import { Cancellation } from '../upstream/cancellation.js';
import { UpstreamConnection, type CallHooks, type ServerRequestAnswer, type UpstreamListener } from '../upstream/connection.js';
import { transportFor } from '../upstream/transport-for.js';
import type { Admission, Verdict } from './admission.js';
import { CHANGED_NOTIFICATIONS, Inventory, type ListKind } from './inventory.js';
import { answerInputRequests, HeldCalls, INPUT_REQUIRED_METHODS } from './input-required.js';
import { PolicyAdmission } from './policy-admission.js';
import { AuditTrail, type AuditedCall } from './audit-trail.js';
import { RateLimits } from './rate-limits.js';
import { InvalidCursor, Route } from './route.js';
import { Subscriptions } from './subscriptions.js';
import { isLogLevel, LOG_LEVELS, Session, type Outbound } from './session.js';

export const GATEWAY_INFO = { name: 'toolgate', version: '0.1.0' };

/** How one downstream request reaches back to its client while it runs. */
export interface CallChannel {
  /** The request's own stream (an SSE response, stdout): progress and server requests ride on it. */
  outbound?: Outbound;
  /** Cancelled when the client goes away or cancels. */
  cancellation?: Cancellation;
}

const LIST_KIND: Record<string, ListKind> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};

/** Methods whose result is cacheable under 2026-07-28 and so must say for how long and for whom. */
const CACHEABLE = new Set(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

/**
 * The request path. Every downstream request, whatever transport it came on, passes `handle`; every request
 * forwarded upstream passes the admission check in `forward` first.
 */
export class Gateway implements UpstreamListener {
  readonly upstreams = new Map<string, UpstreamConnection>();
  readonly inventory = new Inventory();
  /** Sessions that outlive one request (legacy HTTP, stdio), so that server traffic can find them. */
  readonly sessions = new Map<string, Session>();
  private readonly routes = new Map<string | undefined, Route>();
  private readonly inFlight = new Map<Session, Map<RequestId, Cancellation>>();
  private readonly subscriptions: Subscriptions;
  /** Rate limits and spend budgets, in the store the configuration names (opened by `start`). */
  private readonly limits: RateLimits;
  /** Every decision, recorded (opened by `start`). */
  private readonly audit: AuditTrail;
  /** Legacy upstream calls waiting for a 2026-07-28 client's input (see input-required.ts). */
  private readonly held = new HeldCalls();
  /** Who may call: opened by `start`; until then every request is refused. */
  private authenticator?: Authenticator;
  /** Where grants live, when agents authenticate with them or the admin API manages them. */
  private grantStore?: GrantStore;
  /** The grants, for the admin API (opened by `start`; undefined when the gateway keeps none). */
  grants?: Grants;
  /** What `/metrics` shows. */
  readonly metrics: GatewayMetrics;
  /** Where the parts report a store that fails: counted, and logged without flooding. */
  readonly storeFailures: StoreFailures;
  /** Upstreams that have been ready once: their next `ready` is a restart. */
  private readonly wasReady = new Set<string>();

  constructor(
    readonly config: GatewayConfig,
    readonly log: Logger,
    readonly admission: Admission = new PolicyAdmission(config, log),
  ) {
    for (const [name, server] of Object.entries(config.servers)) {
      this.upstreams.set(name, new UpstreamConnection(name, server, { createTransport: () => transportFor(server), listener: this }));
    }
    for (const upstream of this.upstreams.values()) this.routes.set(upstream.name, new Route(upstream.name, [upstream], this.inventory));
    this.routes.set(undefined, new Route(undefined, [...this.upstreams.values()], this.inventory));
    this.metrics = new GatewayMetrics({
      upstreams: () => [...this.upstreams.values()].map((u) => ({ name: u.name, up: u.currentState === 'ready' })),
      sessions: () => this.sessions.size,
    });
    this.storeFailures = new StoreFailures(log, this.metrics);
    this.limits = new RateLimits(config.fail_mode, this.storeFailures, this.metrics);
    this.audit = new AuditTrail(log, this.storeFailures, this.metrics);
    this.subscriptions = new Subscriptions(this.sessions, this.upstreams, {
      admit: (request) => this.admission.admit(request),
      endSession: (session) => this.endSession(session),
    });
  }

  /** Opens the stores and connects every upstream. */
  async start(): Promise<void> {
    await this.open();
    await this.connect();
  }

  /** Opens the counter store, the authenticator and the audit log: after this, requests can be admitted. */
  async open(): Promise<void> {
    this.limits.open(await this.opening('counters', openCounterStore));
    if ((this.config.auth ?? 'grants') !== 'none' || this.config.admin) this.grantStore = await this.opening('grants', openGrantStore);
    this.authenticator = await authenticatorFor(this.config, this.grantStore);
    if (this.grantStore) this.grants = new Grants(this.grantStore);
    if (this.config.audit.enabled) this.audit.open(await this.opening('audit', openAuditSink), this.config.audit);
    if (this.config.tracing) {
      // Loaded only when asked for: with tracing off, none of OpenTelemetry is in the process.
      const { OtlpCallTracer } = await import('../observability/tracing.js');
      this.audit.trace(new OtlpCallTracer(this.config.tracing, GATEWAY_INFO.version));
    }
  }

  /** Opens where a part's state lives; one that cannot be opened is a configuration error naming it. */
  private async opening<T>(part: keyof GatewayConfig['store'], open: (spec: string) => Promise<T>): Promise<T> {
    const spec = this.config.store[part];
    try {
      return await open(spec);
    } catch (error) {
      throw new DocumentError('configuration', [{ pointer: `/store/${part}`, message: `could not open ${spec}: ${(error as Error).message}` }]);
    }
  }

  /** Connects every upstream; one that fails keeps retrying in the background and its calls fail clearly. */
  async connect(): Promise<void> {
    await Promise.all(
      [...this.upstreams.values()].map((u) =>
        u.start().catch((error: Error) => this.log.error({ server: u.name }, `upstream not ready: ${error.message}`)),
      ),
    );
  }

  async close(): Promise<void> {
    this.subscriptions.close();
    this.admission.close?.();
    await this.limits.close();
    await this.audit.close();
    await this.grantStore?.close();
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    await Promise.all([...this.upstreams.values()].map((u) => u.close()));
  }

  /** The audit log, for reading it back (admin API, tests); undefined when it is off. */
  get auditLog(): AuditSink | undefined {
    return this.audit.entries;
  }

  /** Which grant a request's `Authorization` header proves, if any. */
  authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    if (!this.authenticator) return Promise.resolve({ kind: 'rejected', description: 'the gateway is starting' });
    return this.authenticator.authenticate(authorization);
  }

  /** The grant a trusted local process names (stdio). */
  named(label: string): Promise<AuthOutcome> {
    if (!this.authenticator) return Promise.resolve({ kind: 'rejected', description: 'the gateway is starting' });
    return this.authenticator.named(label);
  }

  /** The route for `/mcp/<server>`, or for `/mcp` when `server` is undefined. */
  route(server?: string): Route | undefined {
    return this.routes.get(server);
  }

  /**
   * Opens a legacy session for an `initialize` request. The answer names the upstream's own identity on a
   * single-server route, and the gateway's on the aggregate.
   */
  async openSession(route: Route, caller: Caller, params: Params, id?: string): Promise<{ session: Session; result: Record<string, unknown> }> {
    const requested = params.protocolVersion;
    const protocolVersion = typeof requested === 'string' && LEGACY_VERSIONS.includes(requested) ? requested : LATEST_LEGACY_VERSION;
    await this.settled(route);
    const session = new Session(route, caller, 'legacy', protocolVersion, objectOr(params.capabilities), params.clientInfo as Record<string, unknown> | undefined, id);
    this.sessions.set(session.id, session);
    return { session, result: { protocolVersion, ...this.describe(route) } };
  }

  /**
   * The one-request session a 2026-07-28 request runs in, from its `_meta` envelope, or the error to answer when
   * it asks for a version the gateway does not speak.
   */
  statelessSession(route: Route, caller: Caller, request: JSONRPCRequest): Session | JSONRPCResponse {
    const meta = objectOr(paramsOf(request)._meta);
    const version = meta[PROTOCOL_VERSION_META_KEY];
    for (const key of [PROTOCOL_VERSION_META_KEY, CLIENT_CAPABILITIES_META_KEY]) {
      if (meta[key] === undefined) return errorResponse(request.id, ErrorCode.InvalidParams, `a ${LATEST_MODERN_VERSION} request carries ${key} in params._meta`);
    }
    if (!isModernVersion(version)) {
      return unsupportedVersion(request.id, version);
    }
    return new Session(route, caller, 'modern', version, objectOr(meta[CLIENT_CAPABILITIES_META_KEY]), meta[CLIENT_INFO_META_KEY] as Record<string, unknown> | undefined, STATELESS);
  }

  /** The handshake answers carry the upstreams' capabilities, so a (re)starting upstream is given its moment. */
  private async settled(route: Route): Promise<void> {
    await Promise.allSettled(route.upstreams.map((u) => u.whenReady()));
  }

  private describe(route: Route): { capabilities: Record<string, unknown>; serverInfo: Record<string, unknown>; instructions?: string } {
    if (!route.aggregated) {
      const info = route.upstreams[0]!.info;
      return {
        capabilities: advertised(route.upstreams[0]!),
        serverInfo: serverInfo(route),
        ...(info?.instructions && { instructions: info.instructions }),
      };
    }
    const capabilities: Record<string, Record<string, unknown>> = {};
    const instructions: string[] = [];
    for (const upstream of route.upstreams) {
      for (const [key, value] of Object.entries(advertised(upstream))) {
        capabilities[key] = { ...capabilities[key], ...(value as Record<string, unknown>) };
      }
      if (upstream.info?.instructions) instructions.push(`## ${upstream.name}\n${upstream.info.instructions}`);
    }
    return { capabilities, serverInfo: serverInfo(route), ...(instructions.length > 0 && { instructions: instructions.join('\n\n') }) };
  }

  /** Handles one request from a client and returns the response to send it (with the client's id). */
  async handle(session: Session, request: JSONRPCRequest, channel: CallChannel = {}): Promise<JSONRPCResponse> {
    session.lastSeen = Date.now();
    // A notifications/cancelled from the client finds the call here.
    const cancellation = channel.cancellation ?? new Cancellation();
    let calls = this.inFlight.get(session);
    if (!calls) this.inFlight.set(session, (calls = new Map()));
    calls.set(request.id, cancellation);
    try {
      const response =
        session.era === 'modern' && REMOVED_IN_MODERN.has(request.method)
          ? errorResponse(request.id, ErrorCode.MethodNotFound, `Method not found: ${request.method} is not part of protocol revision ${session.protocolVersion}`)
          : await this.dispatch(session, request, channel.cancellation ? channel : { ...channel, cancellation });
      response.id = request.id;
      if ('result' in response) {
        const result = response.result as Record<string, unknown>;
        if (session.era === 'modern') this.finishModernResult(request.method, result, session);
        else withoutModernFields(result);
      }
      return response;
    } catch (error) {
      if (error instanceof InvalidCursor) return errorResponse(request.id, ErrorCode.InvalidParams, error.message);
      this.log.error({ err: error, method: request.method }, 'request failed inside the gateway');
      return errorResponse(request.id, ErrorCode.InternalError, `internal error handling ${request.method}`);
    } finally {
      calls.delete(request.id);
      if (calls.size === 0) this.inFlight.delete(session);
    }
  }

  private async dispatch(session: Session, request: JSONRPCRequest, channel: CallChannel): Promise<JSONRPCResponse> {
    const { method } = request;
    const params = paramsOf(request);
    const route = session.route;
    const listKind = LIST_KIND[method];
    if (listKind) {
      const page = await route.list(
        listKind,
        typeof params.cursor === 'string' ? params.cursor : undefined,
        (server, item) => this.admission.listed(session, server, listKind, item),
        session.reachable,
      );
      return resultResponse(request.id, { [listKind]: page.items, ...(page.nextCursor && { nextCursor: page.nextCursor }) });
    }
    switch (method) {
      case 'ping':
        return resultResponse(request.id, {});
      case 'server/discover':
        await this.settled(route);
        return resultResponse(request.id, this.discoverResult(route));
      case 'initialize':
        return errorResponse(request.id, ErrorCode.InvalidRequest, 'initialize may only be sent once, to open a session');
      case 'logging/setLevel':
        return this.setLogLevel(session, request, params);
      case 'subscriptions/listen':
        return this.subscriptions.listen(session, request, params, channel);
      case 'tools/call':
      case 'prompts/get': {
        const kind = method === 'tools/call' ? 'tools' : 'prompts';
        const target = typeof params.name === 'string' ? await route.resolve(kind, params.name, session.reachable) : undefined;
        if (!target) return errorResponse(request.id, ErrorCode.InvalidParams, `unknown ${kind === 'tools' ? 'tool' : 'prompt'} ${JSON.stringify(params.name)}`);
        const forwarded = target.name === params.name ? params : { ...params, name: target.name };
        return this.forward(session, target.upstream, method, forwarded, channel, target.name);
      }
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const uri = params.uri;
        const upstream = typeof uri === 'string' ? await route.resolveUri(uri) : undefined;
        if (!upstream) return errorResponse(request.id, ErrorCode.InvalidParams, `no server offers resource ${JSON.stringify(uri)}`);
        if (method === 'resources/read') return this.forward(session, upstream, method, params, channel, uri as string);
        return this.subscriptions.change(session, upstream, method, uri as string, request.id);
      }
      case 'completion/complete': {
        const ref = (params.ref ?? {}) as Params;
        if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
          const target = await route.resolve('prompts', ref.name, session.reachable);
          if (!target) return errorResponse(request.id, ErrorCode.InvalidParams, `unknown prompt ${JSON.stringify(ref.name)}`);
          return this.forward(session, target.upstream, method, { ...params, ref: { ...ref, name: target.name } }, channel, target.name);
        }
        const upstream = typeof ref.uri === 'string' ? await route.resolveUri(ref.uri) : undefined;
        if (!upstream) return errorResponse(request.id, ErrorCode.InvalidParams, `cannot tell which server completes ${JSON.stringify(ref)}`);
        return this.forward(session, upstream, method, params, channel);
      }
      default:
        // Methods the gateway does not interpret (tasks, extensions) pass through where there is one server to ask.
        if (route.aggregated) return errorResponse(request.id, ErrorCode.MethodNotFound, `method ${method} is not available on the aggregated endpoint`);
        return this.forward(session, route.upstreams[0]!, method, request.params as Params | undefined, channel);
    }
  }

  /** The choke point: admission, counting and the write-ahead audit record, then the upstream. */
  private async forward(
    session: Session,
    upstream: UpstreamConnection,
    method: string,
    params: Params | undefined,
    channel: CallChannel,
    name?: string,
  ): Promise<JSONRPCResponse> {
    // The grant is part of what a held call is bound to: another grant's retry cannot continue it.
    const binding = `${session.caller.id}\0${method}\0${name}`;
    const call = this.audit.begin(session, upstream.name, method, name, params?.arguments, params?._meta as Record<string, unknown> | undefined);
    const verdict = this.admission.admit({ session, server: upstream.name, method, name, arguments: params?.arguments });
    if (!verdict.allow) return this.refuse(call, verdict);
    // A retry that brings a held call its answers continues that call: it was counted and recorded when it began.
    if (session.era === 'modern' && this.held.owns(params?.requestState)) {
      return this.held.resume(params.requestState, binding, params.inputResponses, channel.cancellation);
    }
    const counted = await this.limits.reserve(verdict, upstream.name, session, name ?? method);
    if ('denial' in counted) return this.refuse(call, { ...counted.denial, auditArgs: verdict.auditArgs });
    if (!(await this.audit.allowed(call, verdict))) {
      if (counted.reservation) await this.limits.release(counted.reservation);
      return denial(call, { allow: false, message: 'audit log unavailable', rule: verdict.decision?.rule ?? '(audit)', reason: 'audit_unavailable', ...(verdict.policy && { policy: verdict.policy }) });
    }
    const sent = performance.now();
    const response = await this.send(session, upstream, method, params, channel, binding);
    this.audit.finished(call, response, channel.cancellation?.cancelled ?? false, performance.now() - sent);
    if (counted.reservation) await this.limits.settle(counted.reservation, response);
    return response;
  }

  private async refuse(call: AuditedCall, verdict: Extract<Verdict, { allow: false }>): Promise<JSONRPCResponse> {
    await this.audit.refused(call, verdict);
    return denial(call, verdict);
  }

  /** The call itself, once admitted and counted; translating how a server asks for input between eras. */
  private async send(session: Session, upstream: UpstreamConnection, method: string, params: Params | undefined, channel: CallChannel, binding: string): Promise<JSONRPCResponse> {
    const hooks: CallHooks = {
      cancellation: channel.cancellation,
      clientCapabilities: session.clientCapabilities,
      logLevel: session.logLevel,
      onNotification: (notification) => session.notify(notification, channel.outbound),
      onServerRequest: (serverRequest) => session.ask(serverRequest, channel.outbound),
    };
    const bridged = INPUT_REQUIRED_METHODS.has(method) && session.era !== upstream.info?.era;
    if (bridged && session.era === 'modern') {
      return this.held.start(
        binding,
        (ask, cancellation, abandon) =>
          upstream.request(method, params, {
            ...hooks,
            cancellation,
            onServerRequest: async (serverRequest) => {
              // To this client the gateway is the 2026-07-28 server, so it answers as one would: -32021.
              const capability = session.lacks(serverRequest.method);
              if (!capability) return ask(serverRequest);
              abandon(
                errorResponse(0, ErrorCode.MissingRequiredClientCapability, `the client did not declare the "${capability}" capability this call needs`, {
                  requiredCapabilities: { [capability]: {} },
                }),
              );
              return { error: { code: ErrorCode.RequestCancelled, message: 'the client cannot answer this' } };
            },
          }),
        channel.cancellation,
      );
    }
    const response = await upstream.request(method, params, hooks);
    if (!bridged) return response;
    return answerInputRequests(response, (retried) => upstream.request(method, retried, hooks), params, (serverRequest) => session.ask(serverRequest, channel.outbound));
  }

  private discoverResult(route: Route): Record<string, unknown> {
    const { serverInfo, ...description } = this.describe(route);
    return { supportedVersions: [...MODERN_VERSIONS, ...LEGACY_VERSIONS], ...description, _meta: { [SERVER_INFO_META_KEY]: serverInfo } };
  }

  /**
   * 2026-07-28 requires `resultType` on every result and cache hints on lists. Lists are marked private:
   * what a client is shown depends on who it is once policies filter them.
   */
  private finishModernResult(method: string, result: Record<string, unknown>, session: Session): void {
    result.resultType ??= 'complete';
    if (CACHEABLE.has(method)) {
      result.ttlMs ??= 0;
      result.cacheScope = 'private';
    }
    const meta = (result._meta ??= {}) as Record<string, unknown>;
    if (meta[SERVER_INFO_META_KEY] === undefined && method !== 'server/discover') meta[SERVER_INFO_META_KEY] = serverInfo(session.route);
  }

  /**
   * The upstream connection is shared, so the level is kept per client and log lines are filtered here; the
   * upstream is asked for the most verbose level any client wants.
   */
  private async setLogLevel(session: Session, request: JSONRPCRequest, params: Params): Promise<JSONRPCResponse> {
    if (!isLogLevel(params.level)) return errorResponse(request.id, ErrorCode.InvalidParams, `invalid log level ${JSON.stringify(params.level)}`);
    session.logLevel = params.level;
    await Promise.all(
      session.route.upstreams
        // A 2026-07-28 upstream has no logging/setLevel: the level rides in each forwarded request's envelope.
        .filter((u) => u.info?.era === 'legacy' && u.info.capabilities.logging)
        .map((u) => {
          const levels = [...this.sessions.values(), session].filter((s) => s.route.includes(u.name) && s.logLevel).map((s) => s.logLevel!);
          const mostVerbose = levels.sort((a, b) => LOG_LEVELS.indexOf(a) - LOG_LEVELS.indexOf(b))[0]!;
          return u.request('logging/setLevel', { level: mostVerbose });
        }),
    );
    return resultResponse(request.id, {});
  }

  /** Handles a notification from a client. */
  notification(session: Session, notification: JSONRPCNotification): void {
    session.lastSeen = Date.now();
    const params = paramsOf(notification);
    switch (notification.method) {
      case 'notifications/initialized':
        return;
      case 'notifications/cancelled':
        this.inFlight.get(session)?.get(params.requestId as RequestId)?.cancel();
        return;
      default:
        // roots/list_changed and the like concern every server behind the client's endpoint.
        for (const upstream of session.route.upstreams) upstream.notify(notification.method, params);
    }
  }

  /** Forgets a session and what the upstreams hold for it. */
  endSession(session: Session): void {
    session.close();
    this.sessions.delete(session.id);
    this.subscriptions.release(session);
    for (const cancellation of this.inFlight.get(session)?.values() ?? []) cancellation.cancel();
  }

  // ── traffic from upstreams that no call claims ──

  onNotification(server: string, notification: JSONRPCNotification): void {
    const changed = CHANGED_NOTIFICATIONS[notification.method];
    if (changed) this.inventory.invalidate(server, changed);
    this.subscriptions.deliver(server, notification);
  }

  /** A server request outside any call (a roots refresh, a ping) goes to the client seen most recently. */
  async onServerRequest(server: string, request: JSONRPCRequest): Promise<ServerRequestAnswer> {
    if (request.method === 'ping') return { result: {} };
    let chosen: Session | undefined;
    for (const session of this.sessions.values()) {
      if (session.route.includes(server) && session.era === 'legacy' && (!chosen || session.lastSeen > chosen.lastSeen)) chosen = session;
    }
    if (!chosen) return { error: { code: ErrorCode.MethodNotFound, message: `no client is connected to answer ${request.method}` } };
    return chosen.ask(request);
  }

  onStateChange(server: string, state: string, detail: string): void {
    this.log.info({ server, state }, `upstream ${server}: ${state} (${detail})`);
    if (state === 'ready' && this.wasReady.has(server)) this.metrics.upstreamRestarted(server);
    if (state === 'ready') this.wasReady.add(server);
    const upstream = this.upstreams.get(server);
    if (state === 'ready' && upstream?.info?.era === 'modern') this.subscriptions.listenUpstream(upstream);
  }

  onLog(server: string, line: string): void {
    this.log.debug({ server }, line);
  }
}

/**
 * The denial contract: a refused tool call is a tool result the model can read and adapt to (`isError`, text
 * starting `[POLICY DENIED]`), with the decision in `_meta` for programs; any other method gets a JSON-RPC error.
 * The request id is the audit entry's and the logs', so an operator can find what an agent reports.
 */
function denial({ method, requestId }: AuditedCall, verdict: Extract<Verdict, { allow: false }>): JSONRPCResponse {
  const decision = {
    decision: 'deny',
    rule: verdict.rule,
    reason: verdict.reason,
    requestId,
    ...(verdict.policy && { policy: verdict.policy }),
    ...(verdict.retryAfterSeconds !== undefined && { retryAfterSeconds: verdict.retryAfterSeconds }),
  };
  const text = `[POLICY DENIED] ${verdict.message}`;
  if (method === 'tools/call') return resultResponse(0, { content: [{ type: 'text', text }], isError: true, _meta: { [DECISION_META_KEY]: decision } });
  return errorResponse(0, ErrorCode.InvalidRequest, text, decision);
}

/** Where a denial's machine-readable decision rides in `_meta`. */
export const DECISION_META_KEY = 'toolgate/decision';

/** Stateless sessions are never looked up, so they share one id instead of minting a UUID per request. */
const STATELESS = 'stateless';

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Who answers on a route: the upstream itself on a single-server route, the gateway on the aggregate. */
function serverInfo(route: Route): Record<string, unknown> {
  if (route.aggregated) return GATEWAY_INFO;
  return route.upstreams[0]!.info?.serverInfo ?? { name: route.server, version: 'unknown' };
}

/**
 * What the gateway advertises for an upstream. Task support is not forwarded: a task's later requests
 * (tasks/get, tasks/result) carry no tool name for the gateway to govern, so a client is not invited to start
 * them.
 */
function advertised(upstream: UpstreamConnection): Record<string, unknown> {
  const { tasks: _tasks, ...capabilities } = upstream.info?.capabilities ?? {};
  return capabilities;
}

/** 2026-07-28 result fields a legacy client does not expect, from a modern upstream. */
function withoutModernFields(result: Record<string, unknown>): void {
  if (result.resultType === undefined && result._meta === undefined) return;
  delete result.resultType;
  const meta = result._meta as Record<string, unknown> | undefined;
  if (meta && SERVER_INFO_META_KEY in meta) {
    delete meta[SERVER_INFO_META_KEY];
    if (Object.keys(meta).length === 0) delete result._meta;
  }
}
