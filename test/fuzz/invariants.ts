/* eslint-disable @typescript-eslint/no-explicit-any -- what the upstream recorded and the gateway answered is raw JSON */

/**
 * What the fuzz suite holds the gateway to, as data and pure checks: the policy under test, the methods MCP defines,
 * and the verdict on one batch (what was sent, what came back, what reached the upstream, what was audited).
 */

/** The policy the recording upstream runs under: default deny, a hidden tool, a condition, a requirement, a limit. */
export const FUZZ_POLICY = {
  version: '1',
  default: 'deny',
  hide: ['delete_thing'],
  tools: {
    read_thing: {},
    write_thing: { deny_if: [{ path: 'args.mode', op: 'eq', value: 'force' }], limits: [{ counter: 'w', window: 'minute', max: 1_000_000, scope: 'grant' }] },
    refund: { require: [{ path: 'args.amount', op: 'lte', value: 100 }] },
  },
  // A method refused by policy, so refusals outside tools/call are exercised too.
  methods: { 'resources/unsubscribe': 'deny' },
};

/** The tools a client is shown (and may call) under FUZZ_POLICY. */
export const LISTED_TOOLS: ReadonlySet<string> = new Set(['read_thing', 'write_thing', 'refund']);

/**
 * Every method an MCP revision defines (2024-11-05 … 2025-11-25 and 2026-07-28), requests and notifications, either
 * direction. Written out here, apart from the gateway's own lists (src/protocol/methods.ts), so that the check does
 * not agree with the code by construction.
 */
export const MCP_REQUEST_METHODS: ReadonlySet<string> = new Set([
  // client → server
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'server/discover',
  'subscriptions/listen',
  // server → client
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
]);

export const MCP_NOTIFICATION_METHODS: ReadonlySet<string> = new Set([
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'notifications/message',
  'notifications/resources/updated',
  'notifications/resources/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/tasks/status',
  'notifications/elicitation/complete',
  'notifications/subscriptions/acknowledged',
]);

export const isMcpMethod = (method: unknown): boolean => typeof method === 'string' && (MCP_REQUEST_METHODS.has(method) || MCP_NOTIFICATION_METHODS.has(method));

/**
 * The client notifications a gateway passes on: notifications/initialized and notifications/cancelled are the
 * gateway's own business with each upstream (it sends its own: after its handshake, and when a forwarded call is
 * cancelled), roots/list_changed concerns every server behind the endpoint; everything else is dropped.
 */
export const FORWARDED_CLIENT_NOTIFICATIONS: ReadonlySet<string> = new Set(['notifications/roots/list_changed']);

/**
 * Requests the gateway makes of an upstream on its own account: the handshake, the inventory's list fetches, and the
 * unsubscription it sends when the last session subscribed to a URI ends (a stdio `initialize` ends the session
 * before it; a listen stream ends its own).
 */
export const GATEWAY_OWN_REQUESTS: ReadonlySet<string> = new Set(['server/discover', 'initialize', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/unsubscribe']);

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The number a server that coerces its arguments reads (docs/policy.md, "the same value"): a number, true and false
 * as 1 and 0, a plain decimal string as its value; anything else is no number. Written here apart from the gateway's
 * own reader, so the check does not agree with the code by construction.
 */
function asCoercingServerReads(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) return Number(value);
  return undefined;
}

/** Why FUZZ_POLICY forbids this tools/call as the upstream received it (a stable rule, and the detail), or undefined. */
export function forbiddenCall(params: unknown): { rule: string; detail: string } | undefined {
  if (!isObject(params)) return { rule: 'no params object', detail: JSON.stringify(params) };
  const { name, arguments: args } = params;
  if (typeof name !== 'string' || !LISTED_TOOLS.has(name)) return { rule: 'a hidden or unlisted tool', detail: `tool ${JSON.stringify(name)}` };
  if (name === 'write_thing' && isObject(args) && Object.hasOwn(args, 'mode') && args.mode === 'force') return { rule: 'write_thing with mode "force" (deny_if)', detail: JSON.stringify(args) };
  if (name === 'refund') {
    const amount = isObject(args) && Object.hasOwn(args, 'amount') ? args.amount : undefined;
    const read = asCoercingServerReads(amount);
    if (read === undefined || !Number.isFinite(read) || read > 100) return { rule: 'refund without a numeric amount <= 100 (require)', detail: `amount ${JSON.stringify(amount)}` };
  }
  return undefined;
}

/** One message as the fuzzer sent it, with where it went and how it was answered. */
export interface Exchange {
  /** Which wire and endpoint: `legacy /mcp/rec`, `modern /mcp`, `stdio /mcp/rec`, … */
  readonly lane: string;
  /** The body as sent: a JSON value, or raw text when it is not JSON. */
  readonly sent: unknown;
  readonly headers?: Record<string, string>;
  /** The HTTP status (stdio: 200 when answered). */
  status?: number;
  /** The JSON-RPC answers (one, several for a batch, none for a notification). */
  answers: any[];
  /** What went wrong on the client side: a timeout, a reset connection. */
  failure?: string;
}

export interface Violation {
  /** The invariant and the kind of message that broke it: one line, stable across runs, used to group. */
  readonly kind: string;
  readonly exchange?: Exchange;
  /** What the upstream received, when that is the evidence. */
  readonly upstream?: unknown;
  readonly detail?: string;
}

/** An audit entry as the memory sink returns it. */
export interface AuditedDecision {
  readonly requestId: string;
  readonly method: string;
  readonly tool?: string;
  readonly decision: string;
}

export interface Observed {
  readonly exchanges: readonly Exchange[];
  /** Lines the upstream received while the batch ran (after the handshake). */
  readonly upstream: readonly any[];
  /** Every request id the upstream has received so far (the gateway's own cancellations name them). */
  readonly upstreamIds: ReadonlySet<unknown>;
  /** Decision entries appended while the batch ran. */
  readonly audited: readonly AuditedDecision[];
}

/** The JSON-RPC requests (with an id, a string method) in what was sent: a batch's items, or the message itself. */
export function requestsIn(sent: unknown): Record<string, any>[] {
  const items = Array.isArray(sent) ? sent : [sent];
  return items.filter((m): m is Record<string, any> => isObject(m) && typeof m.method === 'string' && 'id' in m && m.id !== null);
}

/** The answer to a request among a batch's answers: matched by id (ids the fuzzer sends in one batch are unique). */
function answerTo(exchange: Exchange, request: Record<string, any>): any {
  if (!Array.isArray(exchange.sent)) return exchange.answers[0];
  return exchange.answers.find((a) => isObject(a) && a.id === request.id);
}

/** The request id a policy denial names (in the tool result's `_meta`, or the error's `data`), or why it has none. */
export function denialOf(answer: any): { requestId?: string } | undefined {
  const resultDecision = isObject(answer?.result?._meta) ? answer.result._meta['toolgate/decision'] : undefined;
  if (isObject(resultDecision) && resultDecision.decision === 'deny') return { requestId: resultDecision.requestId };
  const text = answer?.result?.content?.[0]?.text;
  if (typeof text === 'string' && text.startsWith('[POLICY DENIED]')) return { requestId: undefined };
  const error = answer?.error;
  if (isObject(error) && typeof error.message === 'string' && error.message.startsWith('[POLICY DENIED]')) {
    return { requestId: isObject(error.data) && typeof error.data.requestId === 'string' ? error.data.requestId : undefined };
  }
  return undefined;
}

/** Checks one batch. Every finding names its invariant; none is forgiven. */
export function check(observed: Observed): Violation[] {
  const violations: Violation[] = [];
  const { exchanges, upstream, audited } = observed;
  const auditedIds = new Set(audited.map((a) => a.requestId));
  const auditedCount = (method: string, decision?: string) => audited.filter((a) => a.method === method && (decision === undefined || a.decision === decision)).length;

  // (1) Nothing the policy forbids, and nothing that is not MCP, reaches the upstream.
  const upstreamRequests = new Map<string, number>();
  for (const line of upstream) {
    if (!isObject(line)) {
      violations.push({ kind: 'upstream received a line that is not a JSON-RPC object', upstream: line });
      continue;
    }
    if (typeof line.method !== 'string') {
      violations.push({ kind: 'upstream received a response it never asked for (a client response passed through)', upstream: line });
      continue;
    }
    const isRequest = 'id' in line;
    if (isRequest) upstreamRequests.set(line.method, (upstreamRequests.get(line.method) ?? 0) + 1);
    if (line.method === 'tools/call') {
      const why = forbiddenCall(line.params);
      if (why && isRequest) violations.push({ kind: `upstream received a forbidden tools/call request: ${why.rule}`, upstream: line, detail: why.detail });
      if (!isRequest) violations.push({ kind: 'upstream received a tools/call notification (a client notification passed through)', upstream: line, detail: why ? `policy: ${why.rule}` : 'a call the policy allows, but never as a notification' });
      if (!isRequest) continue;
    }
    if (isRequest && !MCP_REQUEST_METHODS.has(line.method)) {
      violations.push({ kind: `upstream received a request whose method is not an MCP request (${isMcpMethod(line.method) ? 'a notification method with an id' : 'no MCP revision defines it'})`, upstream: line, detail: `method ${JSON.stringify(line.method)}` });
    }
    if (!isRequest && line.method !== 'tools/call') {
      const own = line.method === 'notifications/cancelled' && observed.upstreamIds.has(line.params?.requestId);
      if (!own && !FORWARDED_CLIENT_NOTIFICATIONS.has(line.method)) {
        const what =
          line.method === 'notifications/cancelled'
            ? 'a client notifications/cancelled naming no upstream request'
            : MCP_NOTIFICATION_METHODS.has(line.method)
              ? 'an MCP notification other than roots/list_changed'
              : MCP_REQUEST_METHODS.has(line.method)
                ? 'an MCP request method sent without an id'
                : 'a method no MCP revision defines';
        violations.push({ kind: `upstream received a client notification the gateway must drop: ${what}`, upstream: line, detail: `method ${JSON.stringify(line.method)}` });
      }
    }
  }

  // Every request the upstream received on a client's behalf was audited as allowed.
  for (const [method, count] of upstreamRequests) {
    if (GATEWAY_OWN_REQUESTS.has(method)) continue;
    const recorded = auditedCount(method, 'allowed');
    if (recorded < count) {
      violations.push({
        kind: `a request forwarded upstream has no audit record (${MCP_REQUEST_METHODS.has(method) ? method : 'non-MCP method'})`,
        upstream: upstream.find((l) => isObject(l) && l.method === method && 'id' in l),
        detail: `${count} ${JSON.stringify(method)} request(s) reached the upstream, ${recorded} allowed decision(s) audited`,
      });
    }
  }

  let allowedCalls = 0;
  const refusedNonMcp = new Map<string, { count: number; exchange: Exchange }>();
  for (const exchange of exchanges) {
    // (2) No 5xx, no hang, no reset.
    if (exchange.status !== undefined && exchange.status >= 500) violations.push({ kind: `HTTP ${exchange.status} answer`, exchange });
    if (exchange.failure) violations.push({ kind: `no answer: ${exchange.failure.split(' (')[0]!.replace(/\d+/g, 'N')}`, exchange, detail: exchange.failure });
    for (const request of requestsIn(exchange.sent)) {
      const answer = answerTo(exchange, request);
      if (!isObject(answer)) continue;
      const method = request.method as string;
      // (4) A policy decision is on the record.
      const denial = denialOf(answer);
      if (denial) {
        if (denial.requestId === undefined) violations.push({ kind: `a policy denial of ${method} names no audit request id`, exchange });
        else if (!auditedIds.has(denial.requestId)) violations.push({ kind: `a policy denial of ${method} has no audit record`, exchange, detail: `requestId ${denial.requestId}` });
        continue;
      }
      if (method === 'tools/call' && 'result' in answer) allowedCalls++;
      // A tool the policy does not list is refused as a hidden one is: a policy denial, audited.
      const name = isObject(request.params) ? request.params.name : undefined;
      if (method === 'tools/call' && typeof name === 'string' && !LISTED_TOOLS.has(name.replace(/^rec__/, '')) && 'error' in answer) {
        const code = answer.error?.code;
        const envelopeProblem = typeof answer.error?.message === 'string' && answer.error.message.includes('params._meta');
        if (code === -32602 && !envelopeProblem) violations.push({ kind: 'a tools/call for an unknown tool is answered -32602, not refused by policy (no audit record)', exchange });
      }
      // A method no MCP revision defines is refused with -32601 (and audited), never answered from upstream.
      if (!isMcpMethod(method)) {
        if ('result' in answer) violations.push({ kind: 'a request whose method is not MCP got a result (it was forwarded)', exchange });
        else if (answer.error?.code === -32601) {
          const seen = refusedNonMcp.get(method) ?? { count: 0, exchange };
          seen.count++;
          refusedNonMcp.set(method, seen);
        }
      }
    }
  }
  for (const [method, { count, exchange }] of refusedNonMcp) {
    const recorded = auditedCount(method);
    if (recorded < count) violations.push({ kind: 'a request whose method is not MCP is refused -32601 without an audit record', exchange, detail: `${count} refused, ${recorded} audited` });
  }
  const auditedCalls = auditedCount('tools/call', 'allowed');
  if (auditedCalls < allowedCalls) {
    violations.push({ kind: 'an allowed tools/call answered with a result has no audit record', detail: `${allowedCalls} tools/call results, ${auditedCalls} allowed decisions audited` });
  }
  return violations;
}
