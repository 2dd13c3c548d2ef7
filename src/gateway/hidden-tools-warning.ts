import type { Logger } from 'pino';
import { LogThrottle } from '../observability/log-throttle.js';

/** How often the line for one server is logged again while its tools stay hidden: agents list on every turn. */
export const HIDDEN_TOOLS_EVERY_MS = 10 * 60_000;

/**
 * Says in the log that a tools/list was answered without a server's tools because that server has no policy: the
 * agent sees an empty list and no error, so the log is the one place that can say why. Once per server per interval.
 */
export class HiddenToolsWarning {
  private readonly throttle: LogThrottle;

  constructor(
    private readonly log: Logger,
    clock?: () => number,
  ) {
    this.throttle = new LogThrottle(clock, HIDDEN_TOOLS_EVERY_MS);
  }

  /** `tools` of `server`'s tools were left out of a listing for want of its policy. */
  hidden(server: string, tools: number): void {
    if (!this.throttle.take(server).log) return;
    const count = tools === 1 ? '1 tool is' : `${tools} tools are`;
    this.log.warn({ server, hidden: tools }, `tools/list: ${count} hidden because server ${server} has no policy (every call is denied too); toolgate init --server ${server} writes a starting one`);
  }
}
