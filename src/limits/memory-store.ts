import { counterName, merged, type CounterRequest, type CounterStatus, type CounterStore, type Refused, type Reserved } from './counter-store.js';
import { add, advance, bucketOf, emptyWindow, freesInMs, retryAfterMs, used, type WindowState } from './window.js';

/** How many reservations between sweeps of counters whose window has emptied. */
const SWEEP_EVERY = 10_000;

/**
 * Counters in this process's memory: exact under any concurrency within the process (a reservation runs to the end
 * without yielding), lost on restart, not shared with other replicas.
 */
export class MemoryCounterStore implements CounterStore {
  private readonly windows = new Map<string, { state: WindowState; windowMs: number }>();
  private untilSweep = SWEEP_EVERY;

  async reserve(items: readonly CounterRequest[], now: number): Promise<Reserved | Refused> {
    return this.reserveNow(items, now);
  }

  /** The synchronous heart of `reserve`, also what the benchmark measures. */
  reserveNow(items: readonly CounterRequest[], now: number): Reserved | Refused {
    if (--this.untilSweep <= 0) this.sweep(now);
    const checks = merged(items).map(({ request, index, refusedBy }) => {
      const window = this.window(request.key, request.windowMs);
      advance(window.state, request.windowMs, now);
      return { request, index, refusedBy, state: window.state };
    });
    for (const { request, refusedBy, state } of checks) {
      if (used(state) + request.amount > request.max) {
        return { kind: 'refused', index: refusedBy, retryAfterMs: retryAfterMs(state, request.windowMs, request.max, request.amount, now) };
      }
    }
    const taken = checks.map(({ request, index, state }) => {
      const bucket = bucketOf(request.windowMs, now);
      add(state, bucket, request.amount);
      return { key: request.key, windowMs: request.windowMs, bucket, amount: request.amount, index, used: used(state) };
    });
    return { kind: 'reserved', items: taken };
  }

  async commit(): Promise<void> {}

  async rollback(reservation: Reserved): Promise<void> {
    for (const item of reservation.items) {
      const window = this.windows.get(item.key);
      if (window) add(window.state, item.bucket, -item.amount);
    }
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.windows.clear();
  }

  async status(now: number): Promise<CounterStatus[]> {
    const counters: CounterStatus[] = [];
    for (const [key, { state, windowMs }] of this.windows) {
      advance(state, windowMs, now);
      const inWindow = used(state);
      if (inWindow > 0) counters.push({ key: counterName(key), windowMs, used: inWindow, freesInMs: freesInMs(state, windowMs, now) });
    }
    return counters;
  }

  private window(key: string, windowMs: number): { state: WindowState; windowMs: number } {
    let window = this.windows.get(key);
    if (!window) this.windows.set(key, (window = { state: emptyWindow(), windowMs }));
    return window;
  }

  /** Drops counters with nothing left in their window, so memory follows the active counters only. */
  private sweep(now: number): void {
    this.untilSweep = SWEEP_EVERY;
    for (const [key, window] of this.windows) {
      advance(window.state, window.windowMs, now);
      if (used(window.state) === 0) this.windows.delete(key);
    }
  }
}
