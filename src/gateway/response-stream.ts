import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, JSONRPCResponse } from '../protocol/jsonrpc.js';
import type { Outbound } from './session.js';

/** The open SSE streams of the listener, kept alive with comments while they last, and ended when it closes. */
export type OpenStreams = Set<{ keepAlive(): void; end(): void }>;

/** How long a client is told to wait before it reconnects to a stream whose connection dropped. */
const RETRY_MS = 1_000;
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/** How long the end of a stream whose client went away is kept for it to come back for. */
const KEPT_AFTER_END_MS = 60_000;

/**
 * One request's response as a stream of JSON-RPC messages. It stays a plain JSON response unless it is opened as
 * SSE: by the caller, or once something has to be sent before the final answer (progress, a server request).
 * An opened stream sends nothing until it has something to send (an event, a keep-alive, its end), so a call that
 * is answered at once leaves in one write, head and all, as a JSON answer would: sending the head and the priming
 * event ahead of the answer took a third of the gateway's capacity on the 2025 wire (measured with wrk).
 *
 * A resumable stream (a 2025-11-25 session, SEP-1699) starts with a priming event (an event id, empty data, the
 * `retry` to wait) and gives every event an id. Its events are kept until its end has reached the client, so a
 * client whose connection drops can come back with GET and `Last-Event-ID` (`ResponseStream.resume`) and get
 * what followed, then the rest as it comes; the call goes on meanwhile. The gateway never closes such a stream
 * early itself: it only keeps the promise the priming makes.
 */
export class ResponseStream implements Outbound {
  private streaming = false;
  private writer?: ServerResponse;
  /** Resumable streams only: every event written so far, the priming one first. */
  private events?: string[];
  private done = false;
  /** What an opened stream has not sent yet (the priming event), sent with its first write. */
  private unsent = '';
  private readonly resumable?: { id: string; session: string; registry: ResumableStreams };

  constructor(
    res: ServerResponse,
    private readonly streams: OpenStreams,
    resumable?: { session: string; registry: ResumableStreams },
  ) {
    this.attach(res);
    if (resumable) {
      this.resumable = { id: randomUUID(), ...resumable };
      this.events = [];
    }
  }

  /** Makes the response an SSE stream; `now` sends its head at once (a GET stream the client waits to see open). */
  open(now = false): void {
    if (this.streaming || !this.writer) return;
    this.streaming = true;
    this.writer.writeHead(200, SSE_HEADERS);
    this.streams.add(this);
    if (this.resumable) {
      this.resumable.registry.keep(this.resumable.id, this.resumable.session, this);
      const priming = `id: ${this.resumable.id}:0\nretry: ${RETRY_MS}\ndata: \n\n`;
      this.events!.push(priming);
      this.unsent = priming;
    }
    if (now) this.writer.flushHeaders();
  }

  /** A comment that keeps an idle stream from being cut by a proxy's timeout. */
  keepAlive(): void {
    if (this.live) this.writer!.write(this.take() + ': keepalive\n\n');
  }

  end(): void {
    if (this.live) this.writer!.end(this.take());
  }

  send(message: JSONRPCMessage): boolean {
    if (this.done || (!this.events && !this.live)) return false;
    this.open();
    this.write(this.event(message));
    return true;
  }

  finish(response: JSONRPCResponse, status = 200): void {
    if (this.done) return;
    this.done = true;
    if (this.streaming) {
      const event = this.event(response);
      this.events?.push(event);
      const delivered = this.live;
      if (delivered) this.writer!.end(this.take() + event);
      this.release(delivered);
      return;
    }
    if (!this.live) return;
    const text = JSON.stringify(response);
    this.writer!.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  }

  /** Whether the client is still connected to this stream. */
  get live(): boolean {
    return this.writer !== undefined && !this.writer.writableEnded && !this.writer.destroyed;
  }

  /** A client came back for this stream (GET with `Last-Event-ID`): what followed `after`, then the rest. */
  resume(res: ServerResponse, after: number): void {
    this.attach(res);
    this.unsent = '';
    res.writeHead(200, SSE_HEADERS);
    res.write(this.events!.slice(after + 1).join(''));
    if (this.done) {
      res.end();
      this.release(true);
    }
  }

  private attach(res: ServerResponse): void {
    this.writer = res;
    res.once('close', () => {
      if (this.writer !== res) return;
      this.writer = undefined;
      this.streams.delete(this);
    });
    if (this.streaming) this.streams.add(this);
  }

  private event(message: JSONRPCMessage): string {
    const id = this.resumable ? `id: ${this.resumable.id}:${this.events!.length}\n` : '';
    return `${id}event: message\ndata: ${JSON.stringify(message)}\n\n`;
  }

  private write(event: string): void {
    this.events?.push(event);
    if (this.live) this.writer!.write(this.take() + event);
  }

  private take(): string {
    const unsent = this.unsent;
    this.unsent = '';
    return unsent;
  }

  /** A resumable stream whose end reached its client is forgotten; one whose client is away is kept a while. */
  private release(delivered: boolean): void {
    if (!this.resumable) return;
    const { id, registry } = this.resumable;
    if (delivered) registry.forget(id, this);
    else setTimeout(() => registry.forget(id, this), KEPT_AFTER_END_MS).unref();
  }
}

/** The resumable streams of one gateway, by stream id (the part of an event id before the colon). */
export class ResumableStreams {
  private readonly streams = new Map<string, { stream: ResponseStream; session: string }>();

  keep(id: string, session: string, stream: ResponseStream): void {
    this.streams.set(id, { stream, session });
  }

  /** The stream `lastEventId` names, if it is the session's and still kept, and the index to replay after. */
  find(session: string, lastEventId: string): { stream: ResponseStream; after: number } | undefined {
    const colon = lastEventId.lastIndexOf(':');
    const kept = colon < 0 ? undefined : this.streams.get(lastEventId.slice(0, colon));
    const after = Number(lastEventId.slice(colon + 1));
    if (!kept || kept.session !== session || !Number.isInteger(after) || after < 0) return undefined;
    return { stream: kept.stream, after };
  }

  forget(id: string, stream: ResponseStream): void {
    if (this.streams.get(id)?.stream === stream) this.streams.delete(id);
  }

  /** A session ended: its streams cannot be resumed any more. */
  forgetSession(session: string): void {
    for (const [id, kept] of this.streams) if (kept.session === session) this.streams.delete(id);
  }
}
