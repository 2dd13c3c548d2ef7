import type { AuditDecision, AuditStatus } from '../audit/audit-record.js';

/** What a trace knows of a call when it begins. */
export interface TracedCall {
  readonly requestId: string;
  readonly server: string;
  readonly method: string;
  readonly name?: string;
  readonly grant: string;
  readonly sessionId?: string;
  /** The request's `params._meta`, which may carry a W3C `traceparent`. */
  readonly meta?: Record<string, unknown>;
  /** When the gateway took the call up (epoch ms): the span starts then, though it is made at the decision. */
  readonly time: number;
}

/** One call's span: told the decision, then ended by a refusal or by how the forwarded call finished. */
export interface CallSpan {
  decided(decision: AuditDecision, rule: string | undefined): void;
  refused(): void;
  finished(status: AuditStatus, gatewayMs: number, upstreamMs: number): void;
}

/**
 * Traces, when the configuration turns them on (observability/tracing.ts, loaded only then): the gateway's only
 * view of OpenTelemetry, so that with tracing off none of it is loaded or run.
 */
export interface CallTracer {
  start(call: TracedCall): CallSpan;
  close(): Promise<void>;
}
