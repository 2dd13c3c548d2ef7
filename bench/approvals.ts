import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { argumentsDigest } from '../src/approvals/approval.js';
import { Approvals } from '../src/approvals/approvals.js';
import { SqliteApprovalStore } from '../src/approvals/sqlite-approval-store.js';

/**
 * Approvals on the SQLite store, as one gateway holds calls and another process (the CLI) decides them: how long
 * from a decision being written, at a random moment, to the held call going on (the gateway looks every 250 ms, so
 * about 125 ms is expected), and what an idle held call costs in memory.
 */
export interface ApprovalsResult {
  decisions: number;
  p50Ms: number;
  p99Ms: number;
  held: number;
  /** Null when the process cannot collect garbage on demand (run with --expose-gc): the figure would be noise. */
  bytesPerHeld: number | null;
}

const requirement = { pointer: '/tools/refund/approval', timeoutMs: 3_600_000, approvers: [], quorum: 1 };
const binding = (i: number) => ({ grant: { id: 'gr_bench', label: 'bench' }, server: 'billing', tool: 'refund', argsDigest: argumentsDigest({ i }), policy: 'p' });

export async function benchApprovals(decisions = 200, held = 2_000): Promise<ApprovalsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-approvals-'));
  const file = join(dir, 'approvals.db');
  const gatewayStore = new SqliteApprovalStore(file);
  const cliStore = new SqliteApprovalStore(file);
  const gateway = new Approvals({ store: gatewayStore, record: () => {} });
  const cli = new Approvals({ store: cliStore, record: () => {} });
  try {
    const latencies: number[] = [];
    for (let i = 0; i < decisions; i++) {
      const gate = gateway.gate({ binding: binding(i), requirement, wait: 'hold' });
      const request = await gatewayStore.findByKey((await pendingKey(gatewayStore, i)) ?? '', ['pending']);
      // A person answers at any moment, not in step with the gateway's look at the store.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      await cli.decide(request!.id, { name: 'alice' }, 'approve');
      const decided = performance.now();
      await gate;
      latencies.push(performance.now() - decided);
    }
    latencies.sort((a, b) => a - b);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const waiting = Array.from({ length: held }, (_, i) => gateway.gate({ binding: binding(decisions + i), requirement, wait: 'hold' }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    global.gc?.();
    const bytesPerHeld = global.gc ? Math.round((process.memoryUsage().heapUsed - before) / held) : null;
    gateway.close();
    await Promise.all(waiting);
    return { decisions, p50Ms: round(latencies[Math.floor(decisions * 0.5)]!), p99Ms: round(latencies[Math.floor(decisions * 0.99)]!), held, bytesPerHeld };
  } finally {
    await gatewayStore.close();
    await cliStore.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The key of the request just made for call `i` (found by its binding, as a retried call would find it). */
async function pendingKey(store: SqliteApprovalStore, i: number): Promise<string | undefined> {
  for (let tries = 0; tries < 100; tries++) {
    const [newest] = await store.list({ state: 'pending' }, 1);
    if (newest && newest.binding.argsDigest === argumentsDigest({ i })) return newest.key;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return undefined;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchApprovals();
  console.log(`approvals: decision to forward p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms (${r.decisions} decisions); ${r.held.toLocaleString('en')} idle held calls, ${r.bytesPerHeld === null ? 'memory not measured (run with --expose-gc)' : `${r.bytesPerHeld.toLocaleString('en')} bytes each`}`);
}
