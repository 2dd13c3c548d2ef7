/** One counter a call must fit in: its key (scope and name), its window, its maximum and what the call adds. */
export interface CounterRequest {
  readonly key: string;
  readonly windowMs: number;
  readonly max: number;
  readonly amount: number;
}

/** Amounts taken, to be committed when the upstream answers or rolled back when the call fails. */
export interface Reserved {
  readonly kind: 'reserved';
  readonly items: readonly ReservedItem[];
}

/** One counter's share of a reservation. */
export interface ReservedItem {
  readonly key: string;
  readonly windowMs: number;
  readonly bucket: number;
  readonly amount: number;
  /** The request (in request order) this counts for: the first, when one counter was named twice (`merged`). */
  readonly index: number;
  /** What the counter holds in its window, this amount included: how near its limit it is. */
  readonly used: number;
}

/** The call does not fit: `index` names the first counter (in request order) that refused it. */
export interface Refused {
  readonly kind: 'refused';
  readonly index: number;
  /** When the amount will fit again; Infinity when it is more than the maximum itself. */
  readonly retryAfterMs: number;
}

/** What a counter holds now, for `toolgate limits status`. */
export interface CounterStatus {
  readonly key: string;
  readonly windowMs: number;
  readonly used: number;
  /** When the oldest amount still counted leaves the window (0 when nothing is counted). */
  readonly freesInMs: number;
}

/** Where counters live: in memory, in SQLite, or in Redis shared by every replica. */
export interface CounterStore {
  /** Takes every amount or none: a call refused by one counter drains no other. */
  reserve(items: readonly CounterRequest[], now: number): Promise<Reserved | Refused>;
  /** The call went through: the amounts stay counted. */
  commit(reservation: Reserved): Promise<void>;
  /** The call failed: the amounts are given back (to the buckets they were taken from, if still in the window). */
  rollback(reservation: Reserved): Promise<void>;
  /** Every counter with something in its window. */
  status(now: number): Promise<CounterStatus[]>;
  /** Resolves once the store answers a trivial request (for `/readyz`); rejects with why it cannot. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The same counter named twice in one call (a tool's limit and an `all_tools` limit sharing a name) is checked
 * once, for the sum. Keys carry the window, so a counter whose window changes with a policy reload starts afresh.
 * A request of amount 0 only reads the counter, as it stands before this call: its maximum holds the count before
 * the others' amounts are added, so in the sum it allows `max` plus those amounts. The merged request's maximum is
 * the tightest; `index` is the first request (what the counter counts for), `refusedBy` the one whose maximum that is.
 */
export function merged(items: readonly CounterRequest[]): { request: CounterRequest; index: number; refusedBy: number }[] {
  const result: { request: CounterRequest; index: number; refusedBy: number }[] = [];
  const positions = new Map<string, number>();
  // Only a key named twice needs the sum and the tightest bound: the per-call common case stays one pass.
  let shared: Map<number, number[]> | undefined;
  items.forEach((item, index) => {
    const key = `${item.key}@${item.windowMs}`;
    const at = positions.get(key);
    if (at === undefined) {
      positions.set(key, result.length);
      result.push({ request: { ...item, key }, index, refusedBy: index });
      return;
    }
    shared ??= new Map();
    shared.set(at, [...(shared.get(at) ?? [result[at]!.index]), index]);
  });
  for (const [at, indexes] of shared ?? []) {
    const amount = indexes.reduce((sum, i) => sum + items[i]!.amount, 0);
    let max = Infinity;
    let refusedBy = indexes[0]!;
    for (const i of indexes) {
      const bound = items[i]!.amount === 0 ? items[i]!.max + amount : items[i]!.max;
      if (bound < max) [max, refusedBy] = [bound, i];
    }
    result[at] = { request: { ...result[at]!.request, amount, max }, index: result[at]!.index, refusedBy };
  }
  return result;
}

/** A stored key as the operator wrote it: without the window `merged` appended. */
export function counterName(storedKey: string): string {
  return storedKey.replace(/@\d+$/, '');
}
