import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  classify,
  ErrorCode,
  errorResponse,
  paramsOf,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type Params,
  type RequestId,
} from '../protocol/jsonrpc.js';
import { allowsBatches, isModernVersion, LEGACY_VERSIONS, PROTOCOL_VERSION_META_KEY, resumesStreams, unsupportedVersion } from '../protocol/eras.js';
import { AuthenticationUnavailable, reaches, type AuthOutcome, type Caller } from '../grants/authenticator.js';
import { HttpError } from '../http/http-error.js';
import { accepts, isJsonBody } from '../http/media-type.js';
import { readBody } from '../http/read-body.js';
import { sendJson } from '../http/send-json.js';
import { Cancellation } from '../upstream/cancellation.js';
import type { Gateway } from './gateway.js';
import { paramHeaderMismatch, standardHeaderMismatch } from './mcp-headers.js';
import { ResponseStream, ResumableStreams, type OpenStreams } from './response-stream.js';
import type { Reachable, Route } from './route.js';
import { SessionsFull } from './session-registry.js';
import { Session, type Credential } from './session.js';

/**
 * 2026-07-28 gives some errors an HTTP status of their own, whoever produced them (the gateway or the upstream):
 * an unknown method is a 404, so a client can tell it from a server that is not there; protocol-level refusals
 * are 400s.
 */
const MODERN_ERROR_STATUS: ReadonlyMap<unknown, number> = new Map([
  [ErrorCode.MethodNotFound, 404],
  [ErrorCode.HeaderMismatch, 400],
  [ErrorCode.MissingRequiredClientCapability, 400],
  [ErrorCode.UnsupportedProtocolVersion, 400],
]);

/** `/mcp` (every server) and `/mcp/<server>`. */
export const MCP_PATH = /^\/mcp(?:\/([^/?#]+))?\/?$/;

/** A refusal answered with an HTTP status and a JSON-RPC error as its body. */
export function fail(status: number, code: number, message: string, data?: unknown, id: RequestId | null = null, headers: Record<string, string> = {}): never {
  throw new HttpError(status, message, headers, errorResponse(id, code, message, data));
}

/**
 * The Streamable HTTP endpoint agents connect to, for both eras at once: a request with the 2026-07-28
 * `_meta` envelope is served statelessly; `initialize` opens a legacy session (`Mcp-Session-Id`, GET stream,
 * DELETE). Written on node:http rather than the SDK's server transport, which costs several times the whole
 * gateway's per-request budget (Request/Response conversion, per-message schema validation, per-session
 * objects; see docs/architecture.md for the measurement).
 */
export class McpEndpoint {
  /** The POST streams of 2025-11-25 sessions a client may come back for (SEP-1699). */
  private readonly resumable = new ResumableStreams();
  private readonly watched = new WeakSet<Session>();
  /** Legacy sessions' GET streams: they carry no call, so a shutdown ends them rather than waits for them. */
  private readonly standing = new Set<ResponseStream>();

  constructor(
    private readonly gateway: Gateway,
    private readonly maxBodyBytes: number,
    private readonly streams: OpenStreams,
  ) {}

  /** Serves a request for a path `MCP_PATH` matched (`server` is its still-encoded second segment). */
  async handle(req: IncomingMessage, res: ServerResponse, server: string | undefined): Promise<void> {
    let serverName: string | undefined;
    try {
      serverName = server === undefined ? undefined : decodeURIComponent(server);
    } catch {
      fail(400, ErrorCode.InvalidRequest, 'Bad Request: the server name in the path is not valid percent-encoding');
    }
    if (req.method === 'OPTIONS') {
      // A CORS preflight carries no credentials: it is answered before authentication, and grants nothing.
      res.writeHead(204).end();
      return;
    }
    const caller = await this.authenticate(req, res);
    const route = this.gateway.route(serverName);
    if (!route) {
      // Only now, to a caller who proved a grant, and only the servers that grant reaches.
      const reachable = [...this.gateway.upstreams.keys()].filter((name) => reaches(caller, name));
      fail(404, ErrorCode.InvalidRequest, `unknown server "${serverName}"; this gateway serves you: ${reachable.join(', ') || 'no server'}`);
    }
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
        fail(405, ErrorCode.InvalidRequest, `method ${req.method} is not allowed`, undefined, null, { allow: 'GET, POST, DELETE, OPTIONS' });
    }
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

  private async post(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller): Promise<void> {
    if (!isJsonBody(req.headers)) fail(415, ErrorCode.InvalidRequest, 'Content-Type must be application/json');
    if (!accepts(req.headers, 'application/json', 'text/event-stream')) fail(406, ErrorCode.InvalidRequest, 'Accept must list both application/json and text/event-stream');
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
        // 2026-07-28 has no session for a notification to be about, and its responses ride on requests' streams.
        if (classified.kind === 'notification') this.gateway.notification(route, undefined, message as JSONRPCNotification);
        res.writeHead(202).end();
        return;
      }
      const session = await this.modernSession(req, route, caller, message as JSONRPCRequest, params);
      return this.run(res, session, message as JSONRPCRequest);
    }
    if (classified.kind === 'request' && (message as JSONRPCRequest).method === 'initialize') {
      return this.initialize(res, route, caller, message as JSONRPCRequest, { bearer: req.headers.authorization });
    }
    const session = await this.legacySession(req, route, caller);
    if (classified.kind === 'request') return this.run(res, session, message as JSONRPCRequest);
    if (classified.kind === 'notification') this.gateway.notification(route, session, message as JSONRPCNotification);
    else this.gateway.answer(session, message as JSONRPCResponse);
    res.writeHead(202).end();
  }

  private async initialize(res: ServerResponse, route: Route, caller: Caller, request: JSONRPCRequest, credential: Credential): Promise<void> {
    let opened: Awaited<ReturnType<Gateway['openSession']>>;
    try {
      opened = await this.gateway.openSession(route, caller, credential, paramsOf(request));
    } catch (error) {
      if (!(error instanceof SessionsFull)) throw error;
      this.gateway.metrics.refused('sessions_full');
      // One grant's share is its own to free (429); the gateway's whole is everyone's, and frees with time (503).
      if (error.scope === 'grant') fail(429, ErrorCode.InvalidRequest, error.message, undefined, request.id);
      fail(503, ErrorCode.InternalError, error.message, undefined, request.id, { 'retry-after': '30' });
    }
    sendJson(res, 200, { jsonrpc: '2.0', id: request.id, result: opened.result }, { 'mcp-session-id': opened.session.id });
  }

  /** The session the request names, if it exists on this route and belongs to the caller's grant. */
  private async legacySession(req: IncomingMessage, route: Route, caller: Caller): Promise<Session> {
    const id = req.headers['mcp-session-id'];
    if (typeof id !== 'string') {
      fail(400, ErrorCode.InvalidRequest, 'Bad Request: send initialize first (legacy revisions) or the 2026-07-28 _meta envelope with every request');
    }
    const session = await this.gateway.findSession(id, route, caller);
    // Another grant's session is answered as unknown: its existence is not the caller's business.
    if (!session) fail(404, ErrorCode.InvalidRequest, 'Session not found: initialize again');
    // The latest credential is the one checked again while a stream stays open (a rotated token replaces the old).
    session.credential = { bearer: req.headers.authorization };
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
        const refused = unsupportedVersion(request.id, headerVersion);
        throw new HttpError(400, refused.error.message, {}, refused);
      }
      fail(400, ErrorCode.HeaderMismatch, `MCP-Protocol-Version header ${JSON.stringify(headerVersion)} does not match _meta version ${JSON.stringify(bodyVersion)}`, undefined, request.id);
    }
    const session = this.gateway.statelessSession(route, caller, { bearer: req.headers.authorization }, request);
    if (!(session instanceof Session)) throw new HttpError(400, (session as JSONRPCErrorResponse).error.message, {}, session);
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
    const tool = await this.gateway.inventory.find(target.upstream, 'tools', target.name).catch(() => undefined);
    return paramHeaderMismatch(req.headers, tool, params.arguments);
  }

  /**
   * Runs one request. On a 2025 session its response is an SSE stream, as the SDK's servers and the suite's
   * reference answer there: the stream is open (and kept alive with comments) for as long as a call takes, so an
   * idle timeout between the client and the gateway does not cut a long call, and from 2025-11-25 on it can be
   * resumed after a dropped connection, which then no longer cancels the call (the client cancels by saying so).
   * On the 2026-07-28 wire it is one JSON body unless something must be streamed before it (progress, a log line),
   * as that revision's servers do, and closing it cancels the call, as that revision says.
   */
  private async run(res: ServerResponse, session: Session, request: JSONRPCRequest): Promise<void> {
    const resumable = session.era === 'legacy' && resumesStreams(session.protocolVersion);
    if (resumable) this.forgetWithSession(session);
    const stream = new ResponseStream(res, this.streams, resumable ? { session: session.id, registry: this.resumable } : undefined);
    if (session.era === 'legacy') stream.open();
    const cancellation = new Cancellation();
    res.once('close', () => {
      if (!res.writableFinished && !resumable) cancellation.cancel();
    });
    const response = await this.gateway.handle(session, request, { outbound: stream, cancellation });
    stream.finish(response, session.era === 'modern' && 'error' in response ? (MODERN_ERROR_STATUS.get(response.error.code) ?? 200) : 200);
  }

  /** A session's resumable streams go with it (once per session: `ended` is one promise). */
  private forgetWithSession(session: Session): void {
    if (this.watched.has(session)) return;
    this.watched.add(session);
    void session.ended.then(() => this.resumable.forgetSession(session.id));
  }

  /** 2025-03-26 allowed JSON-RPC batches; later revisions forbid them. */
  private async batch(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller, items: unknown[]): Promise<void> {
    const sessionId = req.headers['mcp-session-id'];
    const session = typeof sessionId === 'string' ? await this.gateway.findSession(sessionId, route, caller) : undefined;
    if (!session || !allowsBatches(session.protocolVersion)) {
      fail(400, ErrorCode.InvalidRequest, `Invalid Request: JSON-RPC batches are not allowed${session ? ` in protocol revision ${session.protocolVersion}` : ' outside a 2025-03-26 session'}`);
    }
    if (items.length === 0) fail(400, ErrorCode.InvalidRequest, 'Invalid Request: empty batch');
    const responses = await Promise.all(
      items.map(async (item): Promise<JSONRPCMessage | undefined> => {
        const classified = classify(item);
        if ('invalid' in classified) return errorResponse(null, ErrorCode.InvalidRequest, `Invalid Request: ${classified.invalid}`);
        if (classified.kind === 'request') return this.gateway.handle(session, classified.message as JSONRPCRequest);
        if (classified.kind === 'notification') this.gateway.notification(route, session, classified.message as JSONRPCNotification);
        else this.gateway.answer(session, classified.message as JSONRPCResponse);
        return undefined;
      }),
    );
    const answered = responses.filter((r) => r !== undefined);
    if (answered.length === 0) res.writeHead(202).end();
    else sendJson(res, 200, answered);
  }

  private async get(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller): Promise<void> {
    const id = req.headers['mcp-session-id'];
    if (typeof id !== 'string') {
      fail(405, ErrorCode.InvalidRequest, 'GET opens a legacy session stream and needs an Mcp-Session-Id; 2026-07-28 has no GET stream', undefined, null, { allow: 'POST' });
    }
    const session = await this.legacySession(req, route, caller);
    if (!(req.headers.accept ?? '').includes('text/event-stream')) fail(406, ErrorCode.InvalidRequest, 'Accept must list text/event-stream');
    const lastEventId = req.headers['last-event-id'];
    if (typeof lastEventId === 'string') {
      const found = this.resumable.find(session.id, lastEventId);
      if (!found) fail(400, ErrorCode.InvalidRequest, `Bad Request: no stream of this session to resume after event ${JSON.stringify(lastEventId)}`);
      return found.stream.resume(res, found.after);
    }
    if (session.standalone) fail(409, ErrorCode.InvalidRequest, 'Conflict: this session already has a GET stream open');
    const stream = new ResponseStream(res, this.streams);
    stream.open(true);
    session.standalone = stream;
    const relayed = this.gateway.streamOpened(session, stream);
    this.standing.add(stream);
    res.once('close', () => {
      relayed();
      this.standing.delete(stream);
      if (session.standalone === stream) session.standalone = undefined;
    });
    // The stream ends with its session (DELETE, idle, or a grant revoked since).
    void session.ended.then(() => res.end());
  }

  /** Ends every legacy GET stream (a shutdown); the sessions stay, for the calls they have in flight. */
  endStandingStreams(): void {
    for (const stream of this.standing) stream.end();
  }

  private async delete(req: IncomingMessage, res: ServerResponse, route: Route, caller: Caller): Promise<void> {
    const session = await this.legacySession(req, route, caller);
    this.gateway.endSession(session);
    res.writeHead(200).end();
  }

  private readBody(req: IncomingMessage): Promise<string> {
    const limit = this.maxBodyBytes;
    return readBody(req, limit, () => new HttpError(413, `the body is larger than ${limit} bytes`, {}, errorResponse(null, ErrorCode.InvalidRequest, `the body is larger than ${limit} bytes`)));
  }
}
