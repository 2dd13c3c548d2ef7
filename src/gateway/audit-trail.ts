import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { AuditDecision, AuditEntry, AuditStatus, PinEntry } from '../audit/audit-record.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { approvalEntry, type ApprovalEvent } from '../approvals/approvals.js';
import { auditArguments } from '../audit/arguments.js';
import { CheckpointSigner } from '../audit/checkpoint.js';
import { readSigningKey } from '../audit/signing-keys.js';
import { DocumentError } from '../documents/errors.js';
import { requestId } from '../audit/request-id.js';
import type { CallSpan, CallTracer } from '../observability/call-tracer.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { StoreFailures } from '../observability/store-failures.js';
import type { JSONRPCResponse } from '../protocol/jsonrpc.js';
import { ErrorCode } from '../protocol/jsonrpc.js';
import type { AuditArgs, Denial, Verdict } from './admission.js';
import type { ParsedCall } from './pipeline.js';
import type { Session } from './session.js';

/** One forwarded-or-refused request, from the moment the gateway took it up. */
export interface AuditedCall {
  readonly requestId: string;
  readonly time: number;
  readonly started: number;
  readonly session: Session;
  readonly server: string;
  readonly method: string;
  readonly name?: string;
  /** The name as a metric label: a name the server does not list could be anything, so it is one value. */
  readonly label?: string;
  readonly args?: unknown;
  /** The request's `params._meta` (a trace parent may ride in it). */
  readonly meta?: Record<string, unknown>;
  /** Its trace span, from its decision on, when tracing is on. */
  span?: CallSpan;
}

const DECISION_OF: Partial<Record<Denial['reason'], AuditDecision>> = {
  hidden: 'hidden',
  not_granted: 'not_granted',
  rate_limited: 'rate_limited',
  store_unavailable: 'unavailable',
  approval_pending: 'pending',
  audit_unavailable: 'unavailable',
};

/**
 * Every decision at the choke point, recorded in the audit log and counted in the metrics. A refusal is recorded as it
 * is answered; an allowed call is recorded durably before it is forwarded (write-ahead: a crash never leaves a
 * forwarded call unrecorded), and its outcome is appended when it ends, off the response path.
 */
export class AuditTrail {
  private sink?: AuditSink;
  private tracer?: CallTracer;
  private readonly timers: NodeJS.Timeout[] = [];
  /** The newest entry this process wrote, and the one last published. */
  private head?: { seq: number; hash: string };
  private published?: number;
  private publishing: Promise<void> = Promise.resolve();
  private signer?: CheckpointSigner;

  constructor(
    private readonly log: Logger,
    private readonly failures: StoreFailures,
    private readonly metrics: GatewayMetrics,
    /** How often the head is published: each minute; tests pass less. */
    private readonly publishEveryMs = MINUTE_MS,
  ) {}

  /**
   * Starts recording into `sink`, with the configuration's `audit` block: with `retain_days`, entries older than
   * that are pruned now and every hour. The chain's head is logged each minute it moved and at close: a copy outside
   * the store, so entries cut from the end show; with `signing_key`, it is first signed into the log as a checkpoint.
   */
  open(sink: AuditSink, { retain_days: retainDays, signing_key: signingKey }: { retain_days?: number; signing_key?: string } = {}): void {
    this.sink = sink;
    if (signingKey !== undefined) this.signer = checkpointSigner(signingKey);
    this.timers.push(setInterval(() => void this.publishHead(), this.publishEveryMs).unref());
    if (retainDays === undefined) return;
    const prune = () => {
      sink.prune(Date.now() - retainDays * DAY_MS).catch((error: unknown) => this.failures.failed('audit', error, 'audit log not pruned'));
    };
    prune();
    this.timers.push(setInterval(prune, HOUR_MS).unref());
  }

  /** Gives every call a trace span from now on. */
  trace(tracer: CallTracer): void {
    this.tracer = tracer;
  }

  /** Where entries go, for reading them back (the admin API); undefined when the log is off. */
  get entries(): AuditSink | undefined {
    return this.sink;
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.publishHead();
    try {
      await this.sink?.close();
    } finally {
      await this.tracer?.close();
    }
  }

  begin({ session, upstream, method, name, known, params }: ParsedCall): AuditedCall {
    return {
      requestId: requestId(),
      time: Date.now(),
      started: performance.now(),
      session,
      server: upstream?.name ?? NO_SERVER,
      method,
      name,
      label: name === undefined || known ? name : UNKNOWN_LABEL,
      args: params?.arguments,
      meta: params?._meta as Record<string, unknown> | undefined,
    };
  }

  /** Records a refusal; a sink that fails is logged (the call is refused either way). */
  async refused(call: AuditedCall, denial: Denial): Promise<void> {
    const decision = DECISION_OF[denial.reason] ?? 'denied';
    this.decided(call, decision, denial.rule);
    call.span?.refused();
    await this.append(call, decision, denial, denial.auditArgs).catch((error: unknown) =>
      this.failures.failed('audit', error, 'audit log unavailable: a refusal is not recorded', { requestId: call.requestId }),
    );
  }

  /** Records an allowed call before it is forwarded: false when that cannot be done, and the call must not go. */
  async allowed(call: AuditedCall, verdict: Extract<Verdict, { allow: true }>): Promise<boolean> {
    let recorded = true;
    try {
      await this.append(call, 'allowed', { rule: verdict.decision?.rule, policy: verdict.policy }, verdict.auditArgs);
    } catch (error) {
      this.failures.failed('audit', error, 'audit log unavailable: the call is refused', { requestId: call.requestId });
      recorded = false;
    }
    this.decided(call, recorded ? 'allowed' : 'unavailable', recorded ? verdict.decision?.rule : '(audit)');
    if (!recorded) call.span?.refused();
    return recorded;
  }

  /** Appends how the call ended; not awaited by the response. */
  finished(call: AuditedCall, response: JSONRPCResponse, cancelled: boolean, upstreamMs: number): void {
    const gatewayMs = Math.max(0, performance.now() - call.started - upstreamMs);
    const status = outcomeOf(response, cancelled);
    this.metrics.finished(call.server, call.method, call.label, status, gatewayMs, upstreamMs);
    call.span?.finished(status, round(gatewayMs), round(upstreamMs));
    if (this.log.isLevelEnabled('debug')) this.log.debug({ requestId: call.requestId, status, gatewayMs: round(gatewayMs), upstreamMs: round(upstreamMs) }, 'call finished');
    if (!this.sink) return;
    const errorCode = 'error' in response ? response.error.code : undefined;
    this.write({ kind: 'outcome', requestId: call.requestId, time: Date.now(), status, ...(errorCode !== undefined && { errorCode }), gatewayMs: round(gatewayMs), upstreamMs: round(upstreamMs) }).catch(
      (error: unknown) => this.failures.failed('audit', error, 'audit log unavailable: an outcome is not recorded', { requestId: call.requestId }),
    );
  }

  /**
   * Records what became of a tool's pinned definition, and logs it. Rejects when the log cannot take it: pinning then
   * refuses the server's calls rather than go on unrecorded.
   */
  async pinEvent(entry: PinEntry): Promise<void> {
    const changes = entry.changes?.length ? ` (${entry.changes.join('; ')})` : '';
    this.log[PIN_LOG_LEVEL[entry.event]]({ server: entry.server, tool: entry.tool, digest: entry.digest }, `tool "${entry.tool}" ${entry.event}${changes}`);
    if (this.sink) await this.write(entry);
  }

  /** Records what became of an approval request, and logs it; rejects when the log cannot take it. */
  async approvalEvent(event: ApprovalEvent): Promise<void> {
    const { request, by } = event;
    const { grant, server, tool } = request.binding;
    this.log.info({ approval: request.id, server, tool, grant: grant.label, by }, `approval ${request.id} ${event.event}${by ? ` by ${by}` : ''}`);
    if (this.sink) await this.write(approvalEntry(event, Date.now()));
  }

  /** Counts a decision, gives it to the call's span, and logs it at debug level with the audit entry's request id. */
  private decided(call: AuditedCall, decision: AuditDecision, rule: string | undefined): void {
    this.metrics.decided(call.server, call.method, call.label, decision);
    if (this.tracer) {
      const { requestId, server, method, name, session, meta, time } = call;
      call.span ??= this.tracer.start({ requestId, server, method, name, grant: session.caller.label, sessionId: session.era === 'legacy' ? session.id : undefined, meta, time });
      call.span.decided(decision, rule);
    }
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug({ requestId: call.requestId, grant: call.session.caller.label, server: call.server, method: call.method, tool: call.name, decision, rule }, 'call decided');
    }
  }

  private async append(
    call: AuditedCall,
    decision: AuditDecision,
    detail: { reason?: string; rule?: string; name?: string; message?: string; policy?: string },
    args: AuditArgs = 'keys',
  ): Promise<void> {
    if (!this.sink) return;
    const { session } = call;
    const client = session.clientInfo && { name: stringOr(session.clientInfo.name), version: stringOr(session.clientInfo.version) };
    await this.write({
      kind: 'decision',
      requestId: call.requestId,
      time: call.time,
      grant: { id: session.caller.id, label: session.caller.label },
      ...(session.era === 'legacy' && { session: session.id }),
      ...(client && { client }),
      server: call.server,
      method: call.method,
      ...(call.name !== undefined && { tool: call.name }),
      decision,
      ...(detail.reason !== undefined && { reason: detail.reason }),
      ...(detail.rule !== undefined && { rule: detail.rule }),
      ...(detail.name !== undefined && { ruleName: detail.name }),
      ...(detail.message !== undefined && { message: detail.message }),
      ...(detail.policy !== undefined && { policy: detail.policy }),
      // Argument values may hold personal data or secrets: the top-level keys only, unless the policy asks for more.
      ...(call.args !== undefined && { args: auditArguments(call.args, args) }),
    });
  }

  private async write(entry: AuditEntry): Promise<void> {
    const { seq, hash } = await this.sink!.append(entry);
    if (!this.head || seq > this.head.seq) {
      this.head = { seq, hash };
      this.metrics.audited(seq);
    }
  }

  /** Publishes the head once any publishing under way is done, so the one at close comes after every entry. */
  private publishHead(): Promise<void> {
    this.publishing = this.publishing.then(async () => {
      if (!this.head || this.head.seq === this.published) return;
      // The checkpoint becomes the head, so the line logged after it covers it too.
      if (this.signer) await this.write(this.signer.checkpoint(this.head, Date.now())).catch((error: unknown) => this.failures.failed('audit', error, 'audit checkpoint not written'));
      this.published = this.head.seq;
      this.log.info({ auditSeq: this.head.seq, auditHash: this.head.hash }, 'audit chain head');
    });
    return this.publishing;
  }
}

/** The signer for `audit.signing_key`; a key that cannot be read or is not Ed25519 is a configuration error. */
function checkpointSigner(file: string): CheckpointSigner {
  try {
    return new CheckpointSigner(readSigningKey(file));
  } catch (error) {
    throw new DocumentError('configuration', [{ pointer: '/audit/signing_key', message: (error as Error).message }]);
  }
}

function outcomeOf(response: JSONRPCResponse, cancelled: boolean): AuditStatus {
  if (cancelled) return 'cancelled';
  if (!('error' in response)) return (response.result as { isError?: unknown } | undefined)?.isError === true ? 'tool_error' : 'ok';
  if (response.error.code === ErrorCode.RequestCancelled) return 'cancelled';
  return response.error.code === ErrorCode.UpstreamUnavailable ? 'transport_error' : 'upstream_error';
}

/** The metric label of every name a server does not list. */
const UNKNOWN_LABEL = '(unknown)';

/** The server named in the record of a call no server could be found for (an unknown tool on the aggregate). */
const NO_SERVER = '(none)';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
const stringOr = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** A held change needs a person; a first pin is every tool at first sight (116 lines for the demo), so only at debug. */
const PIN_LOG_LEVEL = { held: 'warn', accepted: 'info', approved: 'info', pinned: 'debug' } as const satisfies Record<PinEntry['event'], 'warn' | 'info' | 'debug'>;
