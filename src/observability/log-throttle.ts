/** How often one kind of line may be logged while it keeps happening, unless a throttle is given its own interval. */
const LOG_EVERY_MS = 10_000;

/**
 * Decides which occurrences of a recurring event are logged: the first of each kind, then at most one every ten
 * seconds (or `everyMs`), carrying how many were not logged since. An event a client can cause at will (a malformed
 * request) or that repeats with every call (a store that is down) then costs one line, not a flood.
 */
export class LogThrottle {
  private readonly quiet = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly clock: () => number = () => Date.now(),
    private readonly everyMs = LOG_EVERY_MS,
  ) {}

  /** Whether to log this occurrence of `kind`, and how many were suppressed since the last one logged. */
  take(kind: string): { log: false } | { log: true; suppressed: number } {
    const now = this.clock();
    const quiet = this.quiet.get(kind);
    if (quiet && now < quiet.until) {
      quiet.suppressed++;
      return { log: false };
    }
    // Kinds are few (a part and a message, a route and a status), but a client must not grow this map at will.
    if (this.quiet.size >= 1_000) this.quiet.clear();
    this.quiet.set(kind, { until: now + this.everyMs, suppressed: 0 });
    return { log: true, suppressed: quiet?.suppressed ?? 0 };
  }
}
