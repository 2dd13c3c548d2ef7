import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ADMIN_OFF, AdminApi } from '../admin/admin-api.js';
import { adminAuthenticatorFor, type AdminAuthenticator } from '../admin/admin-identity.js';
import { CONSOLE_PATH, ConsoleEndpoint } from '../admin/console-endpoint.js';
import { ApprovalLinkEndpoint, LINK_PATH } from '../approvals/approval-link-endpoint.js';
import { approverNamed } from '../approvals/approver-groups.js';
import type { Fleet } from '../fleet/open-fleet.js';
import { checkHostAndOrigin } from '../http/browser-origin.js';
import { HttpError } from '../http/http-error.js';
import { sendError, sendJson } from '../http/send-json.js';
import { LogThrottle } from '../observability/log-throttle.js';
import { MetricsEndpoint } from '../observability/metrics-endpoint.js';
import { ErrorCode, errorResponse } from '../protocol/jsonrpc.js';
import type { Gateway } from './gateway.js';
import { gatewayCatalogue } from './gateway-catalogue.js';
import { HEALTH_PATHS, HealthEndpoint } from './health-endpoint.js';
import { Readiness } from './readiness.js';
import { CatalogueCache } from '../catalog/catalogue.js';
import { MCP_PATH, McpEndpoint } from './mcp-endpoint.js';
import type { OpenStreams } from './response-stream.js';
import { serverStatuses } from './server-statuses.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
}

const KEEPALIVE_MS = 25_000;

/**
 * The gateway's HTTP listener: the MCP endpoint (`/mcp`, `/mcp/<server>`), and beside it, as handlers of their own,
 * the admin API (`/admin/…`), the web console (`/console`), Prometheus metrics (`/metrics`) and the probes
 * (`/healthz`, `/readyz`). Every path passes the DNS-rebinding check; every refusal is an `HttpError`, answered by one
 * writer. `drain` begins a shutdown: see shutdown.ts.
 */
export class HttpServer {
  readonly server: Server;
  private readonly streams: OpenStreams = new Set();
  private readonly mcp: McpEndpoint;
  private readonly metrics: MetricsEndpoint;
  private readonly readiness: Readiness;
  private readonly health: HealthEndpoint;
  /** Requests not yet answered (streams included), and who waits for there to be none. */
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private draining = false;
  private adminApi?: AdminApi;
  private console?: ConsoleEndpoint;
  private admins?: Promise<AdminAuthenticator>;
  /** Each server's tools as last classified, for the admin API's catalogue. */
  private readonly catalogueCache = new CatalogueCache();
  private links?: ApprovalLinkEndpoint;
  private keepalive?: NodeJS.Timeout;
  /** Unexpected failures are logged once per ten seconds per kind: a client must not be able to flood the log. */
  private readonly failures = new LogThrottle();

  constructor(
    private readonly gateway: Gateway,
    private readonly options: HttpServerOptions,
  ) {
    this.mcp = new McpEndpoint(gateway, options.maxBodyBytes, this.streams);
    this.metrics = new MetricsEndpoint(gateway.metrics, options.host, gateway.config.metrics.token_sha256);
    this.readiness = new Readiness({
      stores: () => gateway.storeProbes(),
      servers: () => gateway.upstreams.values(),
      failed: (part, error) => gateway.storeFailures.failed(part, error, `${part} store did not answer the readiness probe`),
    });
    this.health = new HealthEndpoint(this.readiness);
    this.server = createServer((req, res) => {
      this.active++;
      res.once('close', () => this.finished());
      this.serve(req, res).catch((error: unknown) => this.reject(req, res, error));
    });
    this.server.keepAliveTimeout = 65_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.keepalive = setInterval(() => {
      for (const stream of this.streams) stream.keepAlive();
    }, KEEPALIVE_MS);
    this.keepalive.unref();
    const { port } = this.server.address() as AddressInfo;
    // Bound to every address, it is reachable on loopback: a URL a client on this machine can use as printed.
    const bound = this.options.host === '0.0.0.0' ? '127.0.0.1' : this.options.host === '::' ? '::1' : this.options.host;
    const host = bound.includes(':') ? `[${bound}]` : bound;
    return `http://${host}:${port}`;
  }

  /**
   * Stops taking work: `/readyz` says "shutting down", the port stops accepting connections, idle keep-alive
   * connections close, and every new request but a probe is answered 503 with `Connection: close`. Streams that
   * carry no call end (legacy GET streams, the admin API's event streams); calls in flight go on.
   */
  drain(): void {
    this.draining = true;
    this.readiness.shutDown();
    this.server.close();
    this.server.closeIdleConnections();
    this.mcp.endStandingStreams();
    this.adminApi?.close();
  }

  /** Resolves once every request taken has been answered (or its client left), or after `ms`: whether it had. */
  idle(ms: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Requests taken and not answered yet. */
  get inFlight(): number {
    return this.active;
  }

  private finished(): void {
    this.active--;
    // A keep-alive connection whose last request is answered would otherwise stay open for the next one.
    if (this.draining) this.server.closeIdleConnections();
    if (this.active > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  async close(): Promise<void> {
    clearInterval(this.keepalive);
    for (const stream of this.streams) stream.end();
    this.adminApi?.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const mcp = MCP_PATH.exec(path);
    const link = LINK_PATH.exec(path);
    const consolePath = CONSOLE_PATH.exec(path);
    const probe = HEALTH_PATHS.has(path);
    const known = mcp !== null || link !== null || consolePath !== null || probe || path.startsWith('/admin/') || path === '/metrics';
    if (!known) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the MCP endpoints are /mcp and /mcp/<server>\n');
      return;
    }
    const webhook = this.gateway.config.approvals.webhook;
    // A link's confirmation page posts from the gateway's public address (links exist only with one).
    const allowedOrigins = link && webhook?.public_url ? [...this.options.allowedOrigins, new URL(webhook.public_url).origin] : this.options.allowedOrigins;
    checkHostAndOrigin(req, res, this.options.host, allowedOrigins, (message) =>
      mcp ? new HttpError(403, message, {}, errorResponse(null, ErrorCode.InvalidRequest, message)) : new HttpError(403, message),
    );
    if (probe) return this.health.handle(req, res, path);
    // The balancer has been told (`/readyz`); a client that still comes is sent to another replica.
    if (this.draining) throw new HttpError(503, 'the gateway is shutting down; try another replica', { 'retry-after': '1', connection: 'close' }, mcp ? errorResponse(null, ErrorCode.InternalError, 'the gateway is shutting down') : undefined);
    if (mcp) return this.mcp.handle(req, res, mcp[1]);
    if (link) return this.approvalLink(req, res, link[1]!, link[2]!);
    if (path === '/metrics') return this.metrics.handle(req, res);
    if (consolePath) return this.consolePage(req, res, consolePath[1]);
    return this.admin(req, res, path);
  }

  /** The web console (admin/console-endpoint.ts): there only with the admin API, and unless `console.enabled` is false. */
  private async consolePage(req: IncomingMessage, res: ServerResponse, rest: string | undefined): Promise<void> {
    if (!this.gateway.config.console.enabled) throw new HttpError(404, 'the console is off in this configuration (console.enabled: false)');
    const admins = await this.adminAuthenticator();
    if (!this.gateway.grants || !admins.configured) throw new HttpError(404, `the console signs in with an admin credential, and ${ADMIN_OFF}`);
    const fleet = this.openedFleet();
    this.console ??= new ConsoleEndpoint({ admins, sessions: fleet.consoleSessions, throttle: fleet.signInThrottle });
    await this.console.handle(req, res, rest);
  }

  /**
   * The fleet, where the console's sessions and sign-in throttle live (this process's, or the Redis every replica
   * shares): a request that comes while the gateway opens its stores is told to come again.
   */
  private openedFleet(): Fleet {
    const fleet = this.gateway.fleet;
    if (!fleet) throw new HttpError(503, 'the gateway is starting', { 'retry-after': '1' });
    return fleet;
  }

  private adminAuthenticator(): Promise<AdminAuthenticator> {
    this.admins ??= adminAuthenticatorFor(this.gateway.config);
    return this.admins;
  }

  /** A signed approve or deny link (approvals/approval-link-endpoint.ts), decided as `approvals.webhook.link_approver`. */
  private async approvalLink(req: IncomingMessage, res: ServerResponse, id: string, verdict: string): Promise<void> {
    const { webhook, groups } = this.gateway.config.approvals;
    if (!webhook) throw new HttpError(404, 'approval links are off: set approvals.webhook in the configuration');
    const approvals = this.gateway.approvalDesk;
    if (!approvals) throw new HttpError(503, 'the gateway is starting', { 'retry-after': '1' });
    this.links ??= new ApprovalLinkEndpoint({ approvals, secret: webhook.secret, approver: approverNamed(groups, webhook.link_approver) });
    await this.links.handle(req, res, id, verdict);
  }

  /** The admin API answers to admin tokens only (admin/admin-api.ts). */
  private async admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const { grants, approvalDesk: approvals, config } = this.gateway;
    // Without grants there is no admin credential either (setting one opens the grant store).
    if (!grants || !approvals) return sendJson(res, 404, { error: ADMIN_OFF });
    this.adminApi ??= new AdminApi({
      grants,
      audit: this.gateway.auditLog,
      catalog: {
        servers: [...this.gateway.upstreams.keys()],
        statuses: () => serverStatuses(this.gateway.upstreams, this.gateway.inventory),
        catalogue: (servers) => gatewayCatalogue(this.gateway, servers, this.catalogueCache),
      },
      ...(config.console.enabled && { sessions: this.openedFleet().consoleSessions }),
      policies: { servers: [...this.gateway.upstreams.keys()], load: (server) => this.gateway.admission.policyLoad(server), reload: (server) => this.gateway.admission.reload(server) },
      pins: this.gateway.definitionReview,
      activity: this.gateway.metrics.recent,
      approvals,
      groups: config.approvals.groups,
      admins: await this.adminAuthenticator(),
      feedFailed: (error) => this.gateway.storeFailures.failed('approvals', error, 'approval store unavailable to the admin API’s event stream'),
    });
    await this.adminApi.handle(req, res, path);
  }

  private reject(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) return sendError(res, error);
    const turn = this.failures.take(`${req.method} ${(req.url ?? '').split('/')[1]} ${(error as Error)?.message}`);
    if (turn.log) this.gateway.log.error({ err: error, ...(turn.suppressed > 0 && { suppressed: turn.suppressed }) }, 'unexpected error serving an HTTP request');
    sendJson(res, 500, errorResponse(null, ErrorCode.InternalError, 'internal error'));
  }
}
