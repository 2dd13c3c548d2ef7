import { Redis } from 'ioredis';
import { memoryOf } from './processes.js';
import { openSession, post, type RawSession } from './raw-session.js';
import { echoServer, toolgateServing, type Running } from './targets.js';

/**
 * Legacy sessions across a fleet (issue #19's target: 50,000 or more, at most 2 KB of shared state each): three
 * Toolgate processes share their sessions in Redis; sessions are opened on each in turn, and a sample is then
 * served by another replica than the one that opened it. What each session costs is Redis's used memory before and
 * after, divided by the sessions it holds; each replica holds copies of at most `sessions.max` of them.
 */

export interface FleetSessionsResult {
  replicas: number;
  sessions: number;
  openSeconds: number;
  /** Initializes per second across the fleet (each is an initialize and its initialized notification). */
  opensPerSecond: number;
  /** Redis's used_memory grown per session, in bytes (key, value, expiry and Redis's own overhead). */
  redisBytesPerSession: number;
  /** Session records Redis holds under the run's prefix at the end. */
  recordsHeld: number;
  /** Of a sample served by a replica that did not open them: how many were served. */
  sampled: number;
  servedElsewhere: number;
  replicaRssMiB: number[];
}

const CONCURRENCY = 64;
const SAMPLE = 300;

export async function fleetSessions(redisUrl: string, sessions: number, replicas = 3): Promise<FleetSessionsResult> {
  const prefix = `toolgate-bench:${process.pid}:${Date.now().toString(36)}:`;
  const url = new URL(redisUrl);
  url.searchParams.set('prefix', prefix);
  const settings = {
    audit: { enabled: false },
    // Each replica keeps copies of at most this many; the fleet holds every session in Redis.
    sessions: { max: 10_000, max_per_grant: 10_000 },
    store: { counters: 'memory', grants: 'memory', audit: 'memory', pins: 'memory', approvals: 'memory', sessions: url.toString() },
  };
  const redis = new Redis(redisUrl);
  const running: Running[] = [];
  try {
    for (let i = 0; i < replicas; i++) running.push(await toolgateServing(echoServer(), { version: '1', default: 'allow' }, settings));
    const before = await usedMemory(redis);
    const opened: { session: RawSession; replica: number }[] = [];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < sessions) {
          const replica = next++ % replicas;
          opened.push({ session: await openSession(running[replica]!.url!), replica });
        }
      }),
    );
    const openSeconds = (performance.now() - started) / 1000;
    const after = await usedMemory(redis);
    let recordsHeld = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}session:*`, count: 1_000 }) as AsyncIterable<string[]>) recordsHeld += keys.length;
    let servedElsewhere = 0;
    for (let i = 0; i < SAMPLE; i++) {
      const { session, replica } = opened[Math.floor((i * opened.length) / SAMPLE)]!;
      const elsewhere = { ...session, url: running[(replica + 1 + (i % (replicas - 1))) % replicas]!.url! };
      const answer = await post(elsewhere, JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' })).catch(() => undefined);
      if (answer?.result) servedElsewhere++;
    }
    return {
      replicas,
      sessions,
      openSeconds,
      opensPerSecond: sessions / openSeconds,
      redisBytesPerSession: (after - before) / sessions,
      recordsHeld,
      sampled: SAMPLE,
      servedElsewhere,
      replicaRssMiB: running.map((r) => (r.pid === undefined ? 0 : memoryOf(r.pid).rssMiB)),
    };
  } finally {
    await Promise.all(running.map((r) => r.close()));
    const keys: string[] = [];
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1_000 }) as AsyncIterable<string[]>) keys.push(...batch);
    for (let i = 0; i < keys.length; i += 1_000) await redis.del(...keys.slice(i, i + 1_000));
    redis.disconnect();
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await fleetSessions(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/14', Number(process.env.BENCH_FLEET_SESSIONS ?? 50_000));
  console.log(JSON.stringify(result, null, 2));
}
