import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createParser } from 'eventsource-parser';
import type { HttpServerConfig } from '../config/schema.js';
import { MCP_NAME_FIELD, encodeHeaderValue } from '../protocol/header-values.js';
import { ErrorCode, errorResponse, type JSONRPCMessage, type RequestId } from '../protocol/jsonrpc.js';
import { isModernVersion } from '../protocol/eras.js';
import { JsonSequence } from './json-sequence.js';
import type { SendOptions, UpstreamTransport } from './transport.js';

/** How long to wait before resuming a stream the server closed, when it gave no `retry` (the SDK's default). */
const DEFAULT_RETRY_MS = 1_000;
/** Resumptions of one stream in a row that bring nothing new before the call is failed. */
const MAX_FRUITLESS_RESUMES = 3;
/** The most of an error body read to find a JSON-RPC error in it. */
const MAX_ERROR_BODY = 64 * 1024;
/** The longest wait between attempts to reopen the standalone GET stream. */
const MAX_STANDALONE_BACKOFF_MS = 30_000;

/**
 * Streamable HTTP, both eras, written for the gateway rather than using the SDK's client transport, which is in
 * the way of a faithful proxy in four places (each reproduced against real servers): it throws on any non-2xx
 * status, so a server's JSON-RPC error (a 2026-07-28 404 with -32601) was lost; it parses an `application/json`
 * body as exactly one value; it derives `MCP-Protocol-Version` from the `_meta` of each message, so a 2026-07-28
 * client's envelope reached a legacy server as a header it refuses; and it does not say which request's stream a
 * message came on, which the gateway needs to give a server's request to the one call it is about.
 *
 * What the wire does, per revision:
 * - 2026-07-28: every message a POST, with `MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name` (and the call's
 *   `Mcp-Param-*`); the answer is one JSON body or an SSE stream; streams do not resume, so one that ends before
 *   its response fails the call at once; cancelling closes the stream.
 * - 2025-03-26 … 2025-11-25: the session the server mints on `initialize` (`Mcp-Session-Id`) rides on every
 *   request; after `initialized` a GET stream carries what the server sends outside any call; a POST stream the
 *   server closes after an event id is resumed by GET with `Last-Event-ID`, after the `retry` it asked for
 *   (SEP-1699); a 404 for the session means it ended, and the connection starts a new one; close sends DELETE.
 */
export class StreamableHttpTransport implements UpstreamTransport {
  onmessage?: (message: JSONRPCMessage, relatedTo?: RequestId) => void;
  onclose?: (reason: string) => void;
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;
  private protocolVersion?: string;
  private sessionId?: string;
  /** Requests and streams open now, ended by `close`. */
  private readonly open = new Set<ClientRequest>();
  private closed = false;
  private standaloneBackoff = DEFAULT_RETRY_MS;

  constructor(private readonly server: HttpServerConfig) {
    this.url = new URL(server.url);
    const https = this.url.protocol === 'https:';
    // Keep-alive: a call per connection setup would double the latency of every small call.
    this.agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.request = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest;
  }

  get hasSession(): boolean {
    return this.sessionId !== undefined;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  setProtocolVersion(version: string | undefined): void {
    this.protocolVersion = version;
  }

  async send(message: JSONRPCMessage, options?: SendOptions): Promise<void> {
    if (this.closed) throw new Error('the HTTP transport is closed');
    const id = 'method' in message && 'id' in message ? (message.id as RequestId) : undefined;
    const response = await this.exchange('POST', this.headersFor(message, options?.headers), JSON.stringify(message), options);
    const status = response.statusCode ?? 0;
    const session = response.headers['mcp-session-id'];
    // Minted on `initialize` by a legacy server that keeps sessions; a 2026-07-28 server mints none.
    if (typeof session === 'string' && session && !this.sessionId) this.sessionId = session;
    if (status < 200 || status >= 300) return this.refused(response, id);
    if ('method' in message && message.method === 'notifications/initialized' && this.sessionId) this.openStandalone();
    if (status === 202 || status === 204) return void response.resume();
    this.consume(response, id, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const request of this.open) request.destroy();
    this.open.clear();
    if (this.sessionId) {
      // Tells the server the session may go (2025 revisions); best effort, and never longer than a second.
      const deleted = this.exchange('DELETE', this.baseHeaders(), undefined, undefined, 1_000).then((r) => void r.resume());
      await deleted.catch(() => {});
    }
    this.agent.destroy();
  }

  private baseHeaders(): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = { ...this.server.headers };
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    return headers;
  }

  private headersFor(message: JSONRPCMessage, extra?: Record<string, string>): OutgoingHttpHeaders {
    const headers = this.baseHeaders();
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json, text/event-stream';
    if ('method' in message && 'id' in message && isModernVersion(this.protocolVersion)) {
      headers['mcp-method'] = message.method;
      const field = MCP_NAME_FIELD.get(message.method);
      const value = field ? (message.params as Record<string, unknown> | undefined)?.[field] : undefined;
      if (typeof value === 'string') headers['mcp-name'] = encodeHeaderValue(value);
      Object.assign(headers, extra);
    }
    return headers;
  }

  /** Sends one HTTP request and resolves with the response head (the body is read by the caller). */
  private exchange(method: string, headers: OutgoingHttpHeaders, body: string | undefined, options?: SendOptions, timeoutMs?: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const request = this.request(this.url, { method, headers, agent: this.agent, ...(timeoutMs && { timeout: timeoutMs }) });
      this.open.add(request);
      request.once('close', () => this.open.delete(request));
      request.once('response', resolve);
      request.once('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.once('error', (error) => reject(new Error(`${method} ${this.url.href}: ${error.message}`)));
      options?.cancellation?.onCancel(() => request.destroy(new Error('cancelled')));
      request.end(body);
    });
  }

  /**
   * A non-2xx answer. A JSON-RPC error in its body is the server's answer to the request and reaches the client as
   * such; a 404 without one, for a session, means the session ended; anything else fails the send.
   */
  private async refused(response: IncomingMessage, id: RequestId | undefined): Promise<void> {
    const status = response.statusCode ?? 0;
    const text = await readText(response, MAX_ERROR_BODY);
    // Checked first: a 2025 server answers an unknown session 404 with a JSON-RPC error body too.
    if (status === 404 && this.sessionId) {
      this.sessionEnded();
      throw new Error('the server ended the session (HTTP 404)');
    }
    const error = jsonRpcError(text);
    if (error && id !== undefined) return this.deliver({ ...error, id } as JSONRPCMessage, id);
    throw new Error(`the server answered HTTP ${status}${error ? `: ${error.error.message}` : text ? `: ${text.slice(0, 200)}` : ''}`);
  }

  /** Reads a 2xx body, JSON or SSE, handing each message on; a request whose stream ends unanswered is failed. */
  private consume(response: IncomingMessage, id: RequestId | undefined, options: SendOptions | undefined, fruitless = 0): void {
    const type = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let answered = false;
    let delivered = 0;
    const take = (m: JSONRPCMessage): void => {
      if (id !== undefined && 'id' in m && !('method' in m) && m.id === id) answered = true;
      delivered++;
      this.deliver(m, id);
    };
    if (type === 'text/event-stream') {
      const cursor = readEvents(response, take);
      response.once('close', () => {
        if (id === undefined || answered || this.closed || options?.cancellation?.cancelled) return;
        const progress = delivered > 0 ? 0 : fruitless + 1;
        const { lastEventId, retryMs } = cursor;
        if (lastEventId !== undefined && this.sessionId && progress < MAX_FRUITLESS_RESUMES) {
          const timer = setTimeout(() => void this.resume(id, lastEventId, options, progress), retryMs);
          timer.unref();
          return;
        }
        this.fail(id, lastEventId !== undefined && this.sessionId ? 'the server closed the response stream and it could not be resumed' : 'the server closed the response stream before answering');
      });
      return;
    }
    response.setEncoding('utf8');
    const sequence = new JsonSequence();
    const takeValue = (value: unknown) => isMessage(value) && take(value);
    response.on('data', (chunk: string) => sequence.push(chunk).forEach(takeValue));
    response.once('end', () => {
      sequence.end().forEach(takeValue);
      if (id !== undefined && !answered) this.fail(id, `the server answered HTTP ${response.statusCode} without a response to the request`);
    });
    response.once('error', () => {
      if (id !== undefined && !answered && !this.closed) this.fail(id, 'the response body broke off before the answer');
    });
  }

  /** Picks a closed POST stream up again where it left off (2025 revisions). */
  private async resume(id: RequestId, lastEventId: string, options: SendOptions | undefined, fruitless: number): Promise<void> {
    if (this.closed || options?.cancellation?.cancelled) return;
    try {
      const headers = { ...this.baseHeaders(), accept: 'text/event-stream', 'last-event-id': lastEventId };
      const response = await this.exchange('GET', headers, undefined, options);
      if ((response.statusCode ?? 0) !== 200) {
        response.resume();
        return this.fail(id, `the server closed the response stream and refused to resume it (HTTP ${response.statusCode})`);
      }
      this.consume(response, id, options, fruitless);
    } catch (error) {
      this.fail(id, `the response stream could not be resumed: ${(error as Error).message}`);
    }
  }

  /** The GET stream of a legacy session: what the server sends outside any call. Reopened while the session lasts. */
  private openStandalone(lastEventId?: string): void {
    if (this.closed || !this.sessionId) return;
    const headers = { ...this.baseHeaders(), accept: 'text/event-stream', ...(lastEventId && { 'last-event-id': lastEventId }) };
    this.exchange('GET', headers, undefined).then(
      (response) => {
        const status = response.statusCode ?? 0;
        // 405: the server offers no such stream, which the revision allows.
        if (status === 405) return void response.resume();
        if (status === 404) {
          response.resume();
          return this.sessionEnded();
        }
        if (status !== 200) {
          response.resume();
          return this.reopenStandalone(lastEventId, this.standaloneBackoff);
        }
        this.standaloneBackoff = DEFAULT_RETRY_MS;
        const cursor = readEvents(response, (message) => this.deliver(message, undefined));
        response.once('close', () => this.reopenStandalone(cursor.lastEventId ?? lastEventId, cursor.retryMs));
      },
      () => this.reopenStandalone(lastEventId, this.standaloneBackoff),
    );
  }

  private reopenStandalone(lastEventId: string | undefined, delayMs: number): void {
    if (this.closed || !this.sessionId) return;
    this.standaloneBackoff = Math.min(this.standaloneBackoff * 2, MAX_STANDALONE_BACKOFF_MS);
    setTimeout(() => this.openStandalone(lastEventId), delayMs).unref();
  }

  /** The server forgot the session: the connection opens a new one with `initialize` (2025-11-25, session management). */
  private sessionEnded(): void {
    if (!this.sessionId) return;
    this.sessionId = undefined;
    this.onclose?.('ended the session (HTTP 404)');
  }

  private deliver(message: JSONRPCMessage, relatedTo: RequestId | undefined): void {
    this.onmessage?.(message, relatedTo);
  }

  /** Settles a request the server will not answer now, with an error its caller can read. */
  private fail(id: RequestId, reason: string): void {
    this.deliver(errorResponse(id, ErrorCode.UpstreamUnavailable, reason), id);
  }
}

/** Where an SSE stream is: the last event id seen (to resume from) and the wait the server asked for. */
interface EventCursor {
  lastEventId?: string;
  retryMs: number;
}

/** Reads an SSE body, handing on each event's message; events without JSON-RPC data (priming, comments) are skipped. */
function readEvents(response: IncomingMessage, onMessage: (message: JSONRPCMessage) => void): EventCursor {
  const cursor: EventCursor = { retryMs: DEFAULT_RETRY_MS };
  const parser = createParser({
    onEvent: (event) => {
      if (event.id !== undefined) cursor.lastEventId = event.id;
      if (!event.data || (event.event !== undefined && event.event !== 'message')) return;
      let value: unknown;
      try {
        value = JSON.parse(event.data);
      } catch {
        return; // an event that is not JSON is no message; the stream goes on
      }
      if (isMessage(value)) onMessage(value);
    },
    onRetry: (ms) => (cursor.retryMs = ms),
  });
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => parser.feed(chunk));
  return cursor;
}

/** A JSON object; anything else in a body (a scalar, an array, a value that did not parse) is no message. */
function isMessage(value: unknown): value is JSONRPCMessage {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

/** Reads up to `limit` characters of a body, and lets the rest go. */
function readText(response: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < limit) text += chunk;
    });
    response.once('end', () => resolve(text.slice(0, limit)));
    response.once('error', () => resolve(text));
  });
}

/** The JSON-RPC error response an error body holds, if it holds one. */
function jsonRpcError(text: string): { jsonrpc: '2.0'; error: { code: number; message: string; data?: unknown } } | undefined {
  const sequence = new JsonSequence();
  const [parsed] = [...sequence.push(text), ...sequence.end()];
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code !== 'number' || typeof error.message !== 'string') return undefined;
  return { jsonrpc: '2.0', error: error as { code: number; message: string } };
}
