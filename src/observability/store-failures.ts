import type { Logger } from 'pino';
import type { GatewayMetrics, StorePart } from './metrics.js';

/** A store that is down fails every call that needs it: one log line per part per this interval says so. */
const LOG_EVERY_MS = 10_000;

/**
 * Where store failures are reported: every one is counted (`toolgate_store_errors_total`), and each kind (part and
 * message) is logged at most once every ten seconds with the number not logged since, so an outage under load does
 * not flood the log.
 */
export class StoreFailures {
  private readonly quiet = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  failed(part: StorePart, error: unknown, message: string, context: Record<string, unknown> = {}): void {
    this.metrics.storeFailed(part);
    const now = Date.now();
    const kind = `${part}\0${message}`;
    const quiet = this.quiet.get(kind);
    if (quiet && now < quiet.until) {
      quiet.suppressed++;
      return;
    }
    this.log.error({ err: error, part, ...context, ...(quiet?.suppressed && { suppressed: quiet.suppressed }) }, message);
    this.quiet.set(kind, { until: now + LOG_EVERY_MS, suppressed: 0 });
  }
}
