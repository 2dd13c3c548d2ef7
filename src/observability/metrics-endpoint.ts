import type { IncomingMessage, ServerResponse } from 'node:http';
import { adminTokenMatches } from '../admin/admin-token.js';
import { HttpError } from '../http/http-error.js';
import { isLoopback } from '../http/loopback.js';
import type { GatewayMetrics } from './metrics.js';

/**
 * `GET /metrics`, for Prometheus. Off loopback it needs its own token: tool names and call rates are not for anyone
 * who can reach the port.
 */
export class MetricsEndpoint {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly listenHost: string,
    private readonly tokenSha256: string | undefined,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') throw new HttpError(405, 'GET /metrics', { allow: 'GET' });
    if (this.tokenSha256 === undefined && !isLoopback(this.listenHost)) {
      throw new HttpError(403, 'metrics are served off loopback only with metrics.token_sha256 set in the configuration');
    }
    if (this.tokenSha256 !== undefined && !adminTokenMatches(req.headers.authorization, this.tokenSha256)) {
      throw new HttpError(401, 'Unauthorized: /metrics needs the metrics token', { 'www-authenticate': 'Bearer realm="toolgate-metrics"' });
    }
    const { contentType, body } = await this.metrics.exposition();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
  }
}
