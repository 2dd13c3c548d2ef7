import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processIds, processTree, statOf } from './processes.js';

/**
 * CPU accounting for the scale-out run. On a small machine the load generator, the balancer, the gateways and
 * their upstreams all compete for the same cores, so calls/s alone cannot say whether a second replica helped;
 * the CPU each part spent per call, and how busy the whole machine was, can.
 */

/** Clock ticks per second, the unit of /proc's CPU times (100 on practically every Linux). */
const TICKS_PER_S = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) spent so far by one process, all its threads; 0 once it has gone. */
export function processCpuSeconds(pid: number): number {
  return (statOf(pid)?.cpuTicks ?? 0) / TICKS_PER_S;
}

/** CPU seconds spent so far by a process's live descendants (a gateway's upstreams), itself excluded. */
export function descendantsCpuSeconds(pid: number): number {
  return processTree(pid)
    .slice(1)
    .reduce((sum, member) => sum + processCpuSeconds(member), 0);
}

/**
 * CPU seconds spent so far by a service's processes, found by command name (`postgres`, `redis-server`): each live
 * one's, and, for those whose parent is not the service (the postmaster), their exited children's too, since
 * PostgreSQL starts and ends a backend per connection.
 */
export function serviceCpuSeconds(comm: string): number {
  const stats = processIds().map((pid) => ({ pid, stat: statOf(pid) }));
  const named = new Set(stats.filter(({ stat }) => stat?.comm === comm).map(({ pid }) => pid));
  const ticks = stats
    .filter(({ pid }) => named.has(pid))
    .reduce((sum, { stat }) => sum + stat!.cpuTicks + (named.has(stat!.ppid) ? 0 : stat!.childrenTicks), 0);
  return ticks / TICKS_PER_S;
}

/**
 * CPU seconds spent by the bench's own children once they have exited: across a wrk run, wrk's (the bench
 * waits for it, and nothing else of the bench's exits meanwhile).
 */
export function exitedChildrenCpuSeconds(): number {
  return (statOf(process.pid)?.childrenTicks ?? 0) / TICKS_PER_S;
}

/** Machine-wide CPU time so far, summed over all cores: busy, and in all (iowait counts as idle). */
function machineTicks(): { busy: number; total: number } {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal [guest guest_nice, already counted in user and nice]
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = ticks.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

export interface CpuSpent<T> {
  value: T;
  /** CPU seconds each meter counted during the run. */
  spentS: Record<string, number>;
  /** The whole machine: busy CPU seconds summed over its cores, and the share of its CPU time that was busy. */
  machine: { busyS: number; share: number };
}

/** Runs `fn` and reports the CPU seconds each meter (name → a reading of CPU seconds so far), and the machine, spent meanwhile. */
export async function cpuDuring<T>(meters: Record<string, () => number>, fn: () => Promise<T>): Promise<CpuSpent<T>> {
  const read = () => Object.fromEntries(Object.entries(meters).map(([name, meter]) => [name, meter()]));
  const before = read();
  const machineBefore = machineTicks();
  const value = await fn();
  const machineAfter = machineTicks();
  const after = read();
  const spentS = Object.fromEntries(Object.keys(meters).map((name) => [name, after[name]! - before[name]!]));
  const busy = (machineAfter.busy - machineBefore.busy) / TICKS_PER_S;
  const total = (machineAfter.total - machineBefore.total) / TICKS_PER_S;
  return { value, spentS, machine: { busyS: busy, share: total > 0 ? busy / total : NaN } };
}
