import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DecisionEntry } from '../src/audit/audit-record.js';
import { SqliteAuditSink } from '../src/audit/sqlite-sink.js';

/**
 * The SQLite audit sink: sustained appends per second with 64 in flight (the target is >= 20,000/s), and the
 * mean latency one append adds at low load, awaited one after another.
 */
export interface AuditBenchResult {
  appendsPerSecond: number;
  meanAppendMs: number;
}

const entry = (i: number): DecisionEntry => ({
  kind: 'decision',
  requestId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  time: Date.now(),
  grant: { id: `gr_${i % 1000}`, label: `agent-${i % 1000}` },
  client: { name: 'claude-code', version: '2.0.0' },
  server: 'github',
  method: 'tools/call',
  tool: 'create_issue',
  decision: 'allowed',
  rule: '/tools/create_issue/0',
  policy: 'sha256:1f2e3d4c',
  args: ['body', 'owner', 'repo', 'title'],
});

async function run(sink: SqliteAuditSink, durationMs: number, concurrency: number): Promise<{ done: number; elapsedMs: number }> {
  let done = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) await sink.append(entry(done++));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { done, elapsedMs: performance.now() - start };
}

export async function benchAudit(durationMs: number): Promise<AuditBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-audit-'));
  const sink = new SqliteAuditSink(join(dir, 'audit.db'));
  try {
    const loaded = await run(sink, durationMs, 64);
    const sequential = await run(sink, Math.min(durationMs, 1_000), 1);
    return { appendsPerSecond: Math.round((loaded.done / loaded.elapsedMs) * 1000), meanAppendMs: sequential.elapsedMs / sequential.done };
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { appendsPerSecond, meanAppendMs } = await benchAudit(3_000);
  console.log(`sqlite audit: ${appendsPerSecond.toLocaleString('en')} appends/s with 64 in flight; ${(meanAppendMs * 1000).toFixed(0)} µs per append at low load`);
}
