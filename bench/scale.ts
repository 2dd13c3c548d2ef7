import { prepare, runWrk, type WrkRun } from './capacity.js';
import { cpuDuring, descendantsCpuSeconds, exitedChildrenCpuSeconds, processCpuSeconds } from './cpu.js';
import { launch } from './processes.js';
import { echoServer, plainScript, ROOT, type Running, type Target } from './targets.js';

/**
 * Scale-out, on paper and backed by one measurement. A 2026-07-28 request carries all a replica needs (version
 * and capabilities in its `_meta`, no session), so any gateway process can answer it; a round-robin balancer
 * (bench/balancer.ts) in front of one and then two Toolgate processes shows what the balancer costs and that the
 * second replica takes its share. The CPU each part spends per call gives what the paper projection needs.
 */

export interface ScaleRun {
  label: string;
  gateways: number;
  balanced: boolean;
  run: WrkRun;
  /**
   * CPU ms per 1,000 of the run's calls: each gateway process (all its threads), each one's upstream, the
   * balancer, wrk, and the rest of the machine's busy time (the kernel's network work not charged to a process,
   * and anything else running). A gateway's event loop is one thread, so 1,000,000 ÷ its figure bounds what it
   * carries on one core.
   */
  cpuMsPer1k: { gateways: number[]; upstreams: number[]; balancer?: number; services?: Record<string, number>; wrk: number; rest: number };
  /** The share of the whole machine's CPU that was busy during the run, 0 to 1. */
  machineBusy: number;
}

export interface ScaleResult {
  /** What each replica runs (the target's description). */
  gateway: string;
  connections: number;
  durationS: number;
  runs: ScaleRun[];
  errors: string[];
}

export interface ScalePlan {
  connections: number;
  seconds: number;
  /** A short load through each setup before its measured run, so that a fresh process is measured warm. */
  warmupS: number;
}

interface Balancer {
  pid: number;
  url: string;
}

async function startBalancer(backends: readonly Running[]): Promise<Balancer & { stop(): Promise<void> }> {
  const endpoint = new URL(backends[0]!.url!);
  const proxy = launch(process.execPath, [plainScript('balancer'), ...backends.map((b) => new URL(b.url!).origin)], { cwd: ROOT });
  try {
    const { url } = JSON.parse(await proxy.firstLine()) as { url: string };
    // Every replica has the same configuration, so the same path; the balancer forwards paths as they are.
    return { pid: proxy.pid, url: `${url}${endpoint.pathname}`, stop: () => proxy.stop() };
  } catch (error) {
    await proxy.stop();
    throw error;
  }
}

/** What is measured: gateway processes (and their upstreams, their descendants), and the balancer in front. */
export interface Setup {
  label: string;
  gateways: readonly Pick<Running, 'pid' | 'url'>[];
  balancer?: Balancer;
  /** Headers every call carries (a grant's `Authorization`). */
  headers?: Record<string, string>;
  /** The shared services the replicas use (PostgreSQL, Redis): a reading of CPU seconds so far, by name. */
  services?: Record<string, () => number>;
}

export async function measure(setup: Setup, plan: ScalePlan): Promise<ScaleRun> {
  const url = setup.balancer?.url ?? setup.gateways[0]!.url!;
  const prepared = await prepare(url, 'stateless', setup.headers);
  try {
    await runWrk(prepared, plan.connections, plan.warmupS);
    const meters: Record<string, () => number> = {};
    for (const [i, gateway] of setup.gateways.entries()) {
      meters[`gateway${i}`] = () => processCpuSeconds(gateway.pid!);
      meters[`upstream${i}`] = () => descendantsCpuSeconds(gateway.pid!);
    }
    const balancer = setup.balancer;
    if (balancer) meters.balancer = () => processCpuSeconds(balancer.pid);
    const services = Object.keys(setup.services ?? {});
    for (const name of services) meters[`service:${name}`] = setup.services![name]!;
    meters.wrk = exitedChildrenCpuSeconds;
    const { value: run, spentS, machine } = await cpuDuring(meters, () => runWrk(prepared, plan.connections, plan.seconds));
    const per1k = (seconds: number) => (seconds * 1e6) / run.requests;
    const accounted = Object.values(spentS).reduce((sum, x) => sum + x, 0);
    return {
      label: setup.label,
      gateways: setup.gateways.length,
      balanced: balancer !== undefined,
      run,
      cpuMsPer1k: {
        gateways: setup.gateways.map((_, i) => per1k(spentS[`gateway${i}`]!)),
        upstreams: setup.gateways.map((_, i) => per1k(spentS[`upstream${i}`]!)),
        ...(balancer && { balancer: per1k(spentS.balancer!) }),
        ...(services.length > 0 && { services: Object.fromEntries(services.map((name) => [name, per1k(spentS[`service:${name}`]!)])) }),
        wrk: per1k(spentS.wrk!),
        rest: per1k(machine.busyS - accounted),
      },
      machineBusy: machine.share,
    };
  } finally {
    prepared.dispose();
  }
}

/** Runs the three setups; failures are recorded in `errors` and the others still run. */
export async function measureScaleOut(gateway: Target, plan: ScalePlan, log: (line: string) => void): Promise<ScaleResult> {
  const result: ScaleResult = { gateway: gateway.description, connections: plan.connections, durationS: plan.seconds, runs: [], errors: [] };
  const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
  const stops: (() => Promise<void>)[] = [];
  try {
    // Each replica spawns its own upstream, as separate gateway hosts would.
    const first = await gateway.start(echoServer());
    stops.push(() => first.close());
    const second = await gateway.start(echoServer());
    stops.push(() => second.close());
    const one = await startBalancer([first]);
    stops.push(one.stop);
    const two = await startBalancer([first, second]);
    stops.push(two.stop);
    const setups: Setup[] = [
      { label: '1 Toolgate, direct', gateways: [first] },
      { label: '1 Toolgate behind the balancer', gateways: [first], balancer: one },
      { label: '2 Toolgate behind the balancer', gateways: [first, second], balancer: two },
    ];
    for (const setup of setups) {
      log(`scale-out: ${setup.label}, ${plan.connections} connections, ${plan.seconds} s`);
      try {
        result.runs.push(await measure(setup, plan));
      } catch (error) {
        result.errors.push(`${setup.label}: ${message(error)}`);
      }
    }
  } catch (error) {
    result.errors.push(`set-up: ${message(error)}`);
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
  return result;
}
