import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  InMemoryServerEventBus,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  originValidationResponse,
  WebStandardStreamableHTTPServerTransport,
  type EventId,
  type EventStore,
  type JSONRPCMessage,
  type McpServer,
  type ServerEventBus,
  type ServerNotifier,
  type StreamId,
} from '@modelcontextprotocol/server';

/**
 * Serves the conformance fixture over Streamable HTTP on 127.0.0.1, as real servers are deployed:
 * - `modern`: 2026-07-28 only (`createMcpHandler` with `legacy: 'reject'`, a fresh instance per request);
 * - `legacy`: 2025 sessions only (`initialize`, `Mcp-Session-Id`, one instance per session, resumable streams);
 *   whatever else arrives, a 2026-07-28 request included, gets what the SDK's session transport answers;
 * - `dual`: both on one URL, each request routed by the SDK's own classification (`isLegacyRequest`).
 */
export type Eras = 'dual' | 'modern' | 'legacy';

export const ERAS: readonly Eras[] = ['dual', 'modern', 'legacy'];

export interface HttpFixture {
  url: string;
  /** Publishes list and resource changes on open `subscriptions/listen` streams; undefined where 2026-07-28 is not served. */
  notify: ServerNotifier | undefined;
}

/** Builds one fixture instance, to serve one era for one request (2026-07-28) or for one session (2025). */
export type FixtureFactory = (era: 'legacy' | 'modern', lifetime: 'request' | 'session') => McpServer;

/**
 * The `retry` hint sent with every resumable stream (SEP-1699). Short, because test_reconnection makes every
 * client that honours it wait this long before it reconnects.
 */
const RETRY_MS = 200;

/** `onListen` is called as each 2026-07-28 `subscriptions/listen` stream opens. */
export async function serveHttp(factory: FixtureFactory, eras: Eras, port: number, onListen: () => void): Promise<HttpFixture> {
  const modern = eras === 'legacy' ? undefined : createMcpHandler(() => factory('modern', 'request'), { legacy: 'reject', bus: listenWatcher(onListen) });
  const legacy = eras === 'modern' ? undefined : legacySessions(factory);
  const route = async (request: Request): Promise<Response> => {
    // Loopback only, so only loopback names and origins (the DNS-rebinding scenario sends others).
    const rejected = hostHeaderValidationResponse(request, localhostAllowedHostnames()) ?? originValidationResponse(request, localhostAllowedOrigins());
    if (rejected) return rejected;
    if (new URL(request.url).pathname !== '/mcp') return new Response('Not Found', { status: 404 });
    if (!modern) return legacy!(request);
    if (!legacy) return modern.fetch(request);
    return (await isLegacyRequest(request)) ? legacy(request) : modern.fetch(request);
  };
  const server = createServer((req, res) => void serveNode(route, req, res));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, notify: modern?.notify };
}

/** The in-process bus, telling `onListen` of each listen stream: each stream subscribes to the bus as it opens. */
function listenWatcher(onListen: () => void): ServerEventBus {
  const bus = new InMemoryServerEventBus();
  return {
    publish: (event) => bus.publish(event),
    subscribe: (listener) => {
      onListen();
      return bus.subscribe(listener);
    },
  };
}

/**
 * The 2025 side: one transport and one instance per session. A request without a session id gets a new
 * session, which is kept only once its `initialize` succeeds, so anything else is answered by the SDK's own
 * transport as a legacy server would answer it.
 */
function legacySessions(factory: FixtureFactory): (request: Request) => Promise<Response> {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  return async (request) => {
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId !== null) {
      const transport = sessions.get(sessionId);
      if (transport) return transport.handleRequest(request);
      return Response.json({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }, { status: 404 });
    }
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      eventStore: new SessionEventStore(),
      retryInterval: RETRY_MS,
      onsessioninitialized: (id) => void sessions.set(id, transport),
    });
    // Set before connect, which chains it: DELETE, or a close of the instance, ends the session.
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    const server = factory('legacy', 'session');
    await server.connect(transport);
    const response = await transport.handleRequest(request);
    if (transport.sessionId === undefined) await server.close();
    return response;
  };
}

/**
 * SEP-1699 resumability for one session: its events in order, so that a stream closed mid-call can be replayed
 * after the client's Last-Event-ID (the priming events, which carry no message, are not replayed).
 */
class SessionEventStore implements EventStore {
  private readonly events: { id: EventId; streamId: StreamId; message: JSONRPCMessage }[] = [];

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const id = `${streamId}:${this.events.length}`;
    this.events.push({ id, streamId, message });
    return id;
  }

  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    return this.events.find((event) => event.id === eventId)?.streamId;
  }

  async replayEventsAfter(lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const index = this.events.findIndex((event) => event.id === lastEventId);
    const { streamId } = this.events[index]!;
    for (const event of this.events.slice(index + 1)) {
      if (event.streamId === streamId && Object.keys(event.message).length > 0) await send(event.id, event.message);
    }
    return streamId;
  }
}

/**
 * node:http → web-standard Request/Response. Each chunk is written as it comes, so SSE events reach the client
 * when sent; a client that goes away aborts the request and cancels the body, which is how the SDK learns
 * that a stream has closed.
 */
async function serveNode(route: (request: Request) => Promise<Response>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const aborted = new AbortController();
  res.once('close', () => aborted.abort());
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    signal: aborted.signal,
    duplex: 'half',
  } as RequestInit);
  const sent = hasBody ? await request.clone().text() : '';
  let response: Response;
  try {
    response = await route(request);
  } catch (error) {
    response = Response.json({ jsonrpc: '2.0', id: null, error: { code: -32603, message: String(error) } }, { status: 500 });
  }
  await logExchange(request, sent, response);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.flushHeaders();
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  res.once('close', () => void reader.cancel().catch(() => undefined));
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value);
  } catch {
    // The client went away mid-stream; the cancel above has told the SDK.
  }
  res.end();
}

/** Headers worth seeing in the log: the era and session a request claims, its Mcp-* mirrors, where a stream resumes. */
const isLogged = (name: string) => name.startsWith('mcp-') || name === 'last-event-id';

/**
 * One line per exchange on stderr (run.ts keeps it beside the suite's logs), so that a check failing only through
 * the gateway can be read off what reached this server: the request, and the body of any error answer.
 */
async function logExchange(request: Request, sent: string, response: Response): Promise<void> {
  const headers = [...request.headers].filter(([name]) => isLogged(name)).map(([name, value]) => `${name}: ${value}`);
  const answer = response.status >= 400 ? ` ${await response.clone().text()}` : '';
  console.error(`${request.method} [${headers.join('; ')}] ${sent} → ${response.status} ${response.headers.get('content-type') ?? ''}${answer}`);
}
