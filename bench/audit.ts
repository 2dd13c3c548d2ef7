import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DecisionEntry, OutcomeEntry } from '../src/audit/audit-record.js';
import { requestId } from '../src/audit/request-id.js';
import { SqliteAuditSink } from '../src/audit/sqlite-sink.js';

/**
 * The SQLite audit sink under the gateway's load: each call appends its decision, awaited (write-ahead), then its
 * outcome, not awaited; both carry one request id, made as the gateway makes them. Measured: records per second
 * sustained with 64 calls in flight (the target is >= 20,000), the mean time one append takes awaited alone
 * at low load (what write-ahead adds to a call; target <= 100 µs), and what each record costs the main thread, busy
 * (event loop utilisation: the time it cannot serve calls) and on the CPU, which bound the gateway's capacity.
 */
export interface AuditBenchResult {
  appendsPerSecond: number;
  meanAppendMs: number;
  /** Main thread busy time per record, in microseconds, with 64 calls in flight. */
  busyUsPerRecord: number;
  /** CPU time of the process (all threads) per record, in microseconds, with 64 calls in flight. */
  cpuUsPerRecord: number;
}

const GRANTS = 1000;

const decision = (i: number, requestId: string): DecisionEntry => ({
  kind: 'decision',
  requestId,
  time: Date.now(),
  grant: { id: `gr_${i % GRANTS}`, label: `agent-${i % GRANTS}` },
  client: { name: 'claude-code', version: '2.0.0' },
  server: 'github',
  method: 'tools/call',
  tool: 'create_issue',
  decision: 'allowed',
  rule: '/tools/create_issue/0',
  policy: 'sha256:1f2e3d4c',
  args: ['body', 'owner', 'repo', 'title'],
});

const outcome = (requestId: string): OutcomeEntry => ({ kind: 'outcome', requestId, time: Date.now(), status: 'ok', gatewayMs: 0.412, upstreamMs: 12.5 });

interface Run {
  records: number;
  elapsedMs: number;
  busyMs: number;
  cpuMs: number;
}

/** Calls as the gateway makes them, `concurrency` at a time, until `durationMs` has passed. */
async function loaded(sink: SqliteAuditSink, durationMs: number, concurrency: number): Promise<Run> {
  let calls = 0;
  const outcomes: Promise<unknown>[] = [];
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const start = performance.now();
  const deadline = start + durationMs;
  const caller = async () => {
    while (performance.now() < deadline) {
      const i = calls++;
      const id = requestId();
      await sink.append(decision(i, id));
      outcomes.push(sink.append(outcome(id)));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  await Promise.all(outcomes);
  const elapsedMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { records: calls * 2, elapsedMs, busyMs: performance.eventLoopUtilization(elu).active, cpuMs: (used.user + used.system) / 1000 };
}

/** One append at a time, each awaited: decision, outcome, decision, … */
async function alone(sink: SqliteAuditSink, durationMs: number): Promise<Run> {
  let records = 0;
  const start = performance.now();
  for (let i = 0; performance.now() < start + durationMs; i++) {
    const id = requestId();
    await sink.append(decision(i, id));
    await sink.append(outcome(id));
    records += 2;
  }
  return { records, elapsedMs: performance.now() - start, busyMs: 0, cpuMs: 0 };
}

export async function benchAudit(durationMs: number): Promise<AuditBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-audit-'));
  const sink = new SqliteAuditSink(join(dir, 'audit.db'));
  try {
    await loaded(sink, Math.min(durationMs / 10, 300), 64); // warm-up
    const busy = await loaded(sink, durationMs, 64);
    const sequential = await alone(sink, Math.min(durationMs, 1_000));
    return {
      appendsPerSecond: Math.round((busy.records / busy.elapsedMs) * 1000),
      meanAppendMs: sequential.elapsedMs / sequential.records,
      busyUsPerRecord: (busy.busyMs * 1000) / busy.records,
      cpuUsPerRecord: (busy.cpuMs * 1000) / busy.records,
    };
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { appendsPerSecond, meanAppendMs, busyUsPerRecord, cpuUsPerRecord } = await benchAudit(3_000);
  console.log(
    `sqlite audit: ${appendsPerSecond.toLocaleString('en')} records/s with 64 calls in flight (a record: main thread busy ${busyUsPerRecord.toFixed(1)} µs, CPU ${cpuUsPerRecord.toFixed(1)} µs); ${(meanAppendMs * 1000).toFixed(0)} µs per append at low load`,
  );
}
