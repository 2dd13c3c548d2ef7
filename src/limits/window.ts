/**
 * A rolling window kept as a ring of sub-buckets, each a tenth of the window wide. A check counts every bucket the
 * last `windowMs` overlaps, the partly expired oldest one in full: conservative, so no span of `windowMs` ever
 * holds more than `max`, and the memory per counter is a few numbers whatever `max` is. The price: capacity frees
 * up to one bucket's width (a tenth of the window) later than an exact log of every call would free it.
 *
 * Plain data and pure functions, so every store applies the same arithmetic.
 */
export const BUCKETS = 10;

/** A window spans BUCKETS widths, which overlap BUCKETS + 1 buckets when it does not start on a boundary. */
export const SLOTS = BUCKETS + 1;

export interface WindowState {
  /** Counts per bucket; a bucket's slot is its number modulo SLOTS. */
  counts: number[];
  /** The newest bucket's number (time / width). */
  head: number;
}

export function emptyWindow(): WindowState {
  return { counts: new Array<number>(SLOTS).fill(0), head: 0 };
}

export function bucketOf(windowMs: number, now: number): number {
  return Math.floor((now * BUCKETS) / windowMs);
}

const slot = (bucket: number) => ((bucket % SLOTS) + SLOTS) % SLOTS;

/** Moves the ring forward to `now`, emptying the buckets that no longer overlap the window. */
export function advance(state: WindowState, windowMs: number, now: number): void {
  const current = bucketOf(windowMs, now);
  if (current <= state.head) return;
  const steps = Math.min(current - state.head, SLOTS);
  for (let i = 1; i <= steps; i++) state.counts[slot(state.head + i)] = 0;
  state.head = current;
}

/** What the window holds (after `advance` to now). */
export function used(state: WindowState): number {
  let sum = 0;
  for (const count of state.counts) sum += count;
  return sum;
}

export function add(state: WindowState, bucket: number, amount: number): void {
  if (bucket > state.head - SLOTS) state.counts[slot(bucket)] = Math.max(0, state.counts[slot(bucket)]! + amount);
}

/** How long until the oldest amount still counted leaves the window (after `advance` to now); 0 when empty. */
export function freesInMs(state: WindowState, windowMs: number, now: number): number {
  for (let bucket = state.head - SLOTS + 1; bucket <= state.head; bucket++) {
    if (state.counts[slot(bucket)]! > 0) return Math.max(0, Math.ceil(((bucket + 1) * windowMs) / BUCKETS + windowMs - now));
  }
  return 0;
}

/**
 * How long until `amount` more fits (after `advance` to now): buckets leave the window oldest first, once the
 * window's start has passed their end. Infinity when the amount is more than `max` itself.
 */
export function retryAfterMs(state: WindowState, windowMs: number, max: number, amount: number, now: number): number {
  if (amount > max) return Infinity;
  let remaining = used(state);
  if (remaining + amount <= max) return 0;
  for (let bucket = state.head - SLOTS + 1; bucket <= state.head; bucket++) {
    remaining -= state.counts[slot(bucket)]!;
    if (remaining + amount <= max) {
      // The window (t - windowMs, t] stops overlapping the bucket when t - windowMs reaches the bucket's end.
      const freedAt = ((bucket + 1) * windowMs) / BUCKETS + windowMs;
      return Math.max(1, Math.ceil(freedAt - now));
    }
  }
  return Infinity;
}
