import { AUDIT_DECISIONS, type AuditDecision } from '../audit/audit-record.js';

/** How far back the tally reaches: the Overview page's hour. */
export const RECENT_MINUTES = 60;
const MINUTE_MS = 60_000;

/** The decisions a top-denied list counts: the policy's refusals (a limit, an approval wait or an outage is not one). */
const DENIALS: ReadonlySet<AuditDecision> = new Set(['denied', 'hidden', 'not_granted']);
const DECISION_INDEX = new Map(AUDIT_DECISIONS.map((decision, i) => [decision, i]));

interface ToolTally {
  calls: number;
  denied: number;
}

/** One minute's calls: a count per decision (in AUDIT_DECISIONS' order), and per server and tool. */
interface Minute {
  start: number;
  decisions: number[];
  tools: Map<string, Map<string, ToolTally>>;
}

export interface ToolCount {
  server: string;
  tool: string;
  calls: number;
}

/** What `GET /admin/overview` answers: this process's calls of the last minutes. */
export interface ActivityOverview {
  /** Only the calls this replica decided: behind a load balancer, each replica keeps its own. */
  scope: 'replica';
  minutes: number;
  /** Each minute, oldest first (the last one still filling), with its tool calls by decision. */
  perMinute: ({ minute: string } & Record<AuditDecision, number>)[];
  topTools: ToolCount[];
  /** By the policy's refusals: denied, hidden, not granted. */
  topDenied: ToolCount[];
}

/**
 * A per-minute tally of the tool calls this process decided, for the Overview page's charts: a ring of one bucket a
 * minute for the last hour, so recording is O(1) and memory is bounded by an hour of the catalogue's tool names (the
 * metrics' labels, where a name no server lists is one value). The audit log holds the same calls, but reading an
 * hour of a busy log for each look at a chart would cost more than counting them as they are decided.
 */
export class RecentActivity {
  private readonly ring: Minute[] = Array.from({ length: RECENT_MINUTES }, () => ({ start: -1, decisions: [], tools: new Map() }));

  constructor(private readonly clock: () => number = Date.now) {}

  /** Counts one tool call's decision. */
  record(server: string, tool: string, decision: AuditDecision): void {
    const minute = this.minute(this.clock());
    minute.decisions[DECISION_INDEX.get(decision)!]! += 1;
    let tools = minute.tools.get(server);
    if (!tools) minute.tools.set(server, (tools = new Map()));
    let tally = tools.get(tool);
    if (!tally) tools.set(tool, (tally = { calls: 0, denied: 0 }));
    tally.calls += 1;
    if (DENIALS.has(decision)) tally.denied += 1;
  }

  /** The last `minutes` (up to RECENT_MINUTES), with the `top` most called and most denied tools over them. */
  overview(minutes: number, top = 10): ActivityOverview {
    const now = Math.floor(this.clock() / MINUTE_MS);
    const totals = new Map<string, Map<string, ToolTally>>();
    const perMinute: ActivityOverview['perMinute'] = [];
    for (let start = now - Math.min(minutes, RECENT_MINUTES) + 1; start <= now; start++) {
      const bucket = this.ring[start % RECENT_MINUTES]!;
      const kept = bucket.start === start;
      perMinute.push({ minute: new Date(start * MINUTE_MS).toISOString(), ...decisionCounts(kept ? bucket.decisions : []) });
      if (kept) addTallies(totals, bucket.tools);
    }
    const tallies = [...totals].flatMap(([server, tools]) => [...tools].map(([tool, tally]) => ({ server, tool, ...tally })));
    return { scope: 'replica', minutes: perMinute.length, perMinute, topTools: topBy(tallies, 'calls', top), topDenied: topBy(tallies, 'denied', top) };
  }

  /** The bucket of the minute `time` falls in, emptied first if it last held the same minute an hour or more ago. */
  private minute(time: number): Minute {
    const start = Math.floor(time / MINUTE_MS);
    const bucket = this.ring[start % RECENT_MINUTES]!;
    if (bucket.start !== start) {
      bucket.start = start;
      bucket.decisions = AUDIT_DECISIONS.map(() => 0);
      bucket.tools = new Map();
    }
    return bucket;
  }
}

function decisionCounts(counts: readonly number[]): Record<AuditDecision, number> {
  return Object.fromEntries(AUDIT_DECISIONS.map((decision, i) => [decision, counts[i] ?? 0])) as Record<AuditDecision, number>;
}

function addTallies(totals: Map<string, Map<string, ToolTally>>, tools: ReadonlyMap<string, ReadonlyMap<string, ToolTally>>): void {
  for (const [server, byTool] of tools) {
    let sum = totals.get(server);
    if (!sum) totals.set(server, (sum = new Map()));
    for (const [tool, tally] of byTool) {
      const total = sum.get(tool) ?? { calls: 0, denied: 0 };
      sum.set(tool, { calls: total.calls + tally.calls, denied: total.denied + tally.denied });
    }
  }
}

/** The `top` tools by `key`, most first (ties by server and tool, so the answer is stable); none with a count of 0. */
function topBy(tallies: readonly ({ server: string; tool: string } & ToolTally)[], key: keyof ToolTally, top: number): ToolCount[] {
  return tallies
    .filter((tally) => tally[key] > 0)
    .sort((a, b) => b[key] - a[key] || a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool))
    .slice(0, top)
    .map(({ server, tool, [key]: calls }) => ({ server, tool, calls }));
}
