import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Span, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { AuditDecision, AuditStatus } from '../audit/audit-record.js';
import type { GatewayConfig } from '../config/schema.js';
import type { CallSpan, CallTracer, TracedCall } from './call-tracer.js';

/** The configuration's `tracing` section. */
export type TracingConfig = NonNullable<GatewayConfig['tracing']>;

/** A W3C `traceparent` in the request's `_meta` (how MCP carries trace context) makes the call's span its child. */
const META_GETTER: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (typeof carrier[key] === 'string' ? carrier[key] : undefined),
};

/**
 * OpenTelemetry traces: a span per call, named `<method> <tool>`, with the decision, the rule and how the call
 * ended as attributes, exported in batches over OTLP/HTTP. Its own provider, not the global one: the gateway does
 * not change what other code in the process traces. Loaded only when the configuration turns tracing on.
 */
export class OtlpCallTracer implements CallTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(config: TracingConfig, version: string) {
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.service_name, 'service.version': version }),
      // An agent's sampled traceparent does not force a span: the ratio holds for remote parents too.
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.sample_ratio), remoteParentSampled: new TraceIdRatioBasedSampler(config.sample_ratio) }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.otlp_endpoint, headers: { ...config.headers } }))],
    });
    this.tracer = this.provider.getTracer('toolgate', version);
  }

  start(call: TracedCall): CallSpan {
    const parent = call.meta ? this.propagator.extract(ROOT_CONTEXT, call.meta, META_GETTER) : ROOT_CONTEXT;
    // Tool and prompt names come from the catalogue; a resource URI (unbounded, maybe personal) stays out of the span.
    const named = call.name !== undefined && (call.method === 'tools/call' || call.method === 'prompts/get');
    const span = this.tracer.startSpan(
      named ? `${call.method} ${call.name}` : call.method,
      {
        kind: SpanKind.SERVER,
        startTime: call.time,
        attributes: {
          'mcp.method.name': call.method,
          ...(named && { [call.method === 'tools/call' ? 'gen_ai.tool.name' : 'gen_ai.prompt.name']: call.name }),
          ...(call.sessionId !== undefined && { 'mcp.session.id': call.sessionId }),
          'toolgate.server': call.server,
          'toolgate.grant': call.grant,
          'toolgate.request_id': call.requestId,
        },
      },
      parent,
    );
    return new OtlpCallSpan(span);
  }

  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}

class OtlpCallSpan implements CallSpan {
  constructor(private readonly span: Span) {}

  decided(decision: AuditDecision, rule: string | undefined): void {
    this.span.setAttributes({ 'toolgate.decision': decision, ...(rule !== undefined && { 'toolgate.rule': rule }) });
  }

  refused(): void {
    this.span.end();
  }

  finished(status: AuditStatus, gatewayMs: number, upstreamMs: number): void {
    this.span.setAttributes({ 'toolgate.status': status, 'toolgate.gateway_ms': gatewayMs, 'toolgate.upstream_ms': upstreamMs });
    if (status === 'upstream_error' || status === 'transport_error') this.span.setStatus({ code: SpanStatusCode.ERROR, message: status });
    this.span.end();
  }
}
