import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { AuditEntry } from '../audit/audit-record.js';
import { MemoryAuditSink } from '../audit/memory-sink.js';
import { LOCAL_CALLER } from '../grants/authenticator.js';
import { MemoryCounterStore } from '../limits/memory-store.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { StoreFailures } from '../observability/store-failures.js';
import type { Decision } from '../policy/decision.js';
import { errorResponse, resultResponse, type JSONRPCResponse } from '../protocol/jsonrpc.js';
import type { UpstreamConnection } from '../upstream/connection.js';
import type { AdmissionRequest, Verdict } from './admission.js';
import { AuditTrail } from './audit-trail.js';
import { Pipeline, type ParsedCall } from './pipeline.js';
import { RateLimits } from './rate-limits.js';
import type { Session } from './session.js';

/**
 * The pipeline on its own: a stand-in admission that answers what the test says, the real counters (in memory) and
 * the real audit trail (into a memory sink), and a forward the test writes. What the e2e tests show through HTTP,
 * pinned here where each stage can be watched.
 */

const log = pino({ level: 'silent' });

class RecordingFailures extends StoreFailures {
  readonly seen: string[] = [];
  override failed(part: Parameters<StoreFailures['failed']>[0], _error: unknown, message: string): void {
    this.seen.push(`${part}: ${message}`);
  }
}

/** A sink whose appends of allowed decisions fail, as a full disk would. */
class FailingSink extends MemoryAuditSink {
  override async append(entry: AuditEntry) {
    if (entry.kind === 'decision' && entry.decision === 'allowed') throw new Error('disk full');
    return super.append(entry);
  }
}

const LIMIT = { pointer: '/tools/t/limits/0', counter: 'calls', windowMs: 60_000, max: 2, scope: 'global', increment: 1 } as const;
const limited: Decision = { kind: 'allow', rule: '/tools/t', limits: [LIMIT], amounts: [1] };
const ALLOW_LIMITED: Verdict = { allow: true, decision: limited, policy: 'p1' };
const ALLOW: Verdict = { allow: true, decision: { kind: 'allow', rule: '/tools/t', limits: [], amounts: [] }, policy: 'p1' };
const OK = resultResponse(0, { content: [{ type: 'text', text: 'done' }] });

function session(aggregated = false): Session {
  return { id: 's1', caller: LOCAL_CALLER, era: 'modern', route: { aggregated } } as unknown as Session;
}

function setup(verdict: Verdict, { sink = new MemoryAuditSink() }: { sink?: MemoryAuditSink } = {}) {
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  const failures = new RecordingFailures(log, metrics);
  const limits = new RateLimits('closed', failures, metrics);
  const store = new MemoryCounterStore();
  limits.open(store);
  const audit = new AuditTrail(log, failures, metrics);
  audit.open(sink);
  const asked: AdmissionRequest[] = [];
  const pipeline = new Pipeline({ admit: (request) => (asked.push(request), verdict), listed: () => true, unpoliced: () => false, policy: () => undefined, policyLoad: () => undefined, reload: () => undefined }, limits, audit);
  /** Each time the call went on to its server. */
  const forwarded: number[] = [];
  const forward = (response: JSONRPCResponse = OK, delayMs = 0) => async () => {
    forwarded.push(Date.now());
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return response;
  };
  const used = async () => (await store.status(Date.now())).reduce((sum, counter) => sum + counter.used, 0);
  /** Outcomes are appended off the response path: a few turns of the event loop. */
  const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
  const entries = () => sink.entries.map(({ entry }) => entry);
  return { pipeline, forward, forwarded, asked, failures, used, settled, entries, close: () => audit.close() };
}

function toolCall(overrides: Partial<ParsedCall> = {}): ParsedCall {
  return {
    session: session(),
    method: 'tools/call',
    upstream: { name: 'srv' } as UpstreamConnection,
    name: 't',
    requested: 't',
    known: true,
    params: { name: 't', arguments: { a: 1 } },
    channel: {},
    ...overrides,
  };
}

const decisionOf = (response: JSONRPCResponse) => {
  if ('error' in response) return response.error.data as Record<string, unknown>;
  return (response.result._meta as Record<string, Record<string, unknown>>)['toolgate/decision']!;
};
const textOf = (response: JSONRPCResponse) =>
  'error' in response ? response.error.message : (response.result.content as { text: string }[])[0]!.text;

test('the admission is asked about the server, method, name and arguments of the parsed call', async () => {
  const t = setup(ALLOW);
  try {
    await t.pipeline.run(toolCall(), t.forward());
    assert.equal(t.asked.length, 1);
    const { session: asked, ...request } = t.asked[0]!;
    assert.deepEqual(request, { server: 'srv', method: 'tools/call', name: 't', arguments: { a: 1 } });
    assert.equal(asked.id, 's1');
  } finally {
    await t.close();
  }
});

test("an outcome's upstream time is the forward's own, and the gateway time is what is left", async () => {
  const t = setup(ALLOW);
  try {
    const started = performance.now();
    await t.pipeline.run(toolCall(), t.forward(OK, 60));
    const wall = performance.now() - started;
    await t.settled();
    const outcome = t.entries().find((e) => e.kind === 'outcome');
    assert.ok(outcome && outcome.kind === 'outcome');
    assert.equal(outcome.status, 'ok');
    assert.ok(outcome.upstreamMs >= 50 && outcome.upstreamMs <= wall + 1, `upstreamMs ${outcome.upstreamMs} within the forward's ${wall} ms`);
    assert.ok(outcome.gatewayMs >= 0 && outcome.gatewayMs < wall - 50 + 1, `gatewayMs ${outcome.gatewayMs} excludes the forward`);
  } finally {
    await t.close();
  }
});

test('a call whose channel was cancelled ends as cancelled, one whose channel was not as ok', async () => {
  const t = setup(ALLOW);
  try {
    await t.pipeline.run(toolCall({ channel: { cancellation: { cancelled: true } as never } }), t.forward());
    await t.pipeline.run(toolCall({ channel: { cancellation: { cancelled: false } as never } }), t.forward());
    await t.pipeline.run(toolCall(), t.forward());
    await t.settled();
    assert.deepEqual(
      t.entries().flatMap((e) => (e.kind === 'outcome' ? [e.status] : [])),
      ['cancelled', 'ok', 'ok'],
    );
  } finally {
    await t.close();
  }
});

test('a counted call that the server answers with a JSON-RPC error gives its count back; a tool result keeps it', async () => {
  const t = setup(ALLOW_LIMITED);
  try {
    await t.pipeline.run(toolCall(), t.forward(errorResponse(0, -32603, 'boom')));
    assert.equal(await t.used(), 0, 'the error gave the count back');
    await t.pipeline.run(toolCall(), t.forward(resultResponse(0, { content: [], isError: true })));
    assert.equal(await t.used(), 1, 'a tool result counts, even one marked isError');
    assert.deepEqual(t.failures.seen, []);
  } finally {
    await t.close();
  }
});

test('a call whose decision cannot be written is refused, gives its count back and reaches no server', async () => {
  const t = setup(ALLOW_LIMITED, { sink: new FailingSink() });
  try {
    const response = await t.pipeline.run(toolCall(), t.forward());
    assert.equal(textOf(response), '[POLICY DENIED] audit log unavailable');
    assert.deepEqual({ ...decisionOf(response), requestId: undefined }, { decision: 'deny', rule: '/tools/t', reason: 'audit_unavailable', requestId: undefined, policy: 'p1' });
    assert.equal(t.forwarded.length, 0);
    assert.equal(await t.used(), 0);
    assert.deepEqual(t.failures.seen, ['audit: audit log unavailable: the call is refused']);
  } finally {
    await t.close();
  }
});

test('a call that counts nothing and cannot be recorded is refused with the rule (audit), and no counter is touched', async () => {
  const t = setup({ allow: true }, { sink: new FailingSink() });
  try {
    const response = await t.pipeline.run(toolCall(), t.forward());
    assert.deepEqual({ ...decisionOf(response), requestId: undefined }, { decision: 'deny', rule: '(audit)', reason: 'audit_unavailable', requestId: undefined });
    // Only the audit failure: nothing was reserved, so there is nothing to give back (and no store to blame).
    assert.deepEqual(t.failures.seen, ['audit: audit log unavailable: the call is refused']);
  } finally {
    await t.close();
  }
});

test('an allowed call that is not counted is forwarded without touching the counters', async () => {
  const t = setup(ALLOW);
  try {
    const response = await t.pipeline.run(toolCall(), t.forward(errorResponse(0, -32603, 'boom')));
    assert.equal('error' in response && response.error.message, 'boom');
    assert.equal(t.forwarded.length, 1);
    assert.deepEqual(t.failures.seen, []);
  } finally {
    await t.close();
  }
});

test('a held call resumes without being forwarded, counted or recorded again', async () => {
  const t = setup(ALLOW_LIMITED);
  try {
    const resumed = resultResponse(0, { content: [{ type: 'text', text: 'resumed' }] });
    const response = await t.pipeline.run(toolCall({ resume: async () => resumed }), t.forward());
    assert.equal(response, resumed);
    assert.equal(t.forwarded.length, 0);
    assert.equal(await t.used(), 0);
    await t.settled();
    assert.deepEqual(t.entries(), []);
  } finally {
    await t.close();
  }
});

test("a name its server does not list is refused with the call's own refusal when the policy allows it, else with the policy's", async () => {
  const unlisted = { allow: false, message: 'Tool "zz" is not permitted by policy', rule: '(not listed)', reason: 'unknown_tool' } as const;
  const allowed = setup(ALLOW);
  const denied = setup({ allow: false, message: 'nope', rule: '/methods/x', reason: 'denied', policy: 'p1' });
  try {
    const a = await allowed.pipeline.run(toolCall({ method: 'prompts/get', name: 'zz', unlisted }), allowed.forward());
    assert.equal(textOf(a), '[POLICY DENIED] Tool "zz" is not permitted by policy');
    assert.equal(decisionOf(a).reason, 'unknown_tool');
    const d = await denied.pipeline.run(toolCall({ method: 'prompts/get', name: 'zz', unlisted }), denied.forward());
    assert.equal(textOf(d), '[POLICY DENIED] nope');
    assert.equal(decisionOf(d).reason, 'denied');
    assert.equal(allowed.forwarded.length + denied.forwarded.length, 0);
  } finally {
    await allowed.close();
    await denied.close();
  }
});

test('a refusal decided before the policy is used as it is, and the policy is not asked', async () => {
  const t = setup(ALLOW);
  try {
    const refusal = { allow: false, message: 'no server lists "x"', rule: '(not listed)', reason: 'unroutable' } as const;
    const response = await t.pipeline.run(toolCall({ method: 'completion/complete', upstream: undefined, refusal }), t.forward());
    assert.equal(t.asked.length, 0);
    assert.ok('error' in response && response.error.code === -32601, 'unroutable is method not found');
    await t.settled();
    assert.deepEqual(t.entries().map((e) => e.kind === 'decision' && [e.server, e.decision]), [['(none)', 'denied']]);
  } finally {
    await t.close();
  }
});

test('a tool the caller is not shown is refused as not listed, under the name the client sent, without the policy', async () => {
  for (const reason of ['hidden', 'default', 'not_granted', 'unknown_tool'] as const) {
    const t = setup({ allow: false, message: `secret detail (${reason})`, rule: '/hide', reason, policy: 'p1' });
    try {
      const response = await t.pipeline.run(toolCall({ name: 't', requested: 'srv__t' }), t.forward());
      assert.equal(textOf(response), '[POLICY DENIED] Tool "srv__t" is not permitted by policy', reason);
      assert.deepEqual({ ...decisionOf(response), requestId: undefined }, { decision: 'deny', rule: '(not listed)', reason: 'not_listed', requestId: undefined }, reason);
      assert.equal('result' in response && response.result.isError, true);
    } finally {
      await t.close();
    }
  }
});

test("a server without a policy shows its refusal on a single server's route and hides it on the aggregate", async () => {
  const noPolicy: Verdict = { allow: false, message: 'server "srv" has no policy', rule: '(no policy)', reason: 'no_policy' };
  const single = setup(noPolicy);
  const aggregate = setup(noPolicy);
  try {
    assert.equal(textOf(await single.pipeline.run(toolCall(), single.forward())), '[POLICY DENIED] server "srv" has no policy');
    assert.equal(textOf(await aggregate.pipeline.run(toolCall({ session: session(true), requested: 'srv__t' }), aggregate.forward())), '[POLICY DENIED] Tool "srv__t" is not permitted by policy');
  } finally {
    await single.close();
    await aggregate.close();
  }
});

test('on the aggregate, a refusal of a tool the caller is shown (a condition) is answered as it is', async () => {
  const t = setup({ allow: false, message: 'Tool "t" requires args.a gt 5', rule: '/tools/t/require/0', reason: 'condition', policy: 'p1' });
  try {
    const response = await t.pipeline.run(toolCall({ session: session(true), requested: 'srv__t' }), t.forward());
    assert.equal(textOf(response), '[POLICY DENIED] Tool "t" requires args.a gt 5');
    assert.equal(decisionOf(response).rule, '/tools/t/require/0');
  } finally {
    await t.close();
  }
});

test('a request without params is admitted with no arguments', async () => {
  const t = setup(ALLOW);
  try {
    await t.pipeline.run(toolCall({ method: 'x-vendor/ping', name: undefined, requested: undefined, params: undefined }), t.forward());
    assert.equal(t.asked[0]!.arguments, undefined);
    assert.equal(t.forwarded.length, 1);
  } finally {
    await t.close();
  }
});

test('a refusal the caller may see carries its rule, reason, policy and retry time; the name falls back to the server name', async () => {
  const t = setup({ allow: false, message: 'slow down', rule: '/tools/t/limits/0', reason: 'rate_limited', policy: 'p1', retryAfterSeconds: 7 });
  try {
    const response = await t.pipeline.run(toolCall({ requested: undefined }), t.forward());
    const decision = decisionOf(response);
    assert.equal(typeof decision.requestId, 'string');
    assert.deepEqual({ ...decision, requestId: undefined }, { decision: 'deny', rule: '/tools/t/limits/0', reason: 'rate_limited', requestId: undefined, policy: 'p1', retryAfterSeconds: 7 });
    await t.settled();
    const recorded = t.entries()[0];
    assert.ok(recorded?.kind === 'decision');
    assert.equal(recorded.requestId, decision.requestId, 'the request id is the audit entry’s');
  } finally {
    await t.close();
  }
  const hidden = setup({ allow: false, message: 'hidden', rule: '/hide', reason: 'hidden' });
  try {
    assert.equal(textOf(await hidden.pipeline.run(toolCall({ requested: undefined, name: 'inner' }), hidden.forward())), '[POLICY DENIED] Tool "inner" is not permitted by policy');
  } finally {
    await hidden.close();
  }
});

test('other methods are refused with a JSON-RPC error: -32600 for an MCP method, -32601 for any other', async () => {
  const t = setup({ allow: false, message: 'prompts/get is not permitted by policy', rule: '/methods/prompts~1get', reason: 'denied', policy: 'p1' });
  try {
    const mcp = await t.pipeline.run(toolCall({ method: 'prompts/get', name: 'greet' }), t.forward());
    assert.ok('error' in mcp);
    assert.equal(mcp.error.code, -32600);
    assert.equal(mcp.error.message, '[POLICY DENIED] prompts/get is not permitted by policy');
    assert.deepEqual({ ...decisionOf(mcp), requestId: undefined }, { decision: 'deny', rule: '/methods/prompts~1get', reason: 'denied', requestId: undefined, policy: 'p1' });
    const other = await t.pipeline.run(toolCall({ method: 'x-vendor/sync', name: undefined }), t.forward());
    assert.ok('error' in other);
    assert.equal(other.error.code, -32601);
  } finally {
    await t.close();
  }
});
