import type { WrkRun } from './capacity.js';
import type { LatencySummary } from './latency.js';

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
  errors: string[];
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
  const rows = results.map((r) => {
    if (r.pending) return { name: r.name, note: r.pending };
    return [r.name, ...cols.map((c) => c.cell?.(r) ?? number(c.value(r)))];
  });
  return render(['target', ...cols.map((c) => c.header)], rows);
}

/** The comparisons asked for: the gateway against the floor and the direct connection, the peers against it. */
export const COMPARISONS: readonly [string, string][] = [
  ['toolgate', 'floor'],
  ['toolgate', 'direct'],
  ['mcp-proxy', 'toolgate'],
  ['supergateway', 'toolgate'],
];

export interface Ratio {
  label: string;
  values: Record<string, number | undefined>;
}

export function ratios(results: readonly TargetResult[], connectionLevels: readonly number[]): Ratio[] {
  const byName = new Map(results.map((r) => [r.name, r]));
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

export function renderNotes(results: readonly TargetResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (typeof r.capacity === 'object') {
      for (const run of Object.values(r.capacity)) {
        if (run.errors > 0) {
          const s = run.socketErrors;
          lines.push(
            `${r.name} @${run.connections}: ${run.errors} errors (non-2xx ${run.non2xx}, bad answers ${run.badAnswers}, socket connect/read/write/timeout ${s.connect}/${s.read}/${s.write}/${s.timeout})`,
          );
        }
      }
    }
    for (const error of r.errors) lines.push(`${r.name}: ${error}`);
  }
  return lines.length === 0 ? 'No errors.' : lines.map((l) => `- ${l}`).join('\n');
}
