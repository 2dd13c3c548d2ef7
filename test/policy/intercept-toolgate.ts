import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { MemoryAuditSink } from '../../src/audit/memory-sink.js';
import type { GatewayConfig } from '../../src/config/schema.js';
import { DocumentError, type Problem } from '../../src/documents/errors.js';
import { AuditTrail } from '../../src/gateway/audit-trail.js';
import { Pipeline, type ParsedCall } from '../../src/gateway/pipeline.js';
import { PolicyAdmission } from '../../src/gateway/policy-admission.js';
import { RateLimits } from '../../src/gateway/rate-limits.js';
import type { Session } from '../../src/gateway/session.js';
import { LOCAL_CALLER } from '../../src/grants/authenticator.js';
import { MemoryCounterStore } from '../../src/limits/memory-store.js';
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { StoreFailures } from '../../src/observability/store-failures.js';
import { loadPolicy } from '../../src/policy/policy-file.js';
import { errorResponse, resultResponse, type JSONRPCResponse } from '../../src/protocol/jsonrpc.js';
import type { UpstreamConnection } from '../../src/upstream/connection.js';
import { mirrorAvailable, policyText, type Case, type DecisionCase, type ListingCase, type LoadCase, type Step } from './intercept-corpus.js';

/**
 * Runs corpus cases through Toolgate as a gateway would: the policy file loaded by `loadPolicy` (what `policy check`
 * calls), calls through the real pipeline (the policy admission, the counters in memory, the audit trail), lists
 * through the admission's `listed`. Each case becomes units, each comparing one thing with what Intercept does.
 */

export type UnitKind = 'load' | 'errors' | 'decision' | 'message' | 'rule' | 'listing';

export interface Unit {
  readonly kind: UnitKind;
  readonly label: string;
  readonly expected: string;
  readonly got: string;
  readonly match: boolean;
  /** Compared with what Toolgate deliberately does instead (the case's `toolgate`), not with Intercept. */
  readonly deliberate?: boolean;
}

export interface CaseResult {
  readonly case: Case;
  /** Why the case was not run (Intercept's file is not at hand). */
  readonly skipped?: string;
  readonly units: Unit[];
}

const SERVER = 'srv';
const SESSION = { id: 's1', caller: LOCAL_CALLER, era: 'modern', route: { aggregated: false } } as unknown as Session;
/** Calls are made at this instant unless a step says otherwise: mid-minute, so no calendar window edge is near. */
const BASE_TIME = Date.parse('2025-06-02T12:00:30Z');
/** What Toolgate appends to a rate-limit refusal by design: the time to retry, which Intercept does not give. */
const RETRY_SUFFIX = / (Retry in \d+ s\.|This call is larger than the whole limit and will never pass\.)$/;

export async function runCase(c: Case): Promise<CaseResult> {
  if (c.mirror !== undefined && !mirrorAvailable()) return { case: c, skipped: 'no mirror of Intercept', units: [] };
  const dir = mkdtempSync(join(tmpdir(), 'intercept-case-'));
  try {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, policyText(c));
    const problems = problemsLoading(file);
    if (c.kind === 'load') return { case: c, units: loadUnits(c, problems) };
    if (problems) return { case: c, units: unloadable(c, problems) };
    return { case: c, units: c.kind === 'decision' ? await decisionUnits(c, file) : listingUnits(c, file) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function problemsLoading(file: string): readonly Problem[] | undefined {
  try {
    loadPolicy(file, file);
    return undefined;
  } catch (error) {
    if (error instanceof DocumentError) return error.problems;
    throw error;
  }
}

const describeProblems = (problems: readonly Problem[]) => problems.map((p) => `${p.pointer || '/'}: ${p.message}`).join(' | ');

function loadUnits(c: LoadCase, problems: readonly Problem[] | undefined): Unit[] {
  const got = problems ? 'invalid' : 'valid';
  const detail = problems ? `invalid: ${describeProblems(problems)}` : 'valid';
  if (c.toolgate) return [{ kind: 'load', label: 'verdict', expected: c.toolgate, got: detail, match: got === c.toolgate, deliberate: true }];
  const expected = c.intercept === 'valid' ? 'valid' : `invalid: ${c.intercept.invalid.map((e) => `${e.path || '/'}: ${e.gist}`).join(' | ')}`;
  const units: Unit[] = [{ kind: 'load', label: 'verdict', expected, got: detail, match: (c.intercept === 'valid') === !problems }];
  if (c.intercept !== 'valid' && problems) {
    // Intercept names the rule, condition or state block; Toolgate may point inside it, never elsewhere.
    const uncovered = c.intercept.invalid.filter((e) => !problems.some((p) => e.path === '' || p.pointer === e.path || p.pointer.startsWith(`${e.path}/`)));
    units.push({ kind: 'errors', label: 'every error located', expected, got: detail, match: uncovered.length === 0 });
  }
  return units;
}

/** A policy Toolgate does not load decides nothing: every unit of the case differs from Intercept. */
function unloadable(c: Exclude<Case, { kind: 'load' }>, problems: readonly Problem[]): Unit[] {
  const got = `policy does not load: ${describeProblems(problems)}`;
  if (c.kind === 'listing') return [{ kind: 'listing', label: 'tools/list', expected: JSON.stringify(c.toolgate ?? c.intercept), got, match: false, deliberate: c.toolgate !== undefined }];
  return c.calls.map((s, i) => ({ kind: 'decision', label: stepLabel(s, i), expected: s.toolgate?.expect ?? s.expect, got, match: false, deliberate: s.toolgate !== undefined }));
}

function stepLabel(s: Step, i: number): string {
  return `call ${i + 1}: ${s.tool} ${s.args === undefined ? '(no arguments)' : JSON.stringify(s.args)}${s.repeat ? ` ×${s.repeat}` : ''}`;
}

interface Outcome {
  readonly decision: 'allow' | 'deny';
  readonly message?: string;
  /** The rule the audit log records for a denial, by name where it has one (the agent is shown `(not listed)` for unseen tools). */
  readonly rule?: string;
}

async function decisionUnits(c: DecisionCase, file: string): Promise<Unit[]> {
  const log = pino({ level: 'silent' });
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  const failures = new StoreFailures(log, metrics);
  const limits = new RateLimits('closed', failures, metrics);
  limits.open(new MemoryCounterStore());
  const sink = new MemoryAuditSink();
  const audit = new AuditTrail(log, failures, metrics);
  audit.open(sink);
  const admission = new PolicyAdmission({ servers: { [SERVER]: { policy: file } } } as unknown as GatewayConfig, log);
  const pipeline = new Pipeline(admission, limits, audit);
  // Only Date is mocked: the counters' windows follow the steps' times, while timers the audit trail uses stay real.
  mock.timers.enable({ apis: ['Date'], now: BASE_TIME });
  try {
    const units: Unit[] = [];
    for (const [i, s] of c.calls.entries()) {
      if (s.at) mock.timers.setTime(Date.parse(s.at));
      const outcomes: Outcome[] = [];
      for (let n = 0; n < (s.repeat ?? 1); n++) outcomes.push(await call(pipeline, sink, s));
      units.push(...stepUnits(s, stepLabel(s, i), outcomes));
    }
    return units;
  } finally {
    mock.timers.reset();
    admission.close();
    await audit.close();
    await limits.close();
  }
}

async function call(pipeline: Pipeline, sink: MemoryAuditSink, s: Step): Promise<Outcome> {
  const parsed: ParsedCall = {
    session: SESSION,
    method: 'tools/call',
    upstream: { name: SERVER } as UpstreamConnection,
    name: s.tool,
    requested: s.tool,
    known: true,
    params: { name: s.tool, ...(s.args !== undefined && { arguments: s.args }) },
    channel: {},
  };
  let forwarded = false;
  const response = await pipeline.run(parsed, async () => {
    forwarded = true;
    return s.server === 'error' ? errorResponse(0, -32603, 'the server failed') : resultResponse(0, { content: [{ type: 'text', text: 'done' }] });
  });
  if (forwarded) return { decision: 'allow' };
  const { text, requestId } = denialOf(response);
  return { decision: 'deny', message: text.replace(/^\[POLICY DENIED\] /, '').replace(RETRY_SUFFIX, ''), rule: await auditedRule(sink, requestId) };
}

function denialOf(response: JSONRPCResponse): { text: string; requestId?: string } {
  if ('error' in response) return { text: response.error.message, requestId: (response.error.data as { requestId?: string } | undefined)?.requestId };
  const text = (response.result.content as { text: string }[])[0]!.text;
  const meta = response.result._meta as Record<string, { requestId?: string }> | undefined;
  return { text, requestId: meta?.['toolgate/decision']?.requestId };
}

/**
 * The rule the audit entry names: the policy's name for it where it gives one (a converted Intercept rule's), else
 * its pointer. The entry is appended in a group commit: a few turns of the event loop after the refusal.
 */
async function auditedRule(sink: MemoryAuditSink, requestId: string | undefined): Promise<string | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const entry = sink.entries.find(({ entry: e }) => e.kind === 'decision' && e.requestId === requestId)?.entry;
    if (entry?.kind === 'decision') return entry.ruleName ?? entry.rule;
    await sleep(1);
  }
  return undefined;
}

function stepUnits(s: Step, label: string, outcomes: Outcome[]): Unit[] {
  const describe = (o: Outcome) => (o.decision === 'allow' ? 'allow' : `deny: ${o.message}`);
  // A repeated step is one unit: it holds when every repetition does; the first that does not is shown.
  const first = (ok: (o: Outcome) => boolean) => {
    const k = outcomes.findIndex((o) => !ok(o));
    return k === -1 ? { match: true, got: describe(outcomes[0]!) } : { match: false, got: `${outcomes.length > 1 ? `repetition ${k + 1}: ` : ''}${describe(outcomes[k]!)}` };
  };
  const wanted = s.toolgate ?? s;
  const decided = first((o) => o.decision === wanted.expect);
  const units: Unit[] = [{ kind: 'decision', label, expected: wanted.expect, ...decided, deliberate: s.toolgate !== undefined }];
  if (!decided.match || wanted.expect !== 'deny') return units;
  if (wanted.message !== undefined) {
    units.push({ kind: 'message', label, expected: `deny: ${wanted.message}`, ...first((o) => o.message === wanted.message), deliberate: s.toolgate !== undefined });
  }
  if (s.rule !== undefined && !s.toolgate) {
    const k = outcomes.findIndex((o) => o.rule !== s.rule);
    units.push({ kind: 'rule', label, expected: s.rule, got: outcomes[k === -1 ? 0 : k]!.rule ?? '(none recorded)', match: k === -1 });
  }
  return units;
}

function listingUnits(c: ListingCase, file: string): Unit[] {
  const admission = new PolicyAdmission({ servers: { [SERVER]: { policy: file } } } as unknown as GatewayConfig, pino({ level: 'silent' }));
  try {
    const shown = c.offered.filter((name) => admission.listed(SESSION, SERVER, 'tools', { name }));
    const wanted = c.toolgate ?? c.intercept;
    return [{ kind: 'listing', label: `tools/list of ${JSON.stringify(c.offered)}`, expected: JSON.stringify(wanted), got: JSON.stringify(shown), match: JSON.stringify(shown) === JSON.stringify(wanted), deliberate: c.toolgate !== undefined }];
  } finally {
    admission.close();
  }
}
