import { prepare, runWrk } from './capacity.js';
import { processCpuSeconds } from './cpu.js';
import { rawEcho, summarize, timeSequential } from './latency.js';
import { openSession } from './raw-session.js';
import { Client as pgClient, escapeIdentifier } from 'pg';
import { dropPrefix, freshPrefix, withPrefix } from '../test/support/redis.js';
import { echoServer, REALISTIC_POLICY, TARGETS, toolgateServing, type Running, type Target, type Upstream } from './targets.js';

/**
 * What the guarantees cost (issue #20): the floor, Toolgate with everything allowed and nothing recorded, and the
 * realistic configuration (conditions, two counters, the audit log written ahead) in each durability mode, measured
 * in one run and interleaved round by round, so that the ratios compare like with like on a shared machine. Each
 * row: calls/s at 32 connections (wrk, the legacy session wire), the gateway's CPU per call during that load, and
 * the sequential mean of one client's calls over plain fetch (the same client for every row).
 */

export interface CostPlan {
  rounds: number;
  wrkSeconds: number;
  connections: number;
  sequential: { warmup: number; calls: number };
}

export interface CostRow {
  name: string;
  description: string;
  /** The median over the rounds, then each round's figure. */
  callsPerSecond: number;
  cpuUsPerCall?: number;
  sequentialMeanMs: number;
  rounds: { callsPerSecond: number; cpuUsPerCall?: number; sequentialMeanMs: number }[];
  errors: string[];
}

interface CostTarget {
  name: string;
  description: string;
  start(upstream: Upstream): Promise<Running>;
}

const floor = TARGETS.find((target) => target.name === 'floor') as Target;

/** The realistic policy, with `settings` on top of the configuration (by default the embedded store). */
const realistic = (name: string, description: string, settings: object = {}): CostTarget => ({ name, description, start: (upstream) => toolgateServing(upstream, REALISTIC_POLICY, settings) });

/** The same on the scale-out stores: counters in Redis, the audit log (and grants) in PostgreSQL, each start in a schema and key prefix of its own. */
function scaledOut(name: string, description: string, stores: { postgres: string; redis: string }, settings: object = {}): CostTarget {
  return {
    name,
    description,
    start: async (upstream) => {
      const schema = `toolgate_bench_cost_${process.pid}_${Date.now().toString(36)}`;
      const prefix = freshPrefix();
      const pg = new pgClient({ connectionString: stores.postgres });
      await pg.connect();
      await pg.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
      const sql = new URL(stores.postgres);
      sql.searchParams.set('options', `-c search_path=${schema}`);
      const drop = async () => {
        await pg.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
        await pg.end();
        await dropPrefix(stores.redis, prefix);
      };
      try {
        const running = await toolgateServing(upstream, REALISTIC_POLICY, { store: { sql: sql.toString(), kv: withPrefix(stores.redis, prefix) }, ...settings });
        return { ...running, close: async () => (await running.close(), await drop()) };
      } catch (error) {
        await drop();
        throw error;
      }
    },
  };
}

/** The rows, in the table's order; the scale-out rows only when PostgreSQL and Redis are given. */
export function costTargets(stores?: { postgres: string; redis: string }): CostTarget[] {
  return [
    { name: floor.name, description: floor.description, start: (upstream) => floor.start(upstream) },
    { name: 'allow-all', description: 'toolgate serve, everything allowed, nothing counted or recorded', start: (upstream) => toolgateServing(upstream, { version: '1', default: 'allow' }, { audit: { enabled: false } }) },
    realistic('realistic', 'the realistic policy, counters and audit log in SQLite, durability: process (the default)'),
    realistic('realistic, power', 'the same with durability: power (synced before the call is forwarded)', { durability: 'power' }),
    realistic('realistic, audit off', 'the realistic policy, counters in SQLite, no audit log', { audit: { enabled: false } }),
    ...(stores
      ? [
          scaledOut('realistic, Redis + PostgreSQL', 'the realistic policy, counters in Redis, the audit log in PostgreSQL, durability: process', stores),
          scaledOut('realistic, Redis + PostgreSQL, power', 'the same with durability: power', stores, { durability: 'power' }),
        ]
      : []),
  ];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function measureOnce(target: CostTarget, plan: CostPlan): Promise<CostRow['rounds'][number]> {
  const running = await target.start(echoServer(48));
  try {
    const session = await openSession(running.url!);
    const call = () => rawEcho(session);
    await timeSequential(call, plan.sequential.warmup);
    const sequentialMeanMs = summarize(await timeSequential(call, plan.sequential.calls)).meanMs;
    const prepared = await prepare(running.url!);
    try {
      await runWrk(prepared, plan.connections, 1);
      const cpuBefore = running.pid === undefined ? undefined : processCpuSeconds(running.pid);
      const run = await runWrk(prepared, plan.connections, plan.wrkSeconds);
      if (run.errors > 0) throw new Error(`${run.errors} of ${run.requests} calls failed under load`);
      const cpuUsPerCall = cpuBefore === undefined ? undefined : ((processCpuSeconds(running.pid!) - cpuBefore) * 1e6) / run.requests;
      return { callsPerSecond: run.requestsPerSec, ...(cpuUsPerCall !== undefined && { cpuUsPerCall }), sequentialMeanMs };
    } finally {
      prepared.dispose();
    }
  } finally {
    await running.close();
  }
}

export async function measureCost(plan: CostPlan, stores: { postgres: string; redis: string } | undefined, log: (line: string) => void = () => {}): Promise<CostRow[]> {
  const targets = costTargets(stores);
  const rows: CostRow[] = targets.map(({ name, description }) => ({ name, description, callsPerSecond: NaN, sequentialMeanMs: NaN, rounds: [], errors: [] }));
  for (let round = 0; round < plan.rounds; round++) {
    // Each round starts one target later, so that none always runs first.
    for (let i = 0; i < targets.length; i++) {
      const index = (i + round) % targets.length;
      const target = targets[index]!;
      try {
        const figures = await measureOnce(target, plan);
        rows[index]!.rounds.push(figures);
        log(`cost round ${round + 1}: ${target.name}: ${Math.round(figures.callsPerSecond)} calls/s, ${figures.cpuUsPerCall?.toFixed(0) ?? '–'} µs CPU/call, ${figures.sequentialMeanMs.toFixed(3)} ms sequential`);
      } catch (error) {
        rows[index]!.errors.push(`round ${round + 1}: ${(error as Error).message}`);
      }
    }
  }
  for (const row of rows) {
    if (row.rounds.length === 0) continue;
    row.callsPerSecond = median(row.rounds.map((r) => r.callsPerSecond));
    const cpu = row.rounds.flatMap((r) => (r.cpuUsPerCall === undefined ? [] : [r.cpuUsPerCall]));
    if (cpu.length > 0) row.cpuUsPerCall = median(cpu);
    row.sequentialMeanMs = median(row.rounds.map((r) => r.sequentialMeanMs));
  }
  return rows;
}

/** The table and the ratios the issue's targets are stated in. */
export function renderCost(rows: readonly CostRow[]): string {
  const by = (name: string) => rows.find((row) => row.name === name);
  const floorRow = by('floor');
  const allowAll = by('allow-all');
  const lines = [
    '| configuration | calls/s @32 | of the floor | of allow-all | CPU µs per call | vs allow-all | sequential mean ms | above the floor |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) ? '–' : `${((a / b) * 100).toFixed(0)}%`);
  const times = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '–' : `${(a / b).toFixed(2)}×`);
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${Number.isFinite(row.callsPerSecond) ? Math.round(row.callsPerSecond).toLocaleString('en') : '–'} | ${ratio(row.callsPerSecond, floorRow?.callsPerSecond)} | ${ratio(row.callsPerSecond, allowAll?.callsPerSecond)} | ${row.cpuUsPerCall?.toFixed(0) ?? '–'} | ${times(row.cpuUsPerCall, allowAll?.cpuUsPerCall)} | ${row.sequentialMeanMs.toFixed(3)} | ${floorRow ? `${(row.sequentialMeanMs - floorRow.sequentialMeanMs >= 0 ? '+' : '')}${(row.sequentialMeanMs - floorRow.sequentialMeanMs).toFixed(3)}` : '–'} |`,
    );
  }
  return lines.join('\n');
}
