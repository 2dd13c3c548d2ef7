import { startFleet } from '../test/support/replicas.js';
import { serviceCpuSeconds } from './cpu.js';
import { measure, type ScalePlan, type ScaleResult } from './scale.js';
import { echoServer, REALISTIC_POLICY } from './targets.js';

/**
 * The fleet as issue #19 deploys it, measured: 1 and then 3 `toolgate serve` processes (from dist/) behind the
 * round-robin balancer, with grants, the realistic policy (a condition and two counters, counted in Redis) and
 * every decision written ahead to the PostgreSQL audit log; 2026-07-28 stateless tools/call, so any replica
 * answers any call. PostgreSQL's and Redis's CPU is metered beside each part, since they are what the replicas
 * share.
 */
export async function measureReplicas(stores: { postgres: string; redis: string }, plan: ScalePlan, log: (line: string) => void): Promise<ScaleResult> {
  const result: ScaleResult = {
    gateway: 'toolgate serve (dist/) with grants, the realistic policy counted in Redis, the audit log in PostgreSQL',
    connections: plan.connections,
    durationS: plan.seconds,
    runs: [],
    errors: [],
  };
  const services = { postgres: () => serviceCpuSeconds('postgres'), redis: () => serviceCpuSeconds('redis-server') };
  for (const replicas of [1, 3]) {
    const label = `${replicas} replica${replicas === 1 ? '' : 's'} behind the balancer`;
    log(`replicas: ${label}, ${plan.connections} connections, ${plan.seconds} s`);
    try {
      // Each count gets a fleet of its own (a fresh schema and prefix), so the second does not start on the first's log.
      const fleet = await startFleet({ replicas, ...stores, entry: 'dist', servers: { fixture: { ...echoServer(), policy: REALISTIC_POLICY } } });
      try {
        const endpoint = (base: string) => fleet.url(base, 'fixture').href;
        const setup = {
          label,
          gateways: fleet.replicas.map((replica) => ({ pid: replica.pid, url: endpoint(replica.base) })),
          balancer: { pid: fleet.balancerPid, url: endpoint(fleet.balancer) },
          headers: { authorization: `Bearer ${fleet.grantToken}` },
          services,
        };
        result.runs.push(await measure(setup, plan));
      } finally {
        await fleet.stop();
      }
    } catch (error) {
      result.errors.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return result;
}
