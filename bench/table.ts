import type { WrkRun } from './capacity.js';
import type { LatencySummary } from './latency.js';
import type { ScaleResult, ScaleRun } from './scale.js';
import { GOALS, type SessionsResult } from './sessions.js';

export type Measured = LatencySummary;

/** Everything measured for one target; a measurement that failed is absent and its reason is in `errors`. */
export interface TargetResult {
  name: string;
  description: string;
  pending?: string;
  startupMs?: { medianMs: number; samplesMs: number[] };
  idleRssMiB?: number;
  peakRssMiB?: number;
  /** The peak of the separate process that served the 1,000-tool listing. */
  listPeakRssMiB?: number;
  echo?: Measured;
  /** The same echo call over plain fetch (no SDK client); HTTP targets only. */
  echoFetch?: Measured;
  big?: Measured;
  list1000?: Measured & { firstMs: number };
  /** By connection count; a string when capacity was not measured (no HTTP, or no wrk). */
  capacity?: Record<number, WrkRun> | string;
  /** The same, with 2026-07-28 stateless requests instead of a legacy session (targets that speak it). */
  statelessCapacity?: Record<number, WrkRun>;
  /** Memory under load: legacy sessions each holding a GET stream. */
  sessions?: SessionsResult;
  errors: string[];
}

/** The row that holds a target's capacity on 2026-07-28 stateless requests, beside its legacy-session row. */
const statelessRowName = (name: string) => `${name} (2026-07-28)`;

/** The rows of the main table: every target, each followed by its stateless capacity row when it has one. */
function rowsOf(results: readonly TargetResult[]): TargetResult[] {
  return results.flatMap((r) =>
    r.statelessCapacity
      ? [r, { name: statelessRowName(r.name), description: `${r.description}, 2026-07-28 stateless requests`, capacity: r.statelessCapacity, errors: [] }]
      : [r],
  );
}

interface Column {
  header: string;
  value(result: TargetResult): number | undefined;
  /** The printed cell, when it says more than the number. */
  cell?(result: TargetResult): string;
}

function capacityColumn(connections: number): Column {
  const run = (r: TargetResult) => (typeof r.capacity === 'object' ? r.capacity[connections] : undefined);
  return {
    header: `req/s@${connections}`,
    value: (r) => run(r)?.requestsPerSec,
    // Why there is no figure (no HTTP, no wrk), or a mark when wrk saw errors.
    cell: (r) => (typeof r.capacity === 'string' ? r.capacity : `${number(run(r)?.requestsPerSec)}${(run(r)?.errors ?? 0) > 0 ? '*' : ''}`),
  };
}

function columns(connectionLevels: readonly number[]): Column[] {
  return [
    { header: 'start ms', value: (r) => r.startupMs?.medianMs },
    { header: 'idle MiB', value: (r) => r.idleRssMiB },
    { header: 'peak MiB', value: (r) => r.peakRssMiB },
    { header: 'echo mean', value: (r) => r.echo?.meanMs },
    { header: 'p50', value: (r) => r.echo?.p50Ms },
    { header: 'p90', value: (r) => r.echo?.p90Ms },
    { header: 'p99', value: (r) => r.echo?.p99Ms },
    { header: 'fetch p50', value: (r) => r.echoFetch?.p50Ms },
    { header: '64K mean', value: (r) => r.big?.meanMs },
    { header: '64K p99', value: (r) => r.big?.p99Ms },
    { header: 'list1k ms', value: (r) => r.list1000?.meanMs },
    ...connectionLevels.map(capacityColumn),
  ];
}

function number(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (value >= 100) return value.toFixed(0);
  return value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** A row of cells, or a target name with one note across the whole row. */
type Row = string[] | { name: string; note: string };

function render(header: string[], rows: Row[]): string {
  const cellRows = rows.filter((row) => Array.isArray(row));
  const widths = header.map((h, i) => Math.max(h.length, ...cellRows.map((row) => row[i]!.length)));
  const line = (row: Row) =>
    Array.isArray(row)
      ? row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
      : `${row.name.padEnd(widths[0]!)}  (${row.note})`;
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** One row per target; latencies in ms, memory in MiB; a `*` marks a wrk run with errors. */
export function renderTable(results: readonly TargetResult[], connectionLevels: readonly number[]): string {
  const cols = columns(connectionLevels);
  const rows = rowsOf(results).map((r) => {
    if (r.pending) return { name: r.name, note: r.pending };
    return [r.name, ...cols.map((c) => c.cell?.(r) ?? number(c.value(r)))];
  });
  return render(['target', ...cols.map((c) => c.header)], rows);
}

/** The comparisons asked for: the gateway against the floor and the direct connection, the peers against it. */
export const COMPARISONS: readonly [string, string][] = [
  ['toolgate', 'floor'],
  ['toolgate', 'direct'],
  [statelessRowName('toolgate'), 'toolgate'],
  [statelessRowName('toolgate, HTTP upstream'), statelessRowName('toolgate')],
  ['toolgate+policy', 'floor'],
  ['toolgate+policy', 'toolgate+policy, no audit'],
  ['mcp-proxy', 'toolgate'],
  ['supergateway', 'toolgate'],
];

export interface Ratio {
  label: string;
  values: Record<string, number | undefined>;
}

export function ratios(results: readonly TargetResult[], connectionLevels: readonly number[]): Ratio[] {
  const byName = new Map(rowsOf(results).map((r) => [r.name, r]));
  return COMPARISONS.flatMap(([top, bottom]) => {
    const a = byName.get(top);
    const b = byName.get(bottom);
    if (!a || !b) return [];
    const values: Record<string, number | undefined> = {};
    for (const column of columns(connectionLevels)) {
      const x = column.value(a);
      const y = column.value(b);
      values[column.header] = x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
    }
    return [{ label: `${top} ÷ ${bottom}`, values }];
  });
}

export function renderRatios(list: readonly Ratio[], connectionLevels: readonly number[]): string {
  const cols = columns(connectionLevels);
  const rows = list.map((r) => [r.label, ...cols.map((c) => (r.values[c.header] === undefined ? '-' : `${r.values[c.header]!.toFixed(2)}x`))]);
  const note = 'Ratios above 1 mean more time or memory, or more requests per second (req/s columns).';
  return `${render(['ratio', ...cols.map((c) => c.header)], rows)}\n${note}`;
}

/** What went wrong in a wrk run, for the notes under a table. */
function wrkErrors(label: string, run: WrkRun): string {
  const s = run.socketErrors;
  return `${label} @${run.connections}: ${run.errors} errors (non-2xx ${run.non2xx}, bad answers ${run.badAnswers}, socket connect/read/write/timeout ${s.connect}/${s.read}/${s.write}/${s.timeout})`;
}

/** What the audit log adds to a call: the realistic policy with it, less the same without it (issue #7's target). */
export function renderAuditCost(results: readonly TargetResult[]): string {
  const audited = results.find((r) => r.name === 'toolgate+policy');
  const unaudited = results.find((r) => r.name === 'toolgate+policy, no audit');
  const added = (pick: (r: TargetResult) => number | undefined) => {
    const [a, b] = [audited && pick(audited), unaudited && pick(unaudited)];
    return a === undefined || b === undefined ? undefined : a - b;
  };
  const mean = added((r) => r.echo?.meanMs);
  const fetchMean = added((r) => r.echoFetch?.meanMs);
  if (mean === undefined) return 'Audit log cost: not measured.';
  const verdict = mean <= 0.1 ? 'met' : 'NOT met';
  return `The audit log adds ${mean.toFixed(3)} ms to the mean echo call with the SDK client${fetchMean === undefined ? '' : ` and ${fetchMean.toFixed(3)} ms over fetch`} (toolgate+policy less the same without audit; target <= 0.1 ms: ${verdict}).`;
}

export function renderNotes(results: readonly TargetResult[]): string {
  const lines: string[] = [];
  for (const r of rowsOf(results)) {
    if (typeof r.capacity === 'object') {
      for (const run of Object.values(r.capacity)) if (run.errors > 0) lines.push(wrkErrors(r.name, run));
    }
    for (const error of r.errors) lines.push(`${r.name}: ${error}`);
  }
  return lines.length === 0 ? 'No errors.' : lines.map((l) => `- ${l}`).join('\n');
}

const MB_PER_MIB = 2 ** 20 / 1e6;

/** How a Toolgate figure stands against the issue's goal, which is in MB. */
function goal(label: string, mib: number, limitMB: number): string {
  const mb = mib * MB_PER_MIB;
  return `${label} ${number(mib)} MiB = ${number(mb)} MB, goal <= ${limitMB} MB: ${mb <= limitMB ? 'met' : `NOT met (over by ${number(mb - limitMB)} MB)`}`;
}

/** Memory under load: one row per target that held the sessions, then caps and Toolgate against its goals. */
export function renderSessions(results: readonly TargetResult[]): string {
  const held = results.filter((r) => r.sessions);
  if (held.length === 0) return 'Memory under load: not measured (see the errors below).';
  const header = ['target', 'sessions', 'idle MiB', 'loaded MiB', 'peak MiB', 'KiB/session', 'other procs', 'their MiB', 'open s', 'streams left', 'echo p50 idle', 'loaded p50', 'loaded p99'];
  const rows = held.map(({ name, sessions: s }) => [
    name,
    String(s!.sessions),
    number(s!.idleRssMiB),
    number(s!.rssMiB),
    number(s!.peakMiB),
    number(s!.perSessionKiB),
    String(s!.others.processes),
    number(s!.others.rssMiB),
    number(s!.openS),
    String(s!.streamsOpen),
    number(s!.echoIdle.p50Ms),
    number(s!.echoLoaded.p50Ms),
    number(s!.echoLoaded.p99Ms),
  ]);
  const lines = [render(header, rows)];
  for (const { name, sessions: s } of held) {
    if (s!.capped) lines.push(`- ${name}: capped at ${s!.sessions} sessions: ${s!.capped} (other procs: ${s!.others.processes}, ${number(s!.others.rssMiB)} MiB).`);
  }
  const toolgate = results.find((r) => r.name === 'toolgate')?.sessions;
  if (toolgate) {
    const short = toolgate.sessions < GOALS.sessions ? ` (this run held ${toolgate.sessions}, not ${GOALS.sessions})` : '';
    lines.push(`- Toolgate: ${goal('idle', toolgate.idleRssMiB, GOALS.idleMB)}; ${goal(`with ${toolgate.sessions} sessions`, toolgate.rssMiB, GOALS.withSessionsMB)}${short}.`);
  }
  return lines.join('\n');
}

const sum = (values: readonly number[]) => values.reduce((total, x) => total + x, 0);

/** Scale-out: the three setups, then the projection their CPU figures support and what they cannot show. */
/**
 * One row per setup: calls/s beside the baseline's, latency, CPU ms per 1,000 calls by part (the shared services'
 * too, when metered), how the gateways split their work, and how busy the machine was.
 */
function scaleTable(runs: readonly ScaleRun[], baseline: { name: string; run?: ScaleRun }): string {
  const services = [...new Set(runs.flatMap((r) => Object.keys(r.cpuMsPer1k.services ?? {})))];
  const header = ['setup', 'calls/s', `vs ${baseline.name}`, 'p50 ms', 'p99 ms', 'gateway', 'upstream', 'balancer', ...services, 'wrk', 'rest', 'gateway split', 'machine busy'];
  const rows = runs.map((r) => {
    const gateways = sum(r.cpuMsPer1k.gateways);
    return [
      r.label,
      `${number(r.run.requestsPerSec)}${r.run.errors > 0 ? '*' : ''}`,
      baseline.run ? `${(r.run.requestsPerSec / baseline.run.run.requestsPerSec).toFixed(2)}x` : '-',
      number(r.run.latencyMs.p50),
      number(r.run.latencyMs.p99),
      number(gateways),
      number(sum(r.cpuMsPer1k.upstreams)),
      r.cpuMsPer1k.balancer === undefined ? '-' : number(r.cpuMsPer1k.balancer),
      ...services.map((name) => number(r.cpuMsPer1k.services?.[name])),
      number(r.cpuMsPer1k.wrk),
      number(r.cpuMsPer1k.rest),
      r.cpuMsPer1k.gateways.map((ms) => `${((100 * ms) / gateways).toFixed(0)}%`).join(' / '),
      `${(r.machineBusy * 100).toFixed(0)}%`,
    ];
  });
  return render(header, rows);
}

export function renderScale(scale: ScaleResult, cores: number): string {
  const direct = scale.runs.find((r) => !r.balanced);
  const lines = [scaleTable(scale.runs, { name: 'direct', run: direct })];
  // The per-call costs come from the least crowded runs: the direct one, and one gateway behind the balancer.
  const balancer = scale.runs.find((r) => r.balanced && r.gateways === 1)?.cpuMsPer1k.balancer;
  if (direct) {
    // CPU ms per 1,000 calls → calls per CPU second: what one core given to that process alone could carry.
    const perCore = (msPer1k: number) => 1e6 / msPer1k;
    const gateway = direct.cpuMsPer1k.gateways[0]!;
    const upstream = direct.cpuMsPer1k.upstreams[0]!;
    const replica = Math.min(perCore(gateway), perCore(upstream));
    lines.push(
      `- On paper, from the least crowded runs: per 1,000 calls a Toolgate process spent ${number(gateway)} ms of CPU (about ${number(perCore(gateway))} calls/s on a`,
      `  core of its own), its upstream ${number(upstream)} ms (about ${number(perCore(upstream))} calls/s)` +
        (balancer === undefined ? '.' : `, this node:http balancer ${number(balancer)} ms (about ${number(perCore(balancer))} calls/s on its one core).`),
      `  2026-07-28 requests need no session from another replica, so N replicas, each with cores of its own, carry about N × ${number(replica)} calls/s`,
      `  as long as the balancing tier, and the shared counter store when replicas share one, keep up` +
        (balancer === undefined ? '.' : `: this one-process balancer would carry about ${(perCore(balancer) / replica).toFixed(1)} replicas' worth.`),
    );
  }
  lines.push(
    `- Caveat: this machine has ${cores} cores, shared by wrk, the balancer, the gateways and their upstreams (machine busy above): the`,
    `  two-replica run shows that the second replica takes its share (gateway split), not the gain it would bring on cores of its own.`,
    `- Not shared between replicas: legacy sessions live in the process that opened them (a balancer must route them by Mcp-Session-Id).`,
    `  Shared, when the replicas run with a Redis store: rate-limit counters, one Lua script per limited call; the counter stores'`,
    `  Redis figure (calls/s from one process) is the bound to set against N replicas' calls/s.`,
  );
  for (const r of scale.runs) if (r.run.errors > 0) lines.push(`- ${wrkErrors(r.label, r.run)}`);
  for (const error of scale.errors) lines.push(`- error: ${error}`);
  return lines.join('\n');
}

/**
 * The fleet run: 1 and 3 replicas on one machine. Its cores are shared by every part, so the second and third
 * replica cannot add cores of their own; what the table can show is where the CPU of a call goes.
 */
export function renderReplicas(replicas: ScaleResult, cores: number): string {
  const one = replicas.runs.find((r) => r.gateways === 1);
  const three = replicas.runs.find((r) => r.gateways === 3);
  const lines = [scaleTable(replicas.runs, { name: '1 replica', run: one })];
  if (one) {
    const perCall = (r: ScaleRun) => sum(r.cpuMsPer1k.gateways) + sum(r.cpuMsPer1k.upstreams) + (r.cpuMsPer1k.balancer ?? 0) + sum(Object.values(r.cpuMsPer1k.services ?? {})) + r.cpuMsPer1k.wrk + r.cpuMsPer1k.rest;
    lines.push(
      `- Why 3 replicas are not 3x here: this machine has ${cores} cores, and every part runs on them: wrk, the balancer, each replica and its`,
      `  upstream, PostgreSQL and Redis. A call costs about ${number(perCall(one))} ms of CPU per 1,000 in all with one replica (machine busy ${(one.machineBusy * 100).toFixed(0)}%),`,
      `  so ${cores} cores carry at most about ${number((cores * 1e6) / perCall(one))} calls/s whatever the number of replicas; more replicas only add their own overhead.`,
      `  On a host of its own a replica carries about ${number(1e6 / sum(one.cpuMsPer1k.gateways))} calls/s per core (1,000,000 / its gateway ms), and N of them N times that, as long`,
      `  as PostgreSQL (the write-ahead audit log, a grant lookup per request) and Redis (one counter script per call) keep up: their columns say what to scale next.`,
    );
  }
  if (three) lines.push(`- The 3 replicas split their work ${three.cpuMsPer1k.gateways.map((ms) => `${((100 * ms) / sum(three.cpuMsPer1k.gateways)).toFixed(0)}%`).join(' / ')}: the balancer spreads the calls evenly.`);
  for (const r of replicas.runs) if (r.run.errors > 0) lines.push(`- ${wrkErrors(r.label, r.run)}`);
  for (const error of replicas.errors) lines.push(`- error: ${error}`);
  return lines.join('\n');
}
