import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CounterStore } from '../src/limits/counter-store.js';
import { MemoryCounterStore } from '../src/limits/memory-store.js';
import { RedisCounterStore } from '../src/limits/redis-store.js';
import { SqliteCounterStore } from '../src/limits/sqlite-store.js';
import { dropPrefix, freshPrefix, withPrefix } from '../test/support/redis.js';

/**
 * Counter checks per second for each store: a call's reservation against two counters (its tool's limit and an
 * all_tools limit), spread over 1,000 grants, with `concurrency` reservations in flight. Targets from the issue:
 * memory >= 1,000,000/s, SQLite >= 50,000/s, Redis >= 20,000/s.
 */
export interface CounterBenchResult {
  store: string;
  /** Calls reserved per second, each against two counters. */
  reservationsPerSecond: number;
  /** Counters checked per second: twice the reservations. */
  checksPerSecond: number;
}

const measured = (store: string, reservationsPerSecond: number): CounterBenchResult => ({ store, reservationsPerSecond, checksPerSecond: 2 * reservationsPerSecond });

async function rate(store: CounterStore, durationMs: number, concurrency: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + durationMs;
  const start = performance.now();
  const worker = async (id: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const grant = (id * 7919 + i) % 1000;
      await store.reserve(
        [
          { key: `bench/grant:${grant}/tool`, windowMs: 60_000, max: 1_000_000_000, amount: 1 },
          { key: `bench/grant:${grant}/all`, windowMs: 3_600_000, max: 1_000_000_000, amount: 1 },
        ],
        Date.now(),
      );
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
  return Math.round((done / (performance.now() - start)) * 1000);
}

/** `redis` is the URL of a reachable Redis, or undefined to leave it out (the run says so). */
export async function benchCounters(durationMs: number, redis: string | undefined): Promise<CounterBenchResult[]> {
  const results: CounterBenchResult[] = [];
  results.push(measured('memory', await rate(new MemoryCounterStore(), durationMs, 1)));
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-counters-'));
  const sqlite = new SqliteCounterStore(join(dir, 'counters.db'));
  results.push(measured('sqlite', await rate(sqlite, durationMs, 64)));
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
  if (redis) {
    const prefix = freshPrefix();
    const store = await RedisCounterStore.open(withPrefix(redis, prefix));
    results.push(measured('redis', await rate(store, durationMs, 64)));
    await store.close();
    await dropPrefix(redis, prefix);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchCounters(2_000, process.env.TOOLGATE_BENCH_REDIS_URL)) console.log(`${r.store}: ${r.reservationsPerSecond.toLocaleString('en')} calls/s, ${r.checksPerSecond.toLocaleString('en')} counter checks/s`);
}
