import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AuditEntry } from '../src/audit/audit-record.js';
import type { AuditFilter, AuditPage } from '../src/audit/audit-sink.js';
import { requestId } from '../src/audit/request-id.js';
import { SqliteAuditSink } from '../src/audit/sqlite-sink.js';

/**
 * The console's audit page on a big log: a SQLite sink filled with `entries` (a decision per call, an outcome per
 * allowed one; 5 servers, 200 tools, 1,000 grants, 1% denied, and one tool called only ten times), then pages of 100
 * timed as `GET /admin/audit` asks for them: the newest, one deep in the log (by keyset, `after`), and filtered ones.
 * Target (issue #18): a page of a 1,000,000-entry log without reading it all.
 */
export interface AuditPagesResult {
  entries: number;
  fillS: number;
  /** Milliseconds per page, the median of five. */
  pages: { page: string; ms: number; found: number }[];
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
/** A call every 10 ms: a million entries are about an hour and a half. */
const STEP_MS = 10;
const RARE_EVERY = 50_000;
const BATCH = 10_000;

function call(i: number): AuditEntry[] {
  const id = requestId();
  const time = T0 + i * STEP_MS;
  const decision = i % 100 === 0 ? 'denied' : 'allowed';
  const tool = i % RARE_EVERY === 7 ? 'rare_tool' : `tool_${i % 200}`;
  const grant = { id: `gr_${i % 1_000}`, label: `agent-${i % 1_000}` };
  const entries: AuditEntry[] = [{ kind: 'decision', requestId: id, time, grant, server: `server_${i % 5}`, method: 'tools/call', tool, decision, rule: `/tools/${tool}`, args: ['id'] }];
  if (decision === 'allowed') entries.push({ kind: 'outcome', requestId: id, time: time + 1, status: 'ok', gatewayMs: 0.2, upstreamMs: 5 });
  // A policy change now and then: the console's "policy changes" page looks for these few among all the calls.
  if (i % RARE_EVERY === 11) entries.push({ kind: 'policy', time: time + 2, server: 'server_1', tool, event: 'set', rule: 'deny', version: `v${i}`, by: 'alice' });
  return entries;
}

async function fill(sink: SqliteAuditSink, entries: number): Promise<number> {
  let written = 0;
  let calls = 0;
  while (written < entries) {
    const batch: AuditEntry[] = [];
    while (batch.length < BATCH && written + batch.length < entries) batch.push(...call(calls++));
    // One turn's appends are one transaction (group commit).
    await Promise.all(batch.map((entry) => sink.append(entry)));
    written += batch.length;
  }
  return calls;
}

async function timed(sink: SqliteAuditSink, filter: AuditFilter, page: AuditPage): Promise<{ ms: number; found: number }> {
  const runs: number[] = [];
  let found = 0;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    found = (await sink.query(filter, page)).entries.length;
    runs.push(performance.now() - start);
  }
  return { ms: Math.round(runs.sort((a, b) => a - b)[2]! * 100) / 100, found };
}

export async function benchAuditPages(entries = 1_000_000): Promise<AuditPagesResult> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-audit-pages-'));
  const sink = new SqliteAuditSink(join(dir, 'audit.db'));
  try {
    const started = performance.now();
    const calls = await fill(sink, entries);
    const fillS = Math.round((performance.now() - started) / 100) / 10;
    const middle = T0 + Math.floor(calls / 2) * STEP_MS;
    const newest = { limit: 100, order: 'desc' } as const;
    const cases: [string, AuditFilter, AuditPage][] = [
      ['first page', {}, newest],
      ['deep page (after seq 10,000)', {}, { ...newest, after: 10_000 }],
      ['server=server_3', { server: 'server_3' }, newest],
      ['grant=agent-42', { grant: 'agent-42' }, newest],
      ['decision=denied', { decision: 'denied' }, newest],
      ['tool=rare_tool (10 calls)', { tool: 'rare_tool' }, newest],
      ['kind=policy (one change in 50,000 calls)', { kind: 'policy' }, newest],
      ['kind=request deep (after seq 100,000)', { kind: 'request' }, { ...newest, after: 100_000 }],
      ['server+tool deep (after seq 100,000)', { server: 'server_3', tool: 'tool_3' }, { ...newest, after: 100_000 }],
      ['a minute mid-log (since, until)', { since: middle, until: middle + 60_000 }, newest],
      ['since the first entry (all of it)', { since: T0 }, newest],
      ['until mid-log', { until: middle }, newest],
    ];
    const pages = [];
    for (const [page, filter, paging] of cases) pages.push({ page, ...(await timed(sink, filter, paging)) });
    return { entries, fillS, pages };
  } finally {
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchAuditPages(Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000));
  console.log(`SQLite audit log of ${result.entries.toLocaleString('en')} entries (filled in ${result.fillS} s), a page of 100:`);
  for (const { page, ms, found } of result.pages) console.log(`  ${page}: ${ms} ms (${found} entries)`);
}
