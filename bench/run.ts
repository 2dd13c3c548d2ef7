import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/client';
import { prepare, runWrk, wrkVersion, type Prepared } from './capacity.js';
import { big, echo, listAll, rawEcho, summarize, timeSequential, type Workload } from './latency.js';
import { memoryOf } from './processes.js';
import { openSession, type RawSession, type Wire } from './raw-session.js';
import { measureReplicas } from './replicas.js';
import { fleetSessions, type FleetSessionsResult } from './fleet-sessions.js';
import { measureScaleOut, type ScaleResult } from './scale.js';
import { measureSessions } from './sessions.js';
import { ratios, renderAuditCost, renderNotes, renderRatios, renderReplicas, renderScale, renderSessions, renderTable, type TargetResult } from './table.js';
import { benchAudit } from './audit.js';
import { measureCost, renderCost, type CostRow } from './cost.js';
import { benchAuditPages } from './audit-pages.js';
import { benchCatalogApi } from './catalog-api.js';
import { benchCounters } from './counters.js';
import { benchApprovals } from './approvals.js';
import { benchCatalog } from './catalog.js';
import { benchDecide } from './decide.js';
import { dropPrefix, freshPrefix, testRedis, withPrefix } from '../test/support/redis.js';
import { echoServer, ROOT, TARGETS, toolgate, toolgateSharingRedis, type Running, type Target, type Upstream } from './targets.js';

/**
 * Environment:
 * - BENCH_QUICK=1: the same run, smaller, for development.
 * - BENCH_ONLY=sessions,scale: only the phases named (comma-separated), of
 *     startup   start-up cycles
 *     main      idle memory, latency (echo, fetch, 64 KiB), capacity (legacy session and 2026-07-28 stateless), peak memory
 *     list      tools/list with 1,000 tools
 *     sessions  memory under load: 1,000 legacy sessions each holding a GET stream
 *     scale     scale-out: wrk through a round-robin balancer in front of one and two Toolgate processes
 *     cost      what the guarantees cost: the floor, allow-all and the realistic configuration in each durability mode,
 *               on SQLite and on Redis + PostgreSQL, interleaved round by round (bench/cost.ts; issue #20's ratios)
 *     replicas  the fleet: 1 and 3 replicas behind the balancer with grants, policy, Redis counters, PostgreSQL audit (bench/replicas.ts),
 *               and 50,000 legacy sessions shared by 3 replicas in Redis (bench/fleet-sessions.ts)
 *     policy    decide() alone, on a policy of 1,000 tools (bench/decide.ts)
 *     catalog   the risk classifier alone, on 10,000 tool definitions (bench/catalog.ts)
 *     approvals from a decision to the held call going on, and an idle held call's memory (bench/approvals.ts)
 *     counters  counter reservations per second for each store (bench/counters.ts)
 *     audit     audit records per second, the latency one append adds and its cost, SQLite sink (bench/audit.ts)
 *     auditpages pages of a 1,000,000-entry SQLite audit log: first, deep, filtered (bench/audit-pages.ts)
 *     catalogapi GET /admin/catalog for one server of 10,000 tools (bench/catalog-api.ts)
 *   The results file is then named after the phases, so that it does not replace the day's full run.
 * - BENCH_WRK: another wrk binary (capacity.ts).
 * - TOOLGATE_BENCH_REDIS_URL, TOOLGATE_BENCH_PG_URL: the Redis and PostgreSQL to use (else the tests' ones, else the local defaults).
 */
const QUICK = process.env.BENCH_QUICK === '1';
const PHASES = ['startup', 'main', 'list', 'sessions', 'scale', 'cost', 'replicas', 'policy', 'catalog', 'approvals', 'counters', 'audit', 'auditpages', 'catalogapi'] as const;
type Phase = (typeof PHASES)[number];
const ONLY = parseOnly(process.env.BENCH_ONLY);
const runs = (phase: Phase) => ONLY.includes(phase);

function parseOnly(value: string | undefined): readonly Phase[] {
  if (!value) return PHASES;
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY: unknown phase ${unknown.join(', ')}; the phases are ${PHASES.join(', ')}`);
  return PHASES.filter((phase) => names.includes(phase));
}

const PLAN = {
  startupRounds: QUICK ? 1 : 3,
  rounds: QUICK ? 3 : 5,
  echo: { warmup: QUICK ? 50 : 200, calls: QUICK ? 300 : 2000 },
  big: { warmup: QUICK ? 10 : 50, calls: QUICK ? 60 : 500 },
  list: { warmup: QUICK ? 2 : 5, calls: QUICK ? 6 : 50, tools: 1000 },
  wrkSeconds: QUICK ? 3 : 10,
  connections: [8, 32, 128],
  sessions: { count: QUICK ? 200 : 1000, echo: { warmup: QUICK ? 100 : 1000, calls: QUICK ? 50 : 300 } },
  cost: { rounds: QUICK ? 1 : 3, wrkSeconds: QUICK ? 3 : 8, connections: 32, sequential: { warmup: QUICK ? 100 : 300, calls: QUICK ? 500 : 2000 } },
  scale: { connections: 32, seconds: QUICK ? 3 : 10, warmupS: QUICK ? 1 : 2 },
};
const IDLE_SETTLE_MS = 1000;
const START_TIMEOUT_MS = 60_000;

/** A started target with a connected SDK client. */
interface Live {
  target: Target;
  result: TargetResult;
  running: Running;
  client: Client;
  /** A session opened with plain fetch, for the latency without the SDK client (HTTP targets). */
  raw?: RawSession;
}

/** How a latency measurement calls a target; undefined when the target cannot take part. */
type CallOf = (live: Live) => (() => Promise<void>) | undefined;
const viaSdk =
  (workload: Workload): CallOf =>
  (l) =>
  () =>
    workload(l.client);
const viaFetch: CallOf = (l) => (l.raw ? () => rawEcho(l.raw!) : undefined);

const results: TargetResult[] = TARGETS.map((t) => ({ name: t.name, description: t.description, ...(t.pending && { pending: t.pending }), errors: [] }));
const resultOf = (target: Target) => results.find((r) => r.name === target.name)!;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Round `n` starts one target later than round `n - 1`, so no target always runs first (or last). */
function rotate<T>(items: readonly T[], round: number): T[] {
  const k = round % Math.max(items.length, 1);
  return [...items.slice(k), ...items.slice(0, k)];
}

/** Runs `fn`; a failure is recorded against the target and the bench goes on with the others. */
async function attempt<T>(result: TargetResult, what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    result.errors.push(`${what}: ${message(error)}`);
    log(`${result.name}: ${what} failed: ${message(error)}`);
    return undefined;
  }
}

/** Spawn → first answered tools/call; the endpoint is retried while the process is still starting. */
async function startUntilAnswered(target: Target, upstream: Upstream): Promise<Live & { startupMs: number }> {
  const begin = performance.now();
  const running = await target.start(upstream);
  try {
    for (;;) {
      try {
        const client = await running.connect();
        await echo(client).catch(async (error: unknown) => {
          await client.close();
          throw error;
        });
        return { target, result: resultOf(target), running, client, startupMs: performance.now() - begin };
      } catch (error) {
        if (performance.now() - begin > START_TIMEOUT_MS) throw error;
        await sleep(10);
      }
    }
  } catch (error) {
    await running.close();
    throw error;
  }
}

async function stop(live: Live): Promise<void> {
  await live.client.close().catch(() => {});
  await live.running.close();
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;

function recordStartup(result: TargetResult, ms: number): void {
  const samplesMs = [...(result.startupMs?.samplesMs ?? []), round3(ms)];
  result.startupMs = { medianMs: summarize(samplesMs).p50Ms, samplesMs };
}

/** Start-up cycles of their own, before anything else has warmed the machine's caches for one target only. */
async function measureStartup(targets: readonly Target[]): Promise<void> {
  for (let round = 0; round < PLAN.startupRounds; round++) {
    log(`start-up round ${round + 1}/${PLAN.startupRounds}`);
    for (const target of rotate(targets, round)) {
      await attempt(resultOf(target), 'start-up', async () => {
        const live = await startUntilAnswered(target, echoServer());
        await stop(live);
        recordStartup(live.result, live.startupMs);
      });
    }
  }
}

async function startAll(targets: readonly Target[], upstream: Upstream, onStarted?: (live: Live, startupMs: number) => void): Promise<Live[]> {
  const live: Live[] = [];
  for (const target of targets) {
    const started = await attempt(resultOf(target), 'start', () => startUntilAnswered(target, upstream));
    if (started) {
      live.push(started);
      onStarted?.(started, started.startupMs);
    }
  }
  return live;
}

/**
 * Sequential latency, interleaved: every target gets a warm-up, then the calls are split into rounds and each
 * round visits every target in turn, so drift in the machine's load is shared by all.
 */
async function measureLatency(name: string, live: readonly Live[], callOf: CallOf, plan: { warmup: number; calls: number }): Promise<Map<Live, number[]>> {
  const calls = new Map<Live, () => Promise<void>>();
  for (const l of live) {
    const call = callOf(l);
    if (call) calls.set(l, call);
  }
  const samples = new Map<Live, number[]>();
  for (const [l, call] of calls) {
    if (await attempt(l.result, `${name} warm-up`, () => timeSequential(call, plan.warmup))) samples.set(l, []);
  }
  const perRound = Math.ceil(plan.calls / PLAN.rounds);
  for (let round = 0; round < PLAN.rounds; round++) {
    log(`${name}: round ${round + 1}/${PLAN.rounds}`);
    for (const l of rotate(live, round)) {
      const mine = samples.get(l);
      if (!mine) continue;
      const got = await attempt(l.result, name, () => timeSequential(calls.get(l)!, perRound));
      if (got) mine.push(...got);
      else samples.delete(l);
    }
  }
  return samples;
}

/** One capacity subject: a target on one wire, made ready for wrk. */
interface Loaded {
  live: Live;
  wire: Wire;
  prepared: Prepared;
}

/**
 * Every HTTP target is loaded in a legacy session; a target that speaks 2026-07-28 is also loaded with stateless
 * requests, which is what agents on the current revision send, and which carry more per request to check.
 */
async function measureCapacity(live: readonly Live[], wrk: string | undefined): Promise<void> {
  for (const l of live) if (!l.running.url) l.result.capacity = 'n/a';
  const http = live.filter((l) => l.running.url);
  if (!wrk) {
    log('wrk is not installed: capacity is NOT measured (apt-get install -y wrk)');
    for (const l of http) l.result.capacity = 'no wrk';
    return;
  }
  const loaded: Loaded[] = [];
  for (const l of http) {
    for (const wire of l.target.stateless ? (['session', 'stateless'] as const) : (['session'] as const)) {
      const prepared = await attempt(l.result, `capacity set-up (${wire})`, () => prepare(l.running.url!, wire));
      if (prepared) loaded.push({ live: l, wire, prepared });
    }
  }
  try {
    for (const [i, connections] of PLAN.connections.entries()) {
      for (const { live: l, wire, prepared } of rotate(loaded, i)) {
        log(`capacity: ${l.target.name}${wire === 'stateless' ? ' (stateless)' : ''}, ${connections} connections, ${PLAN.wrkSeconds} s`);
        const run = await attempt(l.result, `wrk @${connections} (${wire})`, () => runWrk(prepared, connections, PLAN.wrkSeconds));
        if (!run) continue;
        if (wire === 'stateless') {
          l.result.statelessCapacity ??= {};
          l.result.statelessCapacity[connections] = run;
        } else {
          if (typeof l.result.capacity !== 'object') l.result.capacity = {};
          l.result.capacity[connections] = run;
        }
      }
    }
  } finally {
    for (const { prepared } of loaded) prepared.dispose();
  }
}

/** The main instances: start-up, idle memory, echo and 64 KiB latency, capacity, peak memory. */
async function mainPhase(targets: readonly Target[], wrk: string | undefined): Promise<void> {
  const live = await startAll(targets, echoServer(), (l, ms) => recordStartup(l.result, ms));
  try {
    await sleep(IDLE_SETTLE_MS);
    for (const l of live) if (l.running.pid) l.result.idleRssMiB = memoryOf(l.running.pid).rssMiB;
    for (const l of live) if (l.running.url) l.raw = await attempt(l.result, 'fetch session', () => openSession(l.running.url!));
    for (const [l, samples] of await measureLatency('echo', live, viaSdk(echo), PLAN.echo)) l.result.echo = summarize(samples);
    for (const [l, samples] of await measureLatency('echo over fetch', live, viaFetch, PLAN.echo)) l.result.echoFetch = summarize(samples);
    for (const [l, samples] of await measureLatency('64 KiB result', live, viaSdk(big), PLAN.big)) l.result.big = summarize(samples);
    await measureCapacity(live, wrk);
    for (const l of live) if (l.running.pid) l.result.peakRssMiB = memoryOf(l.running.pid).peakMiB;
  } finally {
    for (const l of live) await stop(l);
  }
}

/** Fresh instances in front of a 1,000-tool server, so the big inventory does not colour the other figures. */
async function listPhase(targets: readonly Target[]): Promise<void> {
  // The realistic policy lists 50 tools by design, so it has no full listing to time.
  const live = await startAll(targets.filter((t) => !t.name.startsWith('toolgate+policy')), echoServer(PLAN.list.tools));
  const list = viaSdk(listAll(PLAN.list.tools));
  try {
    const first = new Map<Live, number>();
    for (const l of live) {
      const sample = await attempt(l.result, 'first tools/list', () => timeSequential(list(l)!, 1));
      if (sample) first.set(l, sample[0]!);
    }
    const withFirst = live.filter((l) => first.has(l));
    for (const [l, samples] of await measureLatency('tools/list', withFirst, list, PLAN.list)) {
      l.result.list1000 = { ...summarize(samples), firstMs: round3(first.get(l)!) };
    }
    for (const l of live) if (l.running.pid) l.result.listPeakRssMiB = memoryOf(l.running.pid).peakMiB;
  } finally {
    for (const l of live) await stop(l);
  }
}

/**
 * Memory under load, each target freshly started so that the latency and capacity runs do not colour its
 * memory: idle, then with every session holding its GET stream. A target that spawns a process per session is
 * capped (Target.sessions.cap).
 */
async function sessionsPhase(targets: readonly Target[]): Promise<void> {
  for (const target of targets.filter((t) => t.sessions)) {
    const { cap, why } = target.sessions!;
    const count = Math.min(PLAN.sessions.count, cap ?? Infinity);
    log(`memory under load: ${target.name}, ${count} sessions with GET streams`);
    await attempt(resultOf(target), 'memory under load', async () => {
      const live = await startUntilAnswered(target, echoServer());
      try {
        const plan = { echo: PLAN.sessions.echo, settleMs: IDLE_SETTLE_MS };
        live.result.sessions = await measureSessions(live.running, count, plan, count < PLAN.sessions.count ? why : undefined);
      } finally {
        await stop(live);
      }
    });
  }
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function gitRevision(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    // The working tree may hold uncommitted changes to the gateway: say so next to the figures.
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' (src/ modified)' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const wrk = wrkVersion();
  const startedAt = new Date();
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
    node: process.version,
    wrk: wrk ?? 'not installed',
    loadAverageAtStart: loadavg(),
  };
  const versions = {
    toolgate: gitRevision(),
    'mcp-proxy': packageVersion('mcp-proxy'),
    supergateway: packageVersion('supergateway'),
    '@modelcontextprotocol/client': packageVersion('@modelcontextprotocol/client'),
  };
  const partial = ONLY.length < PHASES.length;
  log(`${QUICK ? 'QUICK run (BENCH_QUICK=1)' : 'full run'}${partial ? ` of ${ONLY.join(', ')} (BENCH_ONLY)` : ''} on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.wrk}`);
  const active = TARGETS.filter((t) => !t.pending);

  if (runs('startup')) await measureStartup(active);
  if (runs('main')) await mainPhase(active, wrk);
  if (runs('list')) await listPhase(active);
  if (runs('sessions')) await sessionsPhase(active);
  const policy = runs('policy') ? benchDecide(QUICK ? 500 : 2_000) : undefined;
  const catalog = runs('catalog') ? benchCatalog(10_000) : undefined;
  const approvals = runs('approvals') ? await benchApprovals() : undefined;
  const redis = runs('counters') || runs('scale') || runs('cost') || runs('replicas') ? await testRedis(process.env.TOOLGATE_BENCH_REDIS_URL ?? process.env.TOOLGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15') : undefined;
  if (redis?.skip) log(`${redis.skip}: the Redis counter store is NOT measured, and scale-out runs with the allow-all gateway`);
  const counterStores = runs('counters') ? await benchCounters(QUICK ? 500 : 2_000, redis?.url) : undefined;
  const audit = runs('audit') ? await benchAudit(QUICK ? 1_000 : 3_000) : undefined;
  const auditPages = runs('auditpages') ? await benchAuditPages(QUICK ? 100_000 : 1_000_000) : undefined;
  const catalogApi = runs('catalogapi') ? await benchCatalogApi(QUICK ? 1_000 : 10_000) : undefined;
  let scale: ScaleResult | undefined;
  if (runs('scale')) {
    // Replicas that share counters are what scale-out means; without Redis the run still shows the balancer's cost.
    const prefix = freshPrefix();
    if (wrk) scale = await measureScaleOut(redis?.url ? toolgateSharingRedis(withPrefix(redis.url, prefix)) : toolgate, PLAN.scale, log);
    else log('wrk is not installed: scale-out is NOT measured');
    if (redis?.url) await dropPrefix(redis.url, prefix);
  }
  const postgres = process.env.TOOLGATE_BENCH_PG_URL ?? process.env.TOOLGATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let cost: CostRow[] | undefined;
  if (runs('cost')) {
    if (!wrk) log('wrk is not installed: the cost of the guarantees is NOT measured');
    else cost = await measureCost(PLAN.cost, redis?.url ? { postgres, redis: redis.url } : undefined, log);
  }
  let replicas: ScaleResult | undefined;
  let sharedSessions: FleetSessionsResult | undefined;
  if (runs('replicas')) {
    if (!wrk) log('wrk is not installed: the replicas are NOT measured');
    else if (!redis?.url) log('the replicas are NOT measured: they count in Redis');
    else replicas = await measureReplicas({ postgres, redis: redis.url }, PLAN.scale, log);
    if (redis?.url) sharedSessions = await fleetSessions(redis.url, QUICK ? 5_000 : 50_000);
  }

  const ratioList = ratios(results, PLAN.connections);
  const name = `${startedAt.toISOString().slice(0, 10)}${QUICK ? '-quick' : ''}${partial ? `-${ONLY.join('+')}` : ''}`;
  const file = join(ROOT, 'bench/results', `${name}.json`);
  const duration = Math.round((Date.now() - startedAt.getTime()) / 1000);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const figures = { startedAt, durationS: duration, quick: QUICK, phases: ONLY, machine: { ...machine, loadAverageAtEnd: loadavg() }, versions, plan: PLAN };
  writeFileSync(file, JSON.stringify({ ...figures, targets: results, ratios: ratioList, ...(scale && { scaleOut: scale }), ...(cost && { cost }), ...(replicas && { replicas }), ...(sharedSessions && { sharedSessions }), ...(policy && { decide: policy }), ...(catalog && { catalog }), ...(approvals && { approvals }), ...(counterStores && { counters: counterStores }), ...(audit && { audit }), ...(auditPages && { auditPages }), ...(catalogApi && { catalogApi }) }, null, 2) + '\n');

  const wrkNote = wrk ? `${wrk}, 1 thread, ${PLAN.wrkSeconds} s per run` : 'wrk NOT installed: capacity not measured';
  const sections: string[][] = [
    [`Toolgate bench${QUICK ? ' (QUICK)' : ''}${partial ? ` of ${ONLY.join(', ')}` : ''}, ${startedAt.toISOString()}, ${duration} s: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${wrkNote}`],
  ];
  if (runs('startup') || runs('main') || runs('list')) {
    sections.push([
      `Upstream: bench/echo-server.ts over stdio. Latency in ms, sequential calls with the SDK v2 client (echo ${PLAN.echo.calls}, 64 KiB ${PLAN.big.calls}, tools/list with ${PLAN.list.tools} extra tools ${PLAN.list.calls});`,
      `fetch p50 = the same echo over plain fetch, without the SDK client. start = spawn to first answered tools/call (median of ${PLAN.startupRounds + 1}).`,
      `Memory = the proxy process's RSS after start-up and its peak (VmHWM), upstream excluded. req/s = wrk, tools/call echo, in one legacy session;`,
      `the (2026-07-28) row posts stateless requests instead (the _meta envelope, MCP-Protocol-Version, Mcp-Method, Mcp-Name). * = run with errors.`,
      '',
      renderTable(results, PLAN.connections),
      '',
      renderRatios(ratioList, PLAN.connections),
      '',
      renderAuditCost(results),
    ]);
  }
  if (runs('sessions')) {
    sections.push([
      `Memory under load: each target freshly started; ${PLAN.sessions.count} legacy sessions (initialize 2025-11-25, notifications/initialized), each holding`,
      `a GET stream. RSS of the proxy process (VmRSS): idle, loaded = with every stream open, peak = VmHWM; other procs = its upstreams.`,
      `echo = sequential tools/call over fetch (${PLAN.sessions.echo.calls}, after ${PLAN.sessions.echo.warmup} untimed), ms, idle and with every stream open.`,
      '',
      renderSessions(results),
    ]);
  }
  if (policy) {
    sections.push([
      `Policy engine: decide() over a policy of ${policy.tools} tools, ${policy.patterns} name patterns and conditions on ${policy.conditioned} (bench/decide.ts), one core:`,
      `${policy.decisionsPerSecond.toLocaleString('en')} decisions/s (${policy.nsPerDecision} ns each; target >= 1,000,000/s), compiled in ${policy.compileMs.toFixed(1)} ms (target < 50 ms).`,
    ]);
  }
  if (catalog) {
    sections.push([
      `Risk classifier: classify() over ${catalog.definitions.toLocaleString('en')} tool definitions of every naming style (bench/catalog.ts), one core:`,
      `${catalog.ms} ms (${catalog.perSecond.toLocaleString('en')} definitions/s; target < 1,000 ms for 10,000).`,
    ]);
  }
  if (approvals) {
    sections.push([
      'Approvals on SQLite, decided from another process at a random moment (bench/approvals.ts):',
      `decision to forward p50 ${approvals.p50Ms} ms, p99 ${approvals.p99Ms} ms (${approvals.decisions} decisions); ${approvals.bytesPerHeld === null ? 'memory not measured (node without --expose-gc)' : `an idle held call costs about ${approvals.bytesPerHeld.toLocaleString('en')} bytes of heap (${approvals.held.toLocaleString('en')} held)`}.`,
    ]);
  }
  if (counterStores) {
    sections.push([
      'Counter stores: a call reserved against two counters over 1,000 grants (bench/counters.ts); targets in counter checks/s: memory >= 1,000,000, SQLite >= 50,000, Redis >= 20,000.',
      ...counterStores.map((r) => `${r.store}: ${r.reservationsPerSecond.toLocaleString('en')} calls/s = ${r.checksPerSecond.toLocaleString('en')} counter checks/s`),
    ]);
  }
  if (audit) {
    sections.push([
      `Audit log, SQLite sink (bench/audit.ts): ${audit.appendsPerSecond.toLocaleString('en')} records/s sustained with 64 calls in flight, a decision and an outcome each (target >= 20,000);`,
      `${(audit.meanAppendMs * 1000).toFixed(0)} µs per append awaited one at a time at low load (what write-ahead adds to a call; target <= 100 µs);`,
      `each record keeps the main thread busy ${audit.busyUsPerRecord.toFixed(1)} µs and costs ${audit.cpuUsPerRecord.toFixed(1)} µs of CPU.`,
    ]);
  }
  if (auditPages) {
    sections.push([
      `Audit pages, SQLite sink of ${auditPages.entries.toLocaleString('en')} entries (bench/audit-pages.ts, filled in ${auditPages.fillS} s), a page of 100, ms (median of 5):`,
      ...auditPages.pages.map(({ page, ms, found }) => `${page}: ${ms} ms (${found} entries)`),
    ]);
  }
  if (catalogApi) {
    sections.push([
      `GET /admin/catalog, one server of ${catalogApi.tools.toLocaleString('en')} tools (bench/catalog-api.ts): first answer ${catalogApi.firstMs} ms, then ${catalogApi.medianMs} ms (median of 5), ${(catalogApi.bytes / 1e6).toFixed(1)} MB.`,
    ]);
  }
  if (scale) {
    sections.push([
      `Scale-out, each replica ${scale.gateway}: 2026-07-28 stateless tools/call echo, wrk ${scale.connections} connections, ${scale.durationS} s per setup after a ${PLAN.scale.warmupS} s warm-up;`,
      `bench/balancer.ts: round-robin node:http, keep-alive. gateway … rest = CPU ms per 1,000 calls (gateways and upstreams summed; rest = the`,
      `machine's other busy time: the kernel's network work not charged to a process, and anything else running).`,
      '',
      renderScale(scale, machine.cores),
    ]);
  }
  if (cost) {
    sections.push([
      `What the guarantees cost (bench/cost.ts): each row freshly started in front of bench/echo-server.ts, wrk ${PLAN.cost.connections} connections ${PLAN.cost.wrkSeconds} s on`,
      `one legacy session, the gateway's CPU (all threads) per call during that run, and ${PLAN.cost.sequential.calls} sequential calls over plain fetch; the median of ${PLAN.cost.rounds} rounds,`,
      'each round starting one row later. Targets (issue #20): realistic >= 60% of the floor and >= 85% of allow-all, CPU <= 1.3x allow-all, sequential within 0.2 ms of the floor.',
      '',
      renderCost(cost),
      ...cost.flatMap((row) => row.errors.map((error) => `${row.name}: ${error}`)),
    ]);
  }
  if (replicas) {
    sections.push([
      `Replicas, each ${replicas.gateway}: 2026-07-28 stateless tools/call echo with a grant's token,`,
      `wrk ${replicas.connections} connections, ${replicas.durationS} s per setup after a ${PLAN.scale.warmupS} s warm-up, through bench/balancer.ts. gateway … rest = CPU ms per`,
      `1,000 calls (postgres and redis-server: every process of each, found by name; rest = the machine's other busy time).`,
      '',
      renderReplicas(replicas, machine.cores),
    ]);
  }
  if (sharedSessions) {
    const s = sharedSessions;
    sections.push([
      `Legacy sessions shared by ${s.replicas} replicas in Redis: ${s.sessions.toLocaleString('en')} opened (${Math.round(s.opensPerSecond)}/s, ${s.openSeconds.toFixed(0)} s), ${s.recordsHeld.toLocaleString('en')} records held,`,
      `${Math.round(s.redisBytesPerSession)} bytes of Redis memory each; ${s.servedElsewhere} of ${s.sampled} sampled sessions served by a replica that did not open them;`,
      `replica RSS ${s.replicaRssMiB.map((mib) => `${mib.toFixed(0)} MiB`).join(', ')} (each holds copies of at most sessions.max).`,
    ]);
  }
  sections.push([renderNotes(results)], [`Raw figures: ${file}`, '']);
  process.stdout.write(sections.map((lines) => lines.join('\n')).join('\n\n'));
}

await main();
