import type { Logger } from 'pino';
import { isStdioServer, type GatewayConfig, type ServerConfig } from '../config/schema.js';
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
  LOG_LEVEL_META_KEY,
  LATEST_LEGACY_VERSION,
  LATEST_MODERN_VERSION,
  LEGACY_VERSIONS,
  PROTOCOL_VERSION_META_KEY,
  REMOVED_IN_MODERN,
  unsupportedVersion,
  type Era,
} from '../protocol/eras.js';
import { FORWARDED_NOTIFICATIONS, isMcpMethod } from '../protocol/methods.js';
import { pollutingKey } from '../protocol/polluting-keys.js';
import type { AuthOutcome, Authenticator, Caller } from '../grants/authenticator.js';
import { authenticatorFor } from '../grants/authenticator-for.js';
import type { GrantStore } from '../grants/grant-store.js';
import { Grants } from '../grants/grants.js';
import type { CounterStore } from '../limits/counter-store.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { ApprovalRequest } from '../approvals/approval.js';
import { argumentsDigest } from '../approvals/approval.js';
import type { ApprovalStore } from '../approvals/approval-store.js';
import type { ApprovalDesk } from '../approvals/approval-desk.js';
import { Approvals, type ApprovalGate } from '../approvals/approvals.js';
import { WebhookNotifier } from '../approvals/webhook.js';
import { auditArguments } from '../audit/arguments.js';
import type { PinStore } from '../catalog/pin-store.js';
import { Pinning, type PinState } from '../catalog/pinning.js';
import { approveHeld, heldChanges, type DefinitionReview } from '../catalog/definition-review.js';
import type { ToolDefinition } from '../catalog/tool-definition.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { StoreFailures } from '../observability/store-failures.js';
import { Cancellation } from '../upstream/cancellation.js';
import type { CallHooks, ServerRequestAnswer, UpstreamConnection, UpstreamListener } from '../upstream/connection.js';
import type { Admission, Denial, Verdict } from './admission.js';
import { AuditTrail } from './audit-trail.js';
import type { CallChannel } from './call-channel.js';
import { describe, discoverResult, GATEWAY_INFO, shapeResult } from './era-results.js';
import { HiddenToolsWarning } from './hidden-tools-warning.js';
import { CHANGED_NOTIFICATIONS, Inventory, type Item, type ListKind } from './inventory.js';
import { answerInputRequests, HeldCalls, INPUT_REQUIRED_METHODS } from './input-required.js';
import { paramHeaders } from './mcp-headers.js';
import { approvalOf, Pipeline, type ParsedCall } from './pipeline.js';
import { RateLimits } from './rate-limits.js';
import { InvalidCursor, Route } from './route.js';
import type { StoreProbe } from './readiness.js';
import type { SessionRegistry } from './session-registry.js';
import { Subscriptions } from './subscriptions.js';
import { RecentLines } from '../upstream/recent-lines.js';
import type { Fleet } from '../fleet/open-fleet.js';
import { SharedSessions } from '../fleet/shared-sessions.js';
import type { FleetBus } from '../fleet/fleet-bus.js';
import type { SessionDirectory } from '../fleet/session-directory.js';
import { isLogLevel, LOG_LEVELS, Session, type Credential, type Outbound } from './session.js';

export { GATEWAY_INFO };
export type { CallChannel };

const LIST_KIND: ReadonlyMap<string, ListKind> = new Map([
  ['tools/list', 'tools'],
  ['prompts/list', 'prompts'],
  ['resources/list', 'resources'],
  ['resources/templates/list', 'resourceTemplates'],
]);

/** Opens each part's store when the gateway starts. */
export interface StoreOpeners {
  counters(): Promise<CounterStore>;
  grants(): Promise<GrantStore>;
  audit(): Promise<AuditSink>;
  pins(): Promise<PinStore>;
  approvals(): Promise<ApprovalStore>;
  fleet(): Promise<Fleet>;
}

/** How often every server's tools are listed again, for servers that change a definition and never say so. */
export const RELIST_EVERY_MS = 5 * 60_000;

/** The parts a gateway is made of, decided in one place (wiring.ts). */
export interface GatewayParts {
  createUpstream(name: string, server: ServerConfig, listener: UpstreamListener): UpstreamConnection;
  admission: Admission;
  stores: StoreOpeners;
  sessions: SessionRegistry;
}

/**
 * The request path. Every downstream request, whatever transport it came on, passes `handle`, which parses it once
 * into a `ParsedCall`; every request that reaches a server passes the `Pipeline` on the way.
 */
export class Gateway implements UpstreamListener {
  readonly upstreams = new Map<string, UpstreamConnection>();
  /** Every tools list fetched is reviewed against the pins before anyone is served from it. */
  readonly inventory = new Inventory(Date.now, (server, tools) => this.pinning?.review(server, tools as unknown as ToolDefinition[]));
  /** Tool definitions pinned when first seen (opened by `start`; undefined when pinning is off for every server). */
  private pinning?: Pinning;
  private relist?: NodeJS.Timeout;
  /** Sessions that outlive one request (legacy HTTP, stdio, listen streams), so that server traffic can find them. */
  readonly sessions: SessionRegistry;
  readonly admission: Admission;
  private readonly routes = new Map<string | undefined, Route>();
  private readonly inFlight = new Map<Session, Map<RequestId, Cancellation>>();
  private readonly subscriptions: Subscriptions;
  /** Rate limits and spend budgets, in the store the configuration names (opened by `start`). */
  private readonly limits: RateLimits;
  /** Every decision, recorded (opened by `start`). */
  private readonly audit: AuditTrail;
  private readonly pipeline: Pipeline;
  /** Legacy upstream calls waiting for a 2026-07-28 client's input (see input-required.ts). */
  private readonly held = new HeldCalls();
  /** Who may call: opened by `start`; until then every request is refused. */
  private authenticator?: Authenticator;
  /** Where grants live, when agents authenticate with them or the admin API manages them. */
  private grantStore?: GrantStore;
  private pinStore?: PinStore;
  /** Calls held for a person's approval (opened by `start`). */
  private approvals?: Approvals;
  /** Where new and decided approval requests are POSTed, when the configuration names a webhook. */
  private notifier?: WebhookNotifier;
  private sweeper?: NodeJS.Timeout;
  private approvalStore?: ApprovalStore;
  /** The grants, for the admin API (opened by `start`; undefined when the gateway keeps none). */
  grants?: Grants;
  /** What `/metrics` shows. */
  readonly metrics: GatewayMetrics;
  /** Where the parts report a store that fails: counted, and logged without flooding. */
  readonly storeFailures: StoreFailures;
  /** Upstreams that have been ready once: their next `ready` is a restart. */
  private readonly wasReady = new Set<string>();
  /** What each server last wrote to stderr, logged with its exit. */
  private readonly serverStderr = new RecentLines();
  /** Listings that hide a server's tools for want of its policy, said in the log. */
  private readonly hiddenTools: HiddenToolsWarning;
  private readonly stores: StoreOpeners;
  /** What this replica shares with the others (opened by `open`): the bus, legacy sessions, the console's sign-ins. */
  fleet?: Fleet;
  /** Legacy sessions any replica serves, when the fleet shares them (`store.sessions` is a Redis). */
  private shared?: SharedSessions;
  /** The stores are open (`open` finished): until then the gateway is starting. */
  private opened = false;

  constructor(
    readonly config: GatewayConfig,
    readonly log: Logger,
    parts: GatewayParts,
  ) {
    this.admission = parts.admission;
    this.sessions = parts.sessions;
    this.stores = parts.stores;
    for (const [name, server] of Object.entries(config.servers)) this.upstreams.set(name, parts.createUpstream(name, server, this));
    for (const upstream of this.upstreams.values()) this.routes.set(upstream.name, new Route(upstream.name, [upstream], this.inventory));
    this.routes.set(undefined, new Route(undefined, [...this.upstreams.values()], this.inventory));
    this.metrics = new GatewayMetrics({
      upstreams: () => [...this.upstreams.values()].map((u) => ({ name: u.name, up: u.currentState === 'ready' })),
      sessions: () => this.sessions.size,
      heldForApproval: () => this.approvals?.heldCount ?? 0,
    });
    this.storeFailures = new StoreFailures(log, this.metrics);
    this.hiddenTools = new HiddenToolsWarning(log);
    this.limits = new RateLimits(config.fail_mode, this.storeFailures, this.metrics);
    this.audit = new AuditTrail(log, this.storeFailures, this.metrics);
    this.pipeline = new Pipeline(this.admission, this.limits, this.audit, (server, tool) => this.pinRefusal(server, tool), {
      gate: (call, verdict) => this.approvalGate(call, verdict),
      finished: (request) => void this.approvals?.finished(request, 'completed').catch((error: Error) => this.log.error({ approval: request.id }, `approval ${request.id}: completion not recorded: ${error.message}`)),
    });
    this.subscriptions = new Subscriptions(this.sessions, this.upstreams, {
      subscribe: (listener, upstream, uri, channel) => this.subscribe(listener, upstream, 'resources/subscribe', uri, channel),
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
    this.limits.open(await this.stores.counters());
    if ((this.config.auth ?? 'grants') !== 'none' || this.config.admin) this.grantStore = await this.stores.grants();
    this.authenticator = await authenticatorFor(this.config, this.grantStore);
    if (this.grantStore) this.grants = new Grants(this.grantStore);
    if (this.config.audit.enabled) this.audit.open(await this.stores.audit(), this.config.audit);
    await this.openApprovals();
    await this.openPinning();
    this.fleet = await this.stores.fleet();
    this.admission.join?.(this.fleet.bus);
    if (this.fleet.directory) this.shareSessions(this.fleet.bus, this.fleet.directory);
    if (this.config.tracing) {
      // Loaded only when asked for: with tracing off, none of OpenTelemetry is in the process.
      const { OtlpCallTracer } = await import('../observability/tracing.js');
      this.audit.trace(new OtlpCallTracer(this.config.tracing, GATEWAY_INFO.version));
    }
    this.sessions.start({
      verify: (credential) => this.verify(credential),
      end: (session) => this.endSession(session),
      // A copy forgotten here is made again from the directory when its client comes back.
      forget: (session) => (this.shared ? this.closeSession(session) : this.endSession(session)),
      shared: this.shared !== undefined,
      busy: (session) => this.inFlight.has(session),
    });
    this.opened = true;
  }

  private shareSessions(bus: FleetBus, directory: SessionDirectory): void {
    this.shared = new SharedSessions(
      bus,
      directory,
      {
        route: (server) => this.route(server),
        local: (id) => this.sessions.get(id),
        adopt: (session) => this.sessions.add(session),
        endLocally: (session) => this.closeSession(session),
        cancel: (session, requestId) => this.cancelCall(session, requestId),
        streaming: () => [...this.sessions.values()].filter((session) => session.standalone && session.era === 'legacy'),
      },
      this.sessions.bounds.idleMs,
      (error) => this.storeFailures.failed('sessions', error, 'session store unavailable'),
    );
  }

  /** Each store this gateway opened, by part, for `/readyz`; undefined until `open` has opened them. */
  storeProbes(): StoreProbe[] | undefined {
    if (!this.opened) return undefined;
    const opened: [StoreProbe['part'], Pick<StoreProbe, 'ping'> | undefined][] = [
      ['counters', this.limits.counterStore],
      ['grants', this.grantStore],
      ['audit', this.audit.entries],
      ['pins', this.pinStore],
      ['approvals', this.approvalStore],
      ['sessions', this.fleet?.directory],
    ];
    return opened.flatMap(([part, store]) => (store ? [{ part, ping: () => store.ping() }] : []));
  }

  /** The approval store, the webhook (when configured) and the sweep for forwards lost with their process. */
  private async openApprovals(): Promise<void> {
    this.approvalStore = await this.stores.approvals();
    const webhook = this.config.approvals.webhook;
    const notifier = (this.notifier =
      webhook &&
      new WebhookNotifier({
        url: webhook.url,
        secret: webhook.secret,
        logger: this.log,
        ...(webhook.public_url && { links: { baseUrl: webhook.public_url, secret: webhook.secret } }),
      }));
    this.approvals = new Approvals({
      store: this.approvalStore,
      record: async (event) => {
        await this.audit.approvalEvent(event);
        if (event.event === 'requested') notifier?.notify('approval.requested', event.request);
        else if (event.event === 'approved' || event.event === 'denied' || event.event === 'expired') notifier?.notify('approval.decided', event.request);
      },
    });
    // Calls forwarded by a process that died are ambiguous: looked for now, and every minute (any replica may).
    const sweep = () => void this.approvals?.sweep().catch((error: Error) => this.log.warn(`approvals: lost forwards could not be looked for: ${error.message}`));
    sweep();
    this.sweeper = setInterval(sweep, 60_000).unref();
  }

  /** Definition pinning, unless it is off for every server. */
  private async openPinning(): Promise<void> {
    const pinningOf = (server: string) => this.config.servers[server]?.pinning ?? this.config.pinning;
    if (Object.keys(this.config.servers).some((server) => pinningOf(server) !== 'off')) {
      this.pinning = new Pinning({
        store: (this.pinStore = await this.stores.pins()),
        mode: pinningOf,
        record: (event) => this.audit.pinEvent(event),
        warn: (server, message) => this.log.warn({ server }, `upstream ${server}: ${message}`),
      });
    }
  }

  /** Connects every upstream; one that fails keeps retrying in the background and its calls fail clearly. */
  async connect(): Promise<void> {
    await Promise.all(
      [...this.upstreams.values()].map((u) =>
        u.start().catch((error: Error) => this.log.error({ server: u.name }, `upstream not ready: ${error.message}`)),
      ),
    );
    if (this.pinning) this.relist ??= setInterval(() => this.upstreams.forEach((u) => u.currentState === 'ready' && this.reviewTools(u)), RELIST_EVERY_MS).unref();
  }

  /** Lists a server's tools afresh, so their definitions are checked against the pins now rather than at first use. */
  private reviewTools(upstream: UpstreamConnection): void {
    this.inventory.invalidate(upstream.name, ['tools']);
    this.inventory.list(upstream, 'tools').catch((error: Error) => this.log.warn({ server: upstream.name }, `upstream ${upstream.name}: tools could not be listed: ${error.message}`));
  }

  /** Where a tool's pinned definition stands, for the catalogue. */
  pinState(server: string, tool: string): PinState {
    return this.pinning?.state(server, tool) ?? 'off';
  }

  /**
   * Asks for a call's approval, bound to the grant, the tool, its arguments, the policy's version and the tool's pinned
   * definition. The call is held when the client can wait (it sent a progress token, or the policy says `hold`), and
   * its agent is told every 15 s how long is left; otherwise it is answered at once and passes when retried.
   */
  private async approvalGate(call: ParsedCall, verdict: Extract<Verdict, { allow: true }>): Promise<ApprovalGate> {
    if (!this.approvals) throw new Error('approvals are not open');
    const approvals = this.approvals;
    const requirement = approvalOf(verdict)!;
    const { session } = call;
    const server = call.upstream!.name;
    const tool = call.name!;
    const progressToken = objectOr(call.params?._meta).progressToken as string | number | undefined;
    const pin = this.pinning?.digest(server, tool);
    const binding = { grant: { id: session.caller.id, label: session.caller.label }, server, tool, argsDigest: argumentsDigest(call.params?.arguments), policy: verdict.policy ?? '', ...(pin && { pin }) };
    let progress = 0;
    const who = requirement.approvers.length > 0 ? ` by ${requirement.approvers.join(' or ')}` : '';
    const gate = await approvals.gate({
      binding,
      requirement,
      shown: auditArguments(call.params?.arguments, verdict.auditArgs ?? 'keys'),
      wait: requirement.wait ?? (progressToken === undefined ? 'retry' : 'hold'),
      signal: call.channel.cancellation?.toSignal(),
      ...(progressToken !== undefined && {
        waiting: (request: ApprovalRequest, leftMs: number) =>
          session.notify(
            { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken, progress: ++progress, message: `waiting for approval ${request.id}${who}, ${Math.ceil(leftMs / 60_000)} min left` } },
            call.channel.outbound,
          ),
      }),
    });
    if (gate.request.wait === 'hold') this.metrics.approvalSettled(server, gate.kind === 'approved' ? 'approved' : gate.request.state, (gate.request.updatedAt - gate.request.createdAt) / 1000);
    return gate;
  }

  /** The pin check for a call the policy lets through. */
  private pinRefusal(server: string, tool: string): Denial | undefined {
    const verdict = this.pinning?.verdict(server, tool);
    if (!verdict || verdict.ok) return undefined;
    return { allow: false, message: verdict.message, rule: '(pinned definition)', reason: verdict.reason };
  }

  /**
   * The start of a shutdown: calls held for approval are answered now (an error, not a wait for a person who may take
   * an hour; their records stay pending for a retry after the restart), and every 2026-07-28 listen stream ends, as
   * it would with its session. What is left in flight are calls, which `close` does not wait for: see shutdown.ts.
   */
  drain(): void {
    this.approvals?.close();
    for (const session of [...this.sessions.values()]) if (session.listen) this.endSession(session);
  }

  /** Cancels every call in flight (each is answered with an error saying why, and cancelled upstream); how many. */
  cancelCalls(reason: string): number {
    let calls = 0;
    for (const session of this.inFlight.values()) {
      for (const cancellation of session.values()) {
        cancellation.cancel(reason);
        calls++;
      }
    }
    return calls;
  }

  async close(): Promise<void> {
    // Held calls are answered now (an error, not a hang); their records stay for a retry.
    this.approvals?.close();
    this.notifier?.close();
    clearInterval(this.sweeper);
    clearInterval(this.relist);
    this.pinning?.close();
    this.subscriptions.close();
    this.admission.close?.();
    await this.limits.close();
    await this.audit.close();
    await this.grantStore?.close();
    await this.pinStore?.close();
    await this.approvalStore?.close();
    this.sessions.close();
    this.shared?.close();
    await this.fleet?.close();
    await Promise.all([...this.upstreams.values()].map((u) => u.close()));
  }

  /** The approval requests and the decisions on them, for the admin API and the signed links (opened by `start`). */
  get approvalDesk(): ApprovalDesk | undefined {
    const { approvals, approvalStore: store } = this;
    return approvals && store && { store, decide: (id, approver, verdict, reason) => approvals.decide(id, approver, verdict, reason) };
  }

  /** The held tool definitions and their approval, for the admin API; undefined when pinning is off (opened by `start`). */
  get definitionReview(): DefinitionReview | undefined {
    const store = this.pinStore;
    return (
      store && {
        held: (server) => heldChanges(store, server),
        approve: async (server, tool, by) => {
          const approved = await approveHeld(store, (entry) => this.audit.pinEvent(entry), by, server, tool);
          // This replica serves the tool at once; others within their poll.
          await this.pinning?.recheckHeld();
          return approved;
        },
      }
    );
  }

  /** The audit log, for reading it back (admin API, tests); undefined when it is off. */
  get auditLog(): AuditSink | undefined {
    return this.audit.entries;
  }

  /** Which grant a request's `Authorization` header proves, if any. */
  authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    return this.verify({ bearer: authorization });
  }

  /** The grant a trusted local process names (stdio). */
  named(label: string): Promise<AuthOutcome> {
    return this.verify({ named: label });
  }

  private verify(credential: Credential): Promise<AuthOutcome> {
    if (!this.authenticator) return Promise.resolve({ kind: 'rejected', description: 'the gateway is starting' });
    return 'bearer' in credential ? this.authenticator.authenticate(credential.bearer) : this.authenticator.named(credential.named);
  }

  /** The route for `/mcp/<server>`, or for `/mcp` when `server` is undefined. */
  route(server?: string): Route | undefined {
    return this.routes.get(server);
  }

  /**
   * Opens a legacy session for an `initialize` request (throws `SessionsFull` at a bound). The answer names the
   * upstream's own identity on a single-server route, and the gateway's on the aggregate.
   */
  async openSession(
    route: Route,
    caller: Caller,
    credential: Credential,
    params: Params,
    id?: string,
  ): Promise<{ session: Session; result: Record<string, unknown> }> {
    const requested = params.protocolVersion;
    const protocolVersion = typeof requested === 'string' && LEGACY_VERSIONS.includes(requested) ? requested : LATEST_LEGACY_VERSION;
    await this.settled(route, 'legacy');
    const session = new Session(route, caller, 'legacy', protocolVersion, objectOr(params.capabilities), params.clientInfo as Record<string, unknown> | undefined, id);
    session.credential = credential;
    this.sessions.add(session);
    try {
      await this.shared?.opened(session);
    } catch (error) {
      this.closeSession(session);
      throw error;
    }
    return { session, result: { protocolVersion, ...describe(route, 'legacy') } };
  }

  /**
   * The legacy session a request names, if it exists on this route and belongs to the caller's grant: this
   * replica's, or, when the fleet shares sessions, a copy of one another replica opened.
   */
  async findSession(id: string, route: Route, caller: Caller): Promise<Session | undefined> {
    const session = this.sessions.get(id);
    if (session) return session.route === route && session.caller.id === caller.id && session.era === 'legacy' ? session : undefined;
    return this.shared?.find(id, route, caller);
  }

  /** The GET stream of a session is open here: what other replicas have for the client comes to it (returns the undo). */
  streamOpened(session: Session, stream: Outbound): () => void {
    return this.shared?.streamOpened(session, stream) ?? (() => {});
  }

  /** A client's answer to a server's request: taken here, or by the replica that asked. */
  answer(session: Session, response: JSONRPCResponse): void {
    if (!session.answer(response)) this.shared?.answerElsewhere(session, response);
  }

  /**
   * The one-request session a 2026-07-28 request runs in, from its `_meta` envelope, or the error to answer when
   * it asks for a version the gateway does not speak.
   */
  statelessSession(route: Route, caller: Caller, credential: Credential, request: JSONRPCRequest): Session | JSONRPCResponse {
    const meta = objectOr(paramsOf(request)._meta);
    const version = meta[PROTOCOL_VERSION_META_KEY];
    for (const key of [PROTOCOL_VERSION_META_KEY, CLIENT_CAPABILITIES_META_KEY]) {
      if (meta[key] === undefined) return errorResponse(request.id, ErrorCode.InvalidParams, `a ${LATEST_MODERN_VERSION} request carries ${key} in params._meta`);
    }
    if (!isModernVersion(version)) {
      return unsupportedVersion(request.id, version);
    }
    const session = new Session(route, caller, 'modern', version, objectOr(meta[CLIENT_CAPABILITIES_META_KEY]), meta[CLIENT_INFO_META_KEY] as Record<string, unknown> | undefined, STATELESS);
    session.credential = credential;
    if (isLogLevel(meta[LOG_LEVEL_META_KEY])) session.logLevel = meta[LOG_LEVEL_META_KEY];
    return session;
  }

  /** The handshake answers carry the upstreams' capabilities, so a (re)starting upstream is given its moment. */
  private async settled(route: Route, era: Era = 'modern'): Promise<void> {
    await Promise.allSettled(route.upstreams.map((u) => u.whenReady(undefined, era)));
  }

  /** Handles one request from a client and returns the response to send it (with the client's id). */
  async handle(session: Session, request: JSONRPCRequest, channel: CallChannel = {}): Promise<JSONRPCResponse> {
    session.lastSeen = Date.now();
    if (session.era === 'legacy') this.shared?.touched(session);
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
      if ('result' in response) shapeResult(request.method, response.result as Record<string, unknown>, session);
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

  /** Parses a request into the call it is (which server, which name) and runs it: locally, or through the pipeline. */
  private async dispatch(session: Session, request: JSONRPCRequest, channel: CallChannel): Promise<JSONRPCResponse> {
    const { method } = request;
    const params = paramsOf(request);
    const route = session.route;
    const listKind = LIST_KIND.get(method);
    if (listKind) {
      const unpoliced = new Map<string, number>();
      const keep = (server: string, item: Item) => {
        if (this.admission.listed(session, server, listKind, item)) return !(listKind === 'tools' && this.pinning?.hides(server, String(item.name)));
        if (listKind === 'tools' && this.admission.unpoliced(session, server)) unpoliced.set(server, (unpoliced.get(server) ?? 0) + 1);
        return false;
      };
      const page = await route.list(listKind, typeof params.cursor === 'string' ? params.cursor : undefined, keep, session.reachable);
      for (const [server, tools] of unpoliced) this.hiddenTools.hidden(server, tools);
      return resultResponse(request.id, { [listKind]: page.items, ...(page.nextCursor && { nextCursor: page.nextCursor }) });
    }
    const call = { session, method, params, channel, known: false };
    switch (method) {
      case 'ping':
        return resultResponse(request.id, {});
      case 'server/discover':
        await this.settled(route);
        return resultResponse(request.id, discoverResult(route));
      case 'initialize':
        return errorResponse(request.id, ErrorCode.InvalidRequest, 'initialize may only be sent once, to open a session');
      case 'logging/setLevel':
        return this.setLogLevel(session, request, params, channel);
      case 'subscriptions/listen':
        return this.subscriptions.listen(session, request, params, channel);
      case 'tools/call':
      case 'prompts/get': {
        if (typeof params.name !== 'string') return errorResponse(request.id, ErrorCode.InvalidParams, `${method} needs a name (a string)`);
        const requested = params.name;
        const kind = method === 'tools/call' ? 'tools' : 'prompts';
        const target = await route.resolve(kind, requested, session.reachable);
        if (!target && kind === 'prompts') {
          // Prompts are governed by method, not by name: one no server lists is for the server to answer.
          if (route.aggregated) return errorResponse(request.id, ErrorCode.InvalidParams, `unknown prompt ${JSON.stringify(requested)}`);
          return this.forward({ ...call, upstream: route.upstreams[0]!, name: requested, requested });
        }
        if (!target && route.aggregated) return this.forward({ ...call, name: requested, requested, refusal: unknownTool(requested) });
        if (!target) return this.forward({ ...call, upstream: route.upstreams[0]!, name: requested, requested, unlisted: unknownTool(requested) });
        const forwarded = target.name === requested ? params : { ...params, name: target.name };
        return this.forward({ ...call, upstream: target.upstream, name: target.name, requested, known: target.known, params: forwarded });
      }
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const uri = params.uri;
        const upstream = typeof uri === 'string' ? await route.resolveUri(uri) : undefined;
        if (!upstream) return errorResponse(request.id, ErrorCode.InvalidParams, `no server offers resource ${JSON.stringify(uri)}`);
        if (method === 'resources/read') return this.forward({ ...call, upstream, name: uri as string });
        return this.subscribe(session, upstream, method, uri as string, channel);
      }
      case 'completion/complete': {
        const ref = (params.ref ?? {}) as Params;
        if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
          const target = await route.resolve('prompts', ref.name, session.reachable);
          // As for prompts/get: a prompt one server does not list is for that server to answer.
          if (!target && !route.aggregated) return this.forward({ ...call, upstream: route.upstreams[0]!, name: ref.name });
          if (!target) return errorResponse(request.id, ErrorCode.InvalidParams, `unknown prompt ${JSON.stringify(ref.name)}`);
          return this.forward({ ...call, upstream: target.upstream, name: target.name, known: target.known, params: { ...params, ref: { ...ref, name: target.name } } });
        }
        const upstream = typeof ref.uri === 'string' ? await route.resolveUri(ref.uri) : undefined;
        if (!upstream) return errorResponse(request.id, ErrorCode.InvalidParams, `cannot tell which server completes ${JSON.stringify(ref)}`);
        return this.forward({ ...call, upstream });
      }
      default: {
        // Methods the gateway does not interpret (tasks; extensions a policy names exactly) pass through where there
        // is one server to ask; admission refuses a name that is no MCP method unless the policy names it.
        if (!route.aggregated) return this.forward({ ...call, upstream: route.upstreams[0]! });
        return this.forward({ ...call, refusal: unroutable(method) });
      }
    }
  }

  /** Sends a call through the pipeline to its server. */
  private forward(parsed: ParsedCall): Promise<JSONRPCResponse> {
    const polluting = parsed.refusal ? undefined : pollutingKey(parsed.params?.arguments);
    const call = polluting ? { ...parsed, refusal: pollutingArguments(polluting) } : parsed;
    const { session, params } = call;
    // The grant is part of what a held call is bound to: another grant's retry cannot continue it.
    const binding = `${session.caller.id}\0${call.method}\0${call.name}`;
    const resume =
      session.era === 'modern' && this.held.owns(params?.requestState)
        ? () => this.held.resume(params.requestState as string, binding, params.inputResponses, call.channel.cancellation)
        : undefined;
    return this.pipeline.run(resume ? { ...call, resume } : call, () => this.send(call, binding));
  }

  /**
   * A resource subscription, through the pipeline like any forwarded request; the gateway then counts it across the
   * clients of the shared upstream connection (subscriptions.ts).
   */
  private subscribe(session: Session, upstream: UpstreamConnection, method: string, uri: string, channel: CallChannel): Promise<JSONRPCResponse> {
    return this.pipeline.run({ session, method, upstream, name: uri, known: false, params: { uri }, channel }, () => this.subscriptions.change(session, upstream, method, uri));
  }

  /** The call itself, once admitted and counted; translating how a server asks for input between eras. */
  private async send(call: ParsedCall, binding: string): Promise<JSONRPCResponse> {
    const { session, method, params, channel } = call;
    const upstream = call.upstream!;
    const upstreamEra = upstream.eraFor(session.era);
    const hooks: CallHooks = {
      era: session.era,
      cancellation: channel.cancellation,
      clientCapabilities: session.clientCapabilities,
      logLevel: session.logLevel,
      // Only HTTP carries headers: a stdio call is not made to wait for a lookup it has no use for.
      headers: method === 'tools/call' && upstreamEra === 'modern' && call.known && !isStdioServer(upstream.config) ? await this.paramHeaders(upstream, call.name!, params ?? {}) : undefined,
      onNotification: (notification) => {
        // A shared legacy line logs at the most verbose level any of its clients asked for; each client sees its own.
        if (notification.method === 'notifications/message' && !session.wantsLog(paramsOf(notification).level)) return;
        session.notify(notification, channel.outbound);
      },
      onServerRequest: (serverRequest) => session.ask(serverRequest, channel.outbound),
    };
    const bridged = INPUT_REQUIRED_METHODS.has(method) && session.era !== upstreamEra;
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

  /** The `Mcp-Param-*` headers a 2026-07-28 server checks a call of a tool against, from the tool's definition. */
  private async paramHeaders(upstream: UpstreamConnection, tool: string, params: Params): Promise<Record<string, string> | undefined> {
    const definition = await this.inventory.find(upstream, 'tools', tool).catch(() => undefined);
    return definition && paramHeaders(definition, params.arguments);
  }

  /**
   * The upstream connection is shared, so the level is kept per client and log lines are filtered here; each legacy
   * upstream is asked for the most verbose level any client wants. Each server's policy decides (and the audit log
   * records) whether its part of the request goes through; the level is kept once every server has taken it.
   */
  private async setLogLevel(session: Session, request: JSONRPCRequest, params: Params, channel: CallChannel): Promise<JSONRPCResponse> {
    if (!isLogLevel(params.level)) return errorResponse(request.id, ErrorCode.InvalidParams, `invalid log level ${JSON.stringify(params.level)}`);
    const level = params.level;
    const answers = await Promise.all(
      session.route.upstreams.map((upstream) =>
        this.pipeline.run({ session, method: 'logging/setLevel', upstream, known: false, params, channel }, async () => {
          // A 2026-07-28 upstream has no logging/setLevel: the level rides in each forwarded request's envelope.
          if (upstream.eraFor(session.era) !== 'legacy' || !upstream.infoFor(session.era)?.capabilities.logging) return resultResponse(0, {});
          // The line is shared by the legacy clients it serves: it is asked for the most verbose level among them.
          const sharing = (s: Session) => s !== session && s.logLevel && s.route.includes(upstream.name) && upstream.eraFor(s.era) === 'legacy';
          const levels = [...this.sessions.values()].filter(sharing).map((s) => s.logLevel!);
          const mostVerbose = [...levels, level].sort((a, b) => LOG_LEVELS.indexOf(a) - LOG_LEVELS.indexOf(b))[0]!;
          return upstream.request('logging/setLevel', { level: mostVerbose }, { era: session.era });
        }),
      ),
    );
    const refused = answers.find((answer) => 'error' in answer);
    if (refused) return refused;
    session.logLevel = level;
    if (session.era === 'legacy') this.shared?.logLevelSet(session, level);
    return resultResponse(request.id, {});
  }

  /**
   * Handles a notification from a client (`session` is undefined before a session exists). Only those the protocol
   * defines and that mean something upstream are forwarded, to the servers behind the client's endpoint; the
   * gateway consumes its own (initialized, cancelled) and drops and counts the rest.
   */
  notification(route: Route, session: Session | undefined, notification: JSONRPCNotification): void {
    if (session) session.lastSeen = Date.now();
    const params = paramsOf(notification);
    const { method } = notification;
    if (method === 'notifications/initialized' && session) return;
    if (method === 'notifications/cancelled' && session) {
      if (!this.cancelCall(session, params.requestId as RequestId)) this.shared?.cancelElsewhere(session, params.requestId as RequestId);
      return;
    }
    if (!FORWARDED_NOTIFICATIONS.has(method) || session?.era !== 'legacy') {
      this.metrics.notificationDropped(method);
      return;
    }
    // roots/list_changed: a 2026-07-28 server has no such notification (it asks for roots with each request).
    for (const upstream of route.upstreams) {
      if (upstream.eraFor('legacy') === 'legacy' && session.reachable(upstream.name)) upstream.notify(method, params, 'legacy');
    }
  }

  /** Ends a session, on every replica that serves it, and what the upstreams hold for it. */
  endSession(session: Session): void {
    this.closeSession(session);
    if (session.era === 'legacy') this.shared?.ended(session);
  }

  /** Ends this replica's part of a session: its streams, its calls, its subscriptions. */
  private closeSession(session: Session): void {
    session.close();
    this.sessions.delete(session);
    this.subscriptions.release(session);
    for (const cancellation of this.inFlight.get(session)?.values() ?? []) cancellation.cancel();
  }

  /** Cancels a call the session has in flight here; false when there is none by that id. */
  private cancelCall(session: Session, requestId: RequestId): boolean {
    const call = this.inFlight.get(session)?.get(requestId);
    call?.cancel();
    return call !== undefined;
  }

  // ── traffic from upstreams that no call claims ──

  onNotification(server: string, notification: JSONRPCNotification, era: Era): void {
    const changed = CHANGED_NOTIFICATIONS.get(notification.method);
    if (changed) this.inventory.invalidate(server, changed);
    this.subscriptions.deliver(server, notification, era);
  }

  /**
   * A server request outside any call (a roots refresh, a ping) goes to the legacy client seen most recently among
   * those the line it came on serves.
   */
  async onServerRequest(server: string, request: JSONRPCRequest, era: Era): Promise<ServerRequestAnswer> {
    if (request.method === 'ping') return { result: {} };
    const upstream = this.upstreams.get(server);
    let chosen: Session | undefined;
    for (const session of this.sessions.values()) {
      const served = session.era === 'legacy' && session.route.includes(server) && upstream?.eraFor(session.era) === era;
      if (served && (!chosen || session.lastSeen > chosen.lastSeen)) chosen = session;
    }
    if (!chosen) return { error: { code: ErrorCode.MethodNotFound, message: `no client is connected to answer ${request.method}` } };
    return chosen.ask(request);
  }

  onStateChange(server: string, state: string, detail: string, era: Era | undefined): void {
    if (state === 'down') {
      const stderr = this.serverStderr.take(server);
      this.log.warn({ server, state, ...(stderr.length > 0 && { stderr }) }, `upstream ${server}: ${state} (${detail})${stderr.length > 0 ? `; last lines on stderr: ${stderr.join(' | ')}` : ''}`);
      return;
    }
    this.log.info({ server, state }, `upstream ${server}: ${state} (${detail})`);
    if (state !== 'ready') return;
    const line = `${server}\0${era}`;
    const restarted = this.wasReady.has(line);
    this.wasReady.add(line);
    if (restarted) this.metrics.upstreamRestarted(server);
    const upstream = this.upstreams.get(server);
    if (!upstream) return;
    // A server may come back with other lists, and other definitions, than it had before.
    this.inventory.invalidate(server);
    if (this.pinning) this.reviewTools(upstream);
    if (era === 'modern') this.subscriptions.listenUpstream(upstream);
    else if (restarted) this.subscriptions.renew(upstream);
  }

  onLog(server: string, line: string): void {
    this.serverStderr.add(server, line);
    this.log.debug({ server }, line);
  }
}

/** A tool no server behind the endpoint lists: refused before any policy is asked, and shown like a hidden one. */
function unknownTool(name: string): Denial {
  return { allow: false, message: `no server here lists tool "${name}"`, rule: '(unknown tool)', reason: 'unknown_tool' };
}

/** Arguments that would change the prototype of a server's copy of them: never forwarded, whatever the policy says. */
function pollutingArguments(path: string): Denial {
  return { allow: false, message: `${path} may not be sent: a server that copies the arguments would change an object's prototype`, rule: '(arguments)', reason: 'invalid_argument' };
}

/** A method the aggregate cannot send to one server: no MCP method, or one that names no tool, prompt or resource. */
function unroutable(method: string): Denial {
  return isMcpMethod(method)
    ? { allow: false, message: `Method not found: ${method} is not available on the aggregated endpoint`, rule: '(aggregate)', reason: 'unroutable' }
    : { allow: false, message: `Method not found: ${method} is not an MCP method`, rule: '(unknown method)', reason: 'unknown_method' };
}

/** Stateless sessions are never looked up, so they share one id instead of minting a UUID per request. */
const STATELESS = 'stateless';

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
