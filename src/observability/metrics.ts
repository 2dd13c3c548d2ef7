import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditDecision, AuditStatus } from '../audit/audit-record.js';
import { CLIENT_NOTIFICATIONS, isMcpMethod } from '../protocol/methods.js';
import { RecentActivity } from './recent-activity.js';

/** The parts whose store can fail; a failure is counted whatever the fail mode made of it. */
export type StorePart = 'counters' | 'grants' | 'audit' | 'pins' | 'approvals' | 'sessions';

/** Why a request was turned away before any policy saw it. */
export type AuthRefusal = 'unauthenticated' | 'forbidden' | 'unavailable' | 'sessions_full';

/** A counter whose reservation leaves it at least this full is counted as near its limit. */
export const NEAR_LIMIT = 0.8;

/** What the registry reads from the gateway when it is scraped, rather than being told on every change. */
export interface MetricsSources {
  /** Each upstream and whether it is connected now. */
  upstreams(): Iterable<{ name: string; up: boolean }>;
  /** Open legacy sessions. */
  sessions(): number;
  /** Calls this process holds open for a person's approval. */
  heldForApproval(): number;
}

/** Seconds; a call spends tens of microseconds in the gateway and milliseconds to seconds upstream. */
const GATEWAY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];
const UPSTREAM_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; a person answers in seconds to hours. */
const DECISION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 14_400];

/**
 * The gateway's Prometheus metrics, in a registry of its own (so two gateways in one process do not share series).
 * Labels are the server, method and tool names of the catalogue and the counters named in policies, never a grant or
 * a session: their number grows with use, which would grow every series with it.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** The last hour's tool calls by minute, for the admin API's overview: counted where the calls are. */
  readonly recent = new RecentActivity();
  private readonly calls: Counter<'server' | 'method' | 'tool' | 'decision'>;
  private readonly outcomes: Counter<'server' | 'method' | 'tool' | 'status'>;
  private readonly gatewaySeconds: Histogram<'server' | 'method'>;
  private readonly upstreamSeconds: Histogram<'server' | 'method'>;
  private readonly nearLimit: Counter<'server' | 'counter'>;
  private readonly storeErrors: Counter<'part'>;
  private readonly authRefusals: Counter<'reason'>;
  private readonly restarts: Counter<'server'>;
  private readonly decisionSeconds: Histogram<'server' | 'outcome'>;
  private readonly dropped: Counter<'method'>;
  private readonly auditHead: Gauge;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'toolgate_calls_total',
      help: 'Requests the policy decided on (tools/call, prompts/get, resources/read, …), by server, tool and decision.',
      labelNames: ['server', 'method', 'tool', 'decision'],
      registers,
    });
    this.outcomes = new Counter({
      name: 'toolgate_call_outcomes_total',
      help: 'Forwarded requests by how they ended: ok, tool_error, upstream_error, transport_error, cancelled.',
      labelNames: ['server', 'method', 'tool', 'status'],
      registers,
    });
    this.gatewaySeconds = new Histogram({
      name: 'toolgate_gateway_seconds',
      help: 'Time a forwarded request spent in the gateway (deciding, counting, auditing, relaying), without the upstream.',
      labelNames: ['server', 'method'],
      buckets: GATEWAY_BUCKETS,
      registers,
    });
    this.upstreamSeconds = new Histogram({
      name: 'toolgate_upstream_seconds',
      help: 'Time a forwarded request waited for its upstream.',
      labelNames: ['server', 'method'],
      buckets: UPSTREAM_BUCKETS,
      registers,
    });
    this.nearLimit = new Counter({
      name: 'toolgate_limit_near_total',
      help: `Calls that left a rate-limit or budget counter at ${NEAR_LIMIT * 100}% of its maximum or more (refusals are toolgate_calls_total{decision="rate_limited"}).`,
      labelNames: ['server', 'counter'],
      registers,
    });
    this.storeErrors = new Counter({
      name: 'toolgate_store_errors_total',
      help: 'Failed operations on a store: counters, grants, audit or approvals.',
      labelNames: ['part'],
      registers,
    });
    this.authRefusals = new Counter({
      name: 'toolgate_auth_refusals_total',
      help: 'HTTP requests refused before the policy: no valid credential (401), a server the grant may not reach (403), credentials that could not be checked (503).',
      labelNames: ['reason'],
      registers,
    });
    this.dropped = new Counter({
      name: 'toolgate_notifications_dropped_total',
      help: 'Client notifications the gateway did not forward: not defined by the protocol, or meaning nothing to a server behind it.',
      labelNames: ['method'],
      registers,
    });
    this.restarts = new Counter({ name: 'toolgate_upstream_restarts_total', help: 'Times an upstream came back after it was lost.', labelNames: ['server'], registers });
    new Gauge({
      name: 'toolgate_upstream_up',
      help: 'Whether the upstream is connected (1) or not (0).',
      labelNames: ['server'],
      registers,
      collect() {
        for (const upstream of sources.upstreams()) this.set({ server: upstream.name }, upstream.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'toolgate_sessions',
      help: 'Open legacy (stateful) sessions.',
      registers,
      collect() {
        this.set(sources.sessions());
      },
    });
    new Gauge({
      name: 'toolgate_approvals_held',
      help: 'Calls held open for a person’s approval in this process.',
      registers,
      collect() {
        this.set(sources.heldForApproval());
      },
    });
    this.decisionSeconds = new Histogram({
      name: 'toolgate_approval_decision_seconds',
      help: 'From a held call’s approval request to its end: approved, denied, expired or cancelled.',
      labelNames: ['server', 'outcome'],
      buckets: DECISION_BUCKETS,
      registers,
    });
    this.auditHead = new Gauge({ name: 'toolgate_audit_head_seq', help: 'The seq of the newest audit entry this process wrote (its hash is logged each minute).', registers });
  }

  /** `name` is the tool or prompt (or a resource's URI, which is not a label: URIs are unbounded). */
  decided(server: string, method: string, name: string | undefined, decision: AuditDecision): void {
    const tool = toolLabel(method, name);
    this.calls.inc({ server, method: methodLabel(method), tool, decision });
    if (method === 'tools/call') this.recent.record(server, tool, decision);
  }

  finished(server: string, method: string, name: string | undefined, status: AuditStatus, gatewayMs: number, upstreamMs: number): void {
    const label = methodLabel(method);
    this.outcomes.inc({ server, method: label, tool: toolLabel(method, name), status });
    this.gatewaySeconds.observe({ server, method: label }, gatewayMs / 1000);
    this.upstreamSeconds.observe({ server, method: label }, upstreamMs / 1000);
  }

  counted(server: string, counter: string, used: number, max: number): void {
    if (used >= NEAR_LIMIT * max) this.nearLimit.inc({ server, counter });
  }

  storeFailed(part: StorePart): void {
    this.storeErrors.inc({ part });
  }

  refused(reason: AuthRefusal): void {
    this.authRefusals.inc({ reason });
  }

  notificationDropped(method: string): void {
    this.dropped.inc({ method: CLIENT_NOTIFICATIONS.has(method) ? method : 'other' });
  }

  upstreamRestarted(server: string): void {
    this.restarts.inc({ server });
  }

  approvalSettled(server: string, outcome: string, seconds: number): void {
    this.decisionSeconds.observe({ server, outcome }, seconds);
  }

  audited(seq: number): void {
    this.auditHead.set(seq);
  }

  /** The text exposition format, for `GET /metrics`: this gateway's metrics and the process's. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const both = Registry.merge([this.registry, processMetrics()]);
    return { contentType: both.contentType, body: await both.metrics() };
  }
}

let processRegistry: Registry | undefined;

/** The process's own metrics (CPU, memory, event loop, GC): one set per process, made at the first scrape. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'toolgate_' });
  }
  return processRegistry;
}

/** A client can make methods up: any that is no MCP method is `other`, so no client can add series at will. */
function methodLabel(method: string): string {
  return isMcpMethod(method) ? method : 'other';
}

/**
 * Tool and prompt names come from the catalogue (the caller passes a name no server lists as one value); anything
 * else a call names (a resource URI) could be anything.
 */
function toolLabel(method: string, name: string | undefined): string {
  return name !== undefined && (method === 'tools/call' || method === 'prompts/get') ? name : '';
}
