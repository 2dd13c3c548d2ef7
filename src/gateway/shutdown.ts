import type { Logger } from 'pino';
import type { Gateway } from './gateway.js';
import type { HttpServer } from './http-server.js';

/** After the grace, how long cancelled calls are given for their errors (and outcomes) to be written. */
const AFTER_CANCEL_MS = 2_000;

export interface ShutdownOutcome {
  /** Calls still running when the grace ran out: each was cancelled, upstream too, and answered with an error. */
  readonly cancelled: number;
}

/**
 * A graceful shutdown, in the order that loses nothing: stop taking work (`/readyz` says so first, then the port
 * closes and new requests on open connections get 503 with `Connection: close`), answer calls held for approval
 * (their records stay pending), end the streams that carry no call, let calls in flight finish within `graceMs`,
 * cancel what is left, then close the listener and the gateway: the audit log writes its last batch before its
 * store closes, and the upstreams go last.
 */
export async function shutDown(endpoint: HttpServer, gateway: Gateway, graceMs: number, log: Logger): Promise<ShutdownOutcome> {
  endpoint.drain();
  gateway.drain();
  log.info({ graceMs, inFlight: endpoint.inFlight }, `shutting down: no new requests; ${endpoint.inFlight} in flight, given ${graceMs} ms to finish`);
  let cancelled = 0;
  if (!(await endpoint.idle(graceMs))) {
    cancelled = gateway.cancelCalls('cancelled: the gateway shut down before the call finished');
    log.warn({ cancelled, graceMs }, `shutdown: the grace of ${graceMs} ms ran out; ${cancelled} calls still running were cancelled`);
    await endpoint.idle(AFTER_CANCEL_MS);
  }
  log.info('shutdown: closing connections, the audit log and the stores, then the upstreams');
  await endpoint.close();
  await gateway.close();
  log.info({ cancelled }, 'shut down');
  return { cancelled };
}
