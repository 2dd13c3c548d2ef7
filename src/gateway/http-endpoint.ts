import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  classify,
  ErrorCode,
  errorResponse,
  paramsOf,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type Params,
  type RequestId,
} from '../protocol/jsonrpc.js';
import { allowsBatches, isModernVersion, LEGACY_VERSIONS, PROTOCOL_VERSION_META_KEY, unsupportedVersion } from '../protocol/eras.js';
import { ADMIN_OFF, AdminApi } from '../admin/admin-api.js';
import { adminTokenMatches } from '../admin/admin-token.js';
import { sendJson } from '../admin/json-http.js';
import { AuthenticationUnavailable, reaches, type AuthOutcome, type Caller } from '../grants/authenticator.js';
import { isLoopback } from '../http/loopback.js';
import { readBody } from '../http/read-body.js';
import { Cancellation } from '../upstream/cancellation.js';
import type { Gateway } from './gateway.js';
import { paramHeaderMismatch, standardHeaderMismatch } from './mcp-headers.js';
import type { Reachable, Route } from './route.js';
import { Session, type Outbound } from './session.js';

export interface HttpEndpointOptions {
  host: string;
  port: number;
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  /** A legacy session with no open stream is forgotten after this long without a request. */
  sessionIdleMs?: number;
  /** How often open legacy sessions have their credential checked again, so a revoked grant's streams close. */
  sessionRecheckMs?: number;
}

/**
 * 2026-07-28 gives some errors an HTTP status of their own, whoever produced them (the gateway or the upstream):
 * an unknown method is a 404, so a client can tell it from a server that is not there; protocol-level refusals
 * are 400s.
 */
const MODERN_ERROR_STATUS: Record<number, number> = {
  [ErrorCode.MethodNotFound]: 404,
  [ErrorCode.HeaderMismatch]: 400,
  [ErrorCode.MissingRequiredClientCapability]: 400,
  [ErrorCode.UnsupportedProtocolVersion]: 400,
};

const ENDPOINT = /^\/mcp(?:\/([^/?#]+))?\/?$/;
const KEEPALIVE_MS = 25_000;

/** A JSON-RPC error that is answered with an HTTP status of its own. */
class HttpFailure {
  constructor(
    readonly status: number,
    readonly body: JSONRPCErrorResponse,
  ) {}
}

function fail(status: number, code: number, message: string, data?: unknown, id: RequestId | null = null): never {
  throw new HttpFailure(status, errorResponse(id, code, message, data));
}

/**
 * The Streamable HTTP endpoint agents connect to, for both eras at once: a request with the 2026-07-28
 * `_meta` envelope is served statelessly; `initialize` opens a legacy session (`Mcp-Session-Id`, GET stream,
 * DELETE). Written on node:http rather than the SDK's server transport, which costs several times the whole
 * gateway's per-request budget (Request/Response conversion, per-message schema validation, per-session
 * objects; see docs/architecture.md for the measurement).
 */
export class HttpEndpoint {
  readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private readonly timers: NodeJS.Timeout[] = [];
  private adminApi?: AdminApi;

  constructor(
    private readonly gateway: Gateway,
    private readonly options: HttpEndpointOptions,
  ) {
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => this.reject(res, error));
    });
    this.server.keepAliveTimeout = 65_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const keepalive = setInterval(() => {
      for (const stream of this.streams) stream.write(': keepalive\n\n');
    }, KEEPALIVE_MS);
    const idle = this.options.sessionIdleMs ?? 30 * 60_000;
    const sweep = setInterval(() => {
      const cutoff = Date.now() - idle;
      for (const session of this.gateway.sessions.values()) {
        if (!session.standalone && session.lastSeen < cutoff) this.gateway.endSession(session);
      }
    }, Math.min(idle, 60_000));
    const recheck = setInterval(() => void this.recheckSessions(), this.options.sessionRecheckMs ?? 60_000);
    keepalive.unref();
    sweep.unref();
    recheck.unref();
    this.timers.push(keepalive, sweep, recheck);
    const { port } = this.server.address() as AddressInfo;
    // Bound to every address, it is reachable on loopback: a URL a client on this machine can use as printed.
    const bound = this.options.host === '0.0.0.0' ? '127.0.0.1' : this.options.host === '::' ? '::1' : this.options.host;
    const host = bound.includes(':') ? `[${bound}]` : bound;
    return `http://${host}:${port}`;
  }

  /**
   * Requests are authenticated one by one, but a GET stream outlives the request that opened it: each session's
   * latest credential is checked again, and the sessions of a grant revoked or expired since are ended (their streams
   * close). A store that cannot answer ends nothing: its outage is not a revocation.
   */
  private async recheckSessions(): Promise<void> {
    for (const session of [...this.gateway.sessions.values()]) {
      if (session.credential === undefined) continue;
      const outcome = await this.gateway.authenticate(session.credential).catch(() => undefined);
      if (outcome?.kind === 'rejected' || (outcome?.kind === 'ok' && outcome.caller.id !== session.caller.id)) this.gateway.endSession(session);
    }
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const stream of this.streams) stream.end();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/admin/')) return this.admin(req, res, path);
    if (path === '/metrics') return this.metrics(req, res);
    const match = ENDPOINT.exec(path);
    if (!match) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the MCP endpoints are /mcp and /mcp/<server>\n');
      return;
    }
    this.checkHostAndOrigin(req, res);
    const serverName = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const route = this.gateway.route(serverName);
    if (!route) {
      const known = [...this.gateway.upstreams.keys()].join(', ');
      fail(404, ErrorCode.InvalidRequest, `unknown server "${serverName}"; this gateway serves: ${known}`);
    }
    if (req.method === 'OPTIONS') {
      // A CORS preflight carries no credentials: it is answered before authentication, and grants nothing.
      res.writeHead(204).end();
      return;
    }
    const caller = await this.authenticate(req, res);
    if (serverName !== undefined && !reaches(caller, serverName)) {
      this.gateway.metrics.refused('forbidden');
      fail(403, ErrorCode.InvalidRequest, `grant "${caller.label}" may not reach server "${serverName}"`);
    }
    switch (req.method) {
      case 'POST':
        return this.post(req, res, route, caller);
      case 'GET':
        return this.get(req, res, route, caller);
      case 'DELETE':
        return this.delete(req, res, route, caller);
      default:
        res.setHeader('allow', 'GET, POST, DELETE, OPTIONS');
        fail(405, ErrorCode.InvalidRequest, `method ${req.method} is not allowed`);
    }
  }

  /** The admin API, on the same listener; it answers to the admin token only (admin/admin-api.ts). */
  private async admin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    this.checkHostAndOrigin(req, res);
    const grants = this.gateway.grants;
    // Without grants there is no admin credential either (setting one opens the grant store).
    if (!grants) return sendJson(res, 404, { error: ADMIN_OFF });
    this.adminApi ??= new AdminApi({ grants, audit: this.gateway.auditLog, tokenSha256: this.gateway.config.admin?.token_sha256 });
    await this.adminApi.handle(req, res, path);
  }

  /**
   * Prometheus metrics. Off loopback they need their own token: tool names and call rates are not for anyone who
   * can reach the port.
   */
  private async metrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.checkHostAndOrigin(req, res);
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    const tokenSha256 = this.gateway.config.metrics.token_sha256;
    if (tokenSha256 === undefined && !isLoopback(this.options.host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('metrics are served off loopback only with metrics.token_sha256 set in the configuration\n');
      return;
    }
    if (tokenSha256 !== undefined && !adminTokenMatches(req.headers.authorization, tokenSha256)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="toolgate-metrics"' }).end('Unauthorized: /metrics needs the metrics token\n');
      return;
    }
    const { contentType, body } = await this.gateway.metrics.exposition();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
  }

  /**
   * Every request proves its grant (a legacy session is no credential: the token is checked each time, so a
   * revocation holds from the next request). Refusals are 401s with RFC 6750's WWW-Authenticate.
   */
  private async authenticate(req: IncomingMessage, res: ServerResponse): Promise<Caller> {
    let outcome: AuthOutcome;
    try {
      outcome = await this.gateway.authenticate(req.headers.authorization);
    } catch (error) {
      // Fail closed, and say it is passing: the credential may be good, so the client should keep it and retry.
      if (!(error instanceof AuthenticationUnavailable)) this.gateway.storeFailures.failed('grants', error, 'grant store unavailable');
      this.gateway.metrics.refused('unavailable');
      res.setHeader('retry-after', '5');
      fail(503, ErrorCode.InternalError, `Service Unavailable: ${error instanceof AuthenticationUnavailable ? error.message : 'the grant store is unavailable'}`);
    }
    if (outcome.kind === 'ok') return outcome.caller;
    this.gateway.metrics.refused('unauthenticated');
    const error = outcome.error ? `, error="${outcome.error}", error_description="${outcome.description.replaceAll('"', "'")}"` : '';
    res.setHeader('www-authenticate', `Bearer realm="toolgate"${error}`);
    fail(401, ErrorCode.InvalidRequest, `Unauthorized: ${outcome.description}`);
  }

  /** DNS rebinding defence: a browser page must not reach a loopback gateway under a foreign name or origin. */
  private checkHostAndOrigin(req: IncomingMessage, res: ServerResponse): void {
    if (isLoopback(this.options.host)) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (!isLoopback(host)) fail(403, ErrorCode.InvalidRequest, `Host "${req.headers.host}" is not allowed`);
    }
    const origin = req.headers.origin;
    if (origin === undefined) return;
    let allowed = this.options.allowedOrigins.includes(origin);
    if (!allowed) {
      try {
        allowed = isLoopback(new URL(origin).hostname);
      } catch {
        allowed = false;
      }
    }
    if (!allowed) fail(403, ErrorCode.InvalidRequest, `Origin "${origin}" is not allowed`);
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-headers', '*');
    res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version');
    res.setHeader('vary', 'origin');
  }

  private async post(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(contentType)) fail(415, ErrorCode.InvalidRequest, 'Content-Type must be application/json');
    const accept = req.headers.accept ?? '';
    const acceptsAll = accept.includes('*/*');
    if (!acceptsAll && !(accept.includes('application/json') && accept.includes('text/event-stream'))) {
      fail(406, ErrorCode.InvalidRequest, 'Accept must list both application/json and text/event-stream');
    }
    const body = await this.readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      fail(400, ErrorCode.ParseError, 'Parse error: the body is not valid JSON');
    }
    if (Array.isArray(parsed)) return this.batch(req, res, route, caller, parsed);
    const classified = classify(parsed);
    if ('invalid' in classified) fail(400, ErrorCode.InvalidRequest, `Invalid Request: ${classified.invalid}`);
    const message = classified.message;

    const params = 'method' in message ? paramsOf(message as JSONRPCRequest) : {};
    const meta = params._meta as Record<string, unknown> | undefined;
    if (meta?.[PROTOCOL_VERSION_META_KEY] !== undefined || isModernVersion(req.headers['mcp-protocol-version'])) {
      if (classified.kind !== 'request') {
        res.writeHead(202).end();
        return;
      }
      const session = await this.modernSession(req, route, caller, message as JSONRPCRequest, params);
      return this.run(res, session, message as JSONRPCRequest);
    }
    if (classified.kind === 'request' && (message as JSONRPCRequest).method === 'initialize') {
      return this.initialize(res, route, caller, message as JSONRPCRequest, req.headers.authorization);
    }
    const session = this.legacySession(req, route, caller);
    if (classified.kind === 'request') return this.run(res, session, message as JSONRPCRequest);
    if (classified.kind === 'notification') this.gateway.notification(session, message as JSONRPCRequest);
    else session.answer(message as JSONRPCResponse);
    res.writeHead(202).end();
  }

  private async initialize(res: ServerResponse, route: Route, caller: Caller, request: JSONRPCRequest, credential: string | undefined): Promise<void> {
    const { session, result } = await this.gateway.openSession(route, caller, paramsOf(request));
    session.credential = credential;
    this.json(res, 200, { jsonrpc: '2.0', id: request.id, result }, { 'mcp-session-id': session.id });
  }

  /** The session the request names, if it exists on this route and belongs to the caller's grant. */
  private legacySession(req: IncomingMessage, route: Route, caller: Caller): Session {
    const id = req.headers['mcp-session-id'];
    if (typeof id !== 'string') {
      fail(400, ErrorCode.InvalidRequest, 'Bad Request: send initialize first (legacy revisions) or the 2026-07-28 _meta envelope with every request');
    }
    const session = this.gateway.sessions.get(id);
    // Another grant's session is answered as unknown: its existence is not the caller's business.
    if (!session || session.route !== route || session.caller.id !== caller.id) fail(404, ErrorCode.InvalidRequest, 'Session not found: initialize again');
    // The latest credential is the one checked again while a stream stays open (a rotated token replaces the old).
    session.credential = req.headers.authorization;
    const version = req.headers['mcp-protocol-version'];
    if (typeof version === 'string' && !LEGACY_VERSIONS.includes(version)) {
      fail(400, ErrorCode.InvalidRequest, `Unsupported MCP-Protocol-Version "${version}"`);
    }
    return session;
  }

  /** Validates a 2026-07-28 request's envelope and headers and makes the one-request session it runs in. */
  private async modernSession(req: IncomingMessage, route: Route, caller: Caller, request: JSONRPCRequest, params: Params): Promise<Session> {
    const headerVersion = req.headers['mcp-protocol-version'];
    const bodyVersion = (params._meta as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_META_KEY];
    if (bodyVersion !== undefined && headerVersion !== bodyVersion) {
      // A version the gateway speaks in the header that the body contradicts is a mismatch; a header naming a
      // version it does not speak is answered as such (the order the SDK and the conformance suite use).
      if (typeof headerVersion === 'string' && !isModernVersion(headerVersion) && !LEGACY_VERSIONS.includes(headerVersion)) {
        throw new HttpFailure(400, unsupportedVersion(request.id, headerVersion));
      }
      fail(400, ErrorCode.HeaderMismatch, `MCP-Protocol-Version header ${JSON.stringify(headerVersion)} does not match _meta version ${JSON.stringify(bodyVersion)}`, undefined, request.id);
    }
    const session = this.gateway.statelessSession(route, caller, request);
    if (!(session instanceof Session)) throw new HttpFailure(400, session as JSONRPCErrorResponse);
    const mismatch =
      standardHeaderMismatch(req.headers, request.method, params) ??
      (request.method === 'tools/call' ? await this.paramHeaders(req, route, params, session.reachable) : undefined);
    if (mismatch) fail(400, ErrorCode.HeaderMismatch, `Header mismatch: ${mismatch}`, undefined, request.id);
    return session;
  }

  private async paramHeaders(req: IncomingMessage, route: Route, params: Params, reachable: Reachable): Promise<string | undefined> {
    if (typeof params.name !== 'string') return undefined;
    const target = await route.resolve('tools', params.name, reachable);
    if (!target) return undefined;
    const tools = await this.gateway.inventory.cached(target.upstream, 'tools').catch(() => []);
    return paramHeaderMismatch(req.headers, tools.find((t) => t.name === target.name), params.arguments);
  }

  /** Runs one request; its response goes out as JSON, or as SSE once something must be streamed before it. */
  private async run(res: ServerResponse, session: Session, request: JSONRPCRequest): Promise<void> {
    const stream = new ResponseStream(res, this.streams);
    const cancellation = new Cancellation();
    res.once('close', () => {
      if (!res.writableFinished) cancellation.cancel();
    });
    const response = await this.gateway.handle(session, request, { outbound: stream, cancellation });
    stream.finish(response, session.era === 'modern' && 'error' in response ? (MODERN_ERROR_STATUS[response.error.code] ?? 200) : 200);
  }

  /** 2025-03-26 allowed JSON-RPC batches; later revisions forbid them. */
  private async batch(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller, items: unknown[]): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    const session = typeof sessionId === 'string' ? this.gateway.sessions.get(sessionId) : undefined;
    if (!session || session.route !== route || session.caller.id !== caller.id || !allowsBatches(session.protocolVersion)) {
      fail(400, ErrorCode.InvalidRequest, `Invalid Request: JSON-RPC batches are not allowed${session ? ` in protocol revision ${session.protocolVersion}` : ' outside a 2025-03-26 session'}`);
    }
    if (items.length === 0) fail(400, ErrorCode.InvalidRequest, 'Invalid Request: empty batch');
    const responses = await Promise.all(
      items.map(async (item): Promise<JSONRPCMessage | undefined> => {
        const classified = classify(item);
        if ('invalid' in classified) return errorResponse(null, ErrorCode.InvalidRequest, `Invalid Request: ${classified.invalid}`);
        if (classified.kind === 'request') return this.gateway.handle(session, classified.message as JSONRPCRequest);
        if (classified.kind === 'notification') this.gateway.notification(session, classified.message as JSONRPCRequest);
        else session.answer(classified.message as JSONRPCResponse);
        return undefined;
      }),
    );
    const answered = responses.filter((r) => r !== undefined);
    if (answered.length === 0) res.writeHead(202).end();
    else this.json(res, 200, answered);
  }

  private get(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller): void {
    const id = req.headers['mcp-session-id'];
    if (typeof id !== 'string') {
      res.setHeader('allow', 'POST');
      fail(405, ErrorCode.InvalidRequest, 'GET opens a legacy session stream and needs an Mcp-Session-Id; 2026-07-28 has no GET stream');
    }
    const session = this.legacySession(req, route, caller);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) fail(406, ErrorCode.InvalidRequest, 'Accept must list text/event-stream');
    if (session.standalone) fail(409, ErrorCode.InvalidRequest, 'Conflict: this session already has a GET stream open');
    const stream = new ResponseStream(res, this.streams);
    stream.open();
    session.standalone = stream;
    res.once('close', () => {
      if (session.standalone === stream) session.standalone = undefined;
    });
    // The stream ends with its session (DELETE, idle, or a grant revoked since).
    void session.ended.then(() => res.end());
  }

  private delete(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller): void {
    const session = this.legacySession(req, route, caller);
    this.gateway.endSession(session);
    res.writeHead(200).end();
  }

  private readBody(req: IncomingMessage): Promise<string> {
    const limit = this.options.maxBodyBytes;
    return readBody(req, limit, () => new HttpFailure(413, errorResponse(null, ErrorCode.InvalidRequest, `the body is larger than ${limit} bytes`)));
  }


  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
  }

  private reject(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpFailure) {
      this.json(res, error.status, error.body);
      return;
    }
    this.gateway.log.error({ err: error }, 'unexpected error serving an HTTP request');
    this.json(res, 500, errorResponse(null, ErrorCode.InternalError, 'internal error'));
  }
}

/**
 * One HTTP response as a stream of JSON-RPC messages. It stays a plain JSON response unless something has to
 * be sent before the final answer (progress, a server request): then it becomes an SSE stream.
 */
class ResponseStream implements Outbound {
  private streaming = false;

  constructor(
    private readonly res: ServerResponse,
    /** Open SSE streams, kept alive with comments while they last. */
    private readonly streams: Set<ServerResponse>,
  ) {}

  open(): void {
    if (this.streaming) return;
    this.streaming = true;
    this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    this.res.flushHeaders();
    this.streams.add(this.res);
    this.res.once('close', () => this.streams.delete(this.res));
  }

  send(message: JSONRPCMessage): boolean {
    if (this.res.writableEnded || this.res.destroyed) return false;
    this.open();
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return true;
  }

  finish(response: JSONRPCResponse, status = 200): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (this.streaming) {
      this.res.end(`event: message\ndata: ${JSON.stringify(response)}\n\n`);
      return;
    }
    const text = JSON.stringify(response);
    this.res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  }
}
