import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../http/http-error.js';
import { sendJson } from '../http/send-json.js';
import type { Readiness } from './readiness.js';

export const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

/**
 * `GET /healthz` (the process is up and serving: for a liveness probe) and `GET /readyz` (send it traffic: for a
 * readiness probe or a balancer). Both answer without a credential, since probes carry none, and so say nothing a
 * stranger could use: store parts and the errors they gave (without credentials), server names (the configuration's,
 * as `/mcp/<server>` shows them) and their states; never a URL's password, a grant or a tool.
 */
export class HealthEndpoint {
  constructor(private readonly readiness: Readiness) {}

  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `GET ${path}`, { allow: 'GET, HEAD' });
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    const report = await this.readiness.report();
    if (report.ready) return sendJson(res, 200, { status: 'ready' });
    const { ready: _ready, reason, ...detail } = report;
    sendJson(res, 503, { status: reason, ...detail });
  }
}
