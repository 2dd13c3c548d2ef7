import type { Redis } from 'ioredis';
import { closeRedis, connectRedis } from '../store/redis.js';
import { counterName, merged, type CounterRequest, type CounterStatus, type CounterStore, type Refused, type Reserved } from './counter-store.js';
import { advance, bucketOf, freesInMs, retryAfterMs, SLOTS, used, type WindowState } from './window.js';

/** Where keys go unless the URL says `?prefix=`: one Redis may serve several gateways' fleets under other prefixes. */
const DEFAULT_PREFIX = 'toolgate:counter:';


/**
 * The window ring (window.ts) in Lua: a key holds "head,c0,…,c10". Buckets are computed by the caller with
 * window.ts's `bucketOf`, so the arithmetic is the same in every store; Lua only advances, sums and adds.
 */
const RING = `
local SLOTS = ${SLOTS}
local function decode(raw, current)
  local counts = {}
  for s = 0, SLOTS - 1 do counts[s] = 0 end
  if not raw then return current, counts end
  local fields = {}
  for f in string.gmatch(raw, '[^,]+') do fields[#fields + 1] = tonumber(f) end
  local head = fields[1]
  for s = 0, SLOTS - 1 do counts[s] = fields[s + 2] end
  if current > head then
    for k = 1, math.min(current - head, SLOTS) do counts[(head + k) % SLOTS] = 0 end
    head = current
  end
  return head, counts
end
local function encode(head, counts)
  local parts = { string.format('%.17g', head) }
  for s = 0, SLOTS - 1 do parts[#parts + 1] = string.format('%.17g', counts[s]) end
  return table.concat(parts, ',')
end
local function add(head, counts, bucket, amount)
  if bucket > head - SLOTS then
    local s = bucket % SLOTS
    counts[s] = math.max(0, counts[s] + amount)
  end
end
`;

/**
 * All counters of one call in one script, so no other replica's call interleaves: every counter fits, and then all
 * are taken, and what each then holds is returned (comma-separated); or the first that does not fit is returned with
 * its ring, for the caller to compute retry-after. ARGV: per key, its bucket now, max, amount, TTL in ms.
 */
const RESERVE = `${RING}
local states = {}
for i = 1, #KEYS do
  local current, max, amount = tonumber(ARGV[i * 4 - 3]), tonumber(ARGV[i * 4 - 2]), tonumber(ARGV[i * 4 - 1])
  local head, counts = decode(redis.call('GET', KEYS[i]), current)
  local sum = 0
  for s = 0, SLOTS - 1 do sum = sum + counts[s] end
  if sum + amount > max then return { i, encode(head, counts) } end
  states[i] = { head, counts, sum + amount }
end
local used = {}
for i = 1, #KEYS do
  local head, counts = states[i][1], states[i][2]
  add(head, counts, tonumber(ARGV[i * 4 - 3]), tonumber(ARGV[i * 4 - 1]))
  redis.call('SET', KEYS[i], encode(head, counts), 'PX', ARGV[i * 4])
  used[i] = states[i][3]
end
return { 0, table.concat(used, ',') }
`;

/** Gives amounts back to the buckets they were taken from, if those are still in the ring. ARGV: bucket, amount. */
const ROLLBACK = `${RING}
for i = 1, #KEYS do
  local raw = redis.call('GET', KEYS[i])
  if raw then
    local bucket = tonumber(ARGV[i * 2 - 1])
    local head, counts = decode(raw, bucket)
    add(head, counts, bucket, -tonumber(ARGV[i * 2]))
    redis.call('SET', KEYS[i], encode(head, counts), 'KEEPTTL')
  end
end
return 0
`;

interface Scripts {
  /** [0, what each counter holds] or [the 1-based key that refused, its ring]. */
  reserveCounters(keys: number, ...args: (string | number)[]): Promise<[number, string]>;
  rollbackCounters(keys: number, ...args: (string | number)[]): Promise<number>;
}

/**
 * Counters in Redis, shared by every replica: each call's check of all its counters is one atomic Lua script, so N
 * gateways enforce one limit exactly. Keys expire two windows after their last use, so nothing grows forever.
 *
 * Time is the caller's clock (as in every store): replicas should run NTP. A call that times out may have been
 * counted without going through: the error errs towards fewer calls, never more.
 */
export class RedisCounterStore implements CounterStore {
  private constructor(
    private readonly redis: Redis & Scripts,
    private readonly prefix: string,
  ) {}

  /** Connects to `redis://HOST:PORT/DB[?prefix=P]`, failing when Redis cannot be reached. */
  static async open(url: string): Promise<RedisCounterStore> {
    const { redis: connected, prefix } = await connectRedis(url, DEFAULT_PREFIX);
    const redis = connected as Redis & Scripts;
    redis.defineCommand('reserveCounters', { lua: RESERVE });
    redis.defineCommand('rollbackCounters', { lua: ROLLBACK });
    return new RedisCounterStore(redis, prefix);
  }

  async reserve(items: readonly CounterRequest[], now: number): Promise<Reserved | Refused> {
    const checks = merged(items);
    const args: (string | number)[] = [];
    for (const { request } of checks) args.push(this.prefix + request.key);
    for (const { request } of checks) args.push(bucketOf(request.windowMs, now), request.max, request.amount, 2 * request.windowMs);
    const [refusedAt, detail] = await this.redis.reserveCounters(checks.length, ...args);
    if (refusedAt === 0) {
      const used = detail.split(',').map(Number);
      return {
        kind: 'reserved',
        items: checks.map(({ request, index }, i) => ({ key: request.key, windowMs: request.windowMs, bucket: bucketOf(request.windowMs, now), amount: request.amount, index, used: used[i]! })),
      };
    }
    const { request, refusedBy } = checks[refusedAt - 1]!;
    return { kind: 'refused', index: refusedBy, retryAfterMs: retryAfterMs(decodeRing(detail), request.windowMs, request.max, request.amount, now) };
  }

  async commit(): Promise<void> {}

  async rollback(reservation: Reserved): Promise<void> {
    const args: (string | number)[] = [];
    for (const item of reservation.items) args.push(this.prefix + item.key);
    for (const item of reservation.items) args.push(item.bucket, item.amount);
    await this.redis.rollbackCounters(reservation.items.length, ...args);
  }

  async status(now: number): Promise<CounterStatus[]> {
    const keys: string[] = [];
    for await (const batch of this.redis.scanStream({ match: `${escapeGlob(this.prefix)}*`, count: 1_000 }) as AsyncIterable<string[]>) keys.push(...batch);
    if (keys.length === 0) return [];
    const rings = await this.redis.mget(...keys);
    const counters: CounterStatus[] = [];
    keys.forEach((stored, i) => {
      const key = stored.slice(this.prefix.length);
      const windowMs = Number(/@(\d+)$/.exec(key)?.[1]);
      const raw = rings[i];
      if (!raw || !windowMs) return;
      const state = decodeRing(raw);
      advance(state, windowMs, now);
      const inWindow = used(state);
      if (inWindow > 0) counters.push({ key: counterName(key), windowMs, used: inWindow, freesInMs: freesInMs(state, windowMs, now) });
    });
    return counters.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.windowMs - b.windowMs));
  }

  /** A PING on the store's own connection: with no offline queue it fails at once while Redis is unreachable. */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }
}

function decodeRing(raw: string): WindowState {
  const [head, ...counts] = raw.split(',').map(Number);
  return { head: head!, counts };
}

/** A prefix is matched literally by SCAN, whatever glob characters it holds. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
