import type { Logger } from 'pino';
import { LogThrottle } from './log-throttle.js';
import type { GatewayMetrics, StorePart } from './metrics.js';

/**
 * Where store failures are reported: every one is counted (`toolgate_store_errors_total`), and each kind (part and
 * message) is logged at most once every ten seconds with the number not logged since, so an outage under load does
 * not flood the log.
 */
export class StoreFailures {
  private readonly throttle = new LogThrottle();

  constructor(
    private readonly log: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  failed(part: StorePart, error: unknown, message: string, context: Record<string, unknown> = {}): void {
    this.metrics.storeFailed(part);
    const turn = this.throttle.take(`${part}\0${message}`);
    if (!turn.log) return;
    this.log.error({ err: error, part, ...context, ...(turn.suppressed > 0 && { suppressed: turn.suppressed }) }, message);
  }
}
