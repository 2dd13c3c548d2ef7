import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, test } from 'node:test';
import { configSchema, type HttpServerConfig } from '../config/schema.js';
import type { JSONRPCMessage, RequestId } from '../protocol/jsonrpc.js';
import { Cancellation } from './cancellation.js';
import { StreamableHttpTransport } from './streamable-http-transport.js';

/** The transport against raw HTTP servers that answer the way real ones do, byte for byte. */

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const servers: Server[] = [];
after(() => servers.forEach((s) => s.close()));

/** Serves `handler` on 127.0.0.1 and returns a transport to it, with what it received. */
async function serve(handler: Handler, extra: Record<string, unknown> = {}) {
  const seen: { method: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const config = configSchema.parse({ servers: { s: { url: `http://127.0.0.1:${port}/mcp`, ...extra } } }).servers.s as HttpServerConfig;
  const transport = new StreamableHttpTransport(config);
  const received: { message: JSONRPCMessage; relatedTo?: RequestId }[] = [];
  const arrived: (() => void)[] = [];
  transport.onmessage = (message, relatedTo) => {
    received.push({ message, relatedTo });
    arrived.splice(0).forEach((wake) => wake());
  };
  /** Resolves once `count` messages have arrived in all. */
  const messages = async (count: number) => {
    while (received.length < count) await new Promise<void>((resolve) => arrived.push(resolve));
    return received;
  };
  await transport.start();
  return { transport, seen, received, messages };
}

const call = (id: number, method = 'tools/call', params: Record<string, unknown> = { name: 'echo', arguments: {} }) =>
  ({ jsonrpc: '2.0', id, method, params }) as JSONRPCMessage;

test("a server's JSON-RPC error on a non-2xx status reaches the caller as that error (a 2026-07-28 404 for -32601)", async () => {
  const { transport, messages } = await serve((_req, res) => {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32601, message: 'Method not found' } }));
  });
  transport.setProtocolVersion('2026-07-28');
  await transport.send(call(7, 'x/unknown', {}));
  const { message, relatedTo } = (await messages(1))[0]!;
  assert.deepEqual(message, { jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'Method not found' } });
  assert.equal(relatedTo, 7);
  await transport.close();
});

test('a non-2xx answer without a JSON-RPC error fails the send with the status and the body', async () => {
  const { transport } = await serve((_req, res) => res.writeHead(502).end('bad gateway upstream'));
  await assert.rejects(() => transport.send(call(1)), /HTTP 502: bad gateway upstream/);
  await transport.close();
});

test('several messages in one application/json body, one per line, are each delivered, before the body ends', async () => {
  let finish: (() => void) | undefined;
  const { transport, messages } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{}}\n');
    res.write('{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{}}\n');
    finish = () => res.end('{"jsonrpc":"2.0","id":3,"result":{}}\n');
  });
  transport.setProtocolVersion('2026-07-28');
  await transport.send(call(3, 'subscriptions/listen', { notifications: { toolsListChanged: true } }));
  const early = await messages(2);
  assert.deepEqual(
    early.map((r) => ('method' in r.message ? r.message.method : 'response')),
    ['notifications/subscriptions/acknowledged', 'notifications/tools/list_changed'],
  );
  finish!();
  const all = await messages(3);
  assert.deepEqual(all[2]!.message, { jsonrpc: '2.0', id: 3, result: {} });
  await transport.close();
});

test('2026-07-28 requests carry the version and the mirrored headers; a legacy one carries neither Mcp-Method nor a version from its _meta', async () => {
  const { transport, seen } = await serve((_req, res, body) => {
    const { id } = JSON.parse(body) as { id: number };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: {} }));
  });
  transport.setProtocolVersion('2026-07-28');
  await transport.send(call(1, 'tools/call', { name: 'café' }), { headers: { 'mcp-param-region': 'eu' } });
  transport.setProtocolVersion('2025-11-25');
  await transport.send(call(2, 'tools/call', { name: 'echo', _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } }));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const [modern, legacy] = seen;
  assert.equal(modern!.headers['mcp-protocol-version'], '2026-07-28');
  assert.equal(modern!.headers['mcp-method'], 'tools/call');
  assert.equal(modern!.headers['mcp-name'], `=?base64?${Buffer.from('café').toString('base64')}?=`);
  assert.equal(modern!.headers['mcp-param-region'], 'eu');
  assert.equal(legacy!.headers['mcp-protocol-version'], '2025-11-25');
  assert.equal(legacy!.headers['mcp-method'], undefined);
  await transport.close();
});

test('configured headers reach the server; the session a legacy server mints rides on later requests and is DELETEd at close', async () => {
  const { transport, seen } = await serve(
    (req, res, body) => {
      if (req.method === 'DELETE') return res.writeHead(200).end();
      if (req.method === 'GET') return res.writeHead(405).end();
      const message = JSON.parse(body) as { id?: number };
      if (message.id === undefined) return res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'session-1' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }));
    },
    { headers: { authorization: 'Bearer upstream-secret' } },
  );
  await transport.send(call(1, 'initialize', {}));
  transport.setProtocolVersion('2025-11-25');
  await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' } as JSONRPCMessage);
  assert.equal(transport.hasSession, true);
  while (!seen.some((s) => s.method === 'GET')) await new Promise((resolve) => setTimeout(resolve, 5));
  await transport.close();
  assert.deepEqual(
    seen.map((s) => [s.method, s.headers['mcp-session-id'], s.headers.authorization]),
    [
      ['POST', undefined, 'Bearer upstream-secret'],
      ['POST', 'session-1', 'Bearer upstream-secret'],
      ['GET', 'session-1', 'Bearer upstream-secret'],
      ['DELETE', 'session-1', 'Bearer upstream-secret'],
    ],
  );
});

test('a 404 for a legacy session ends the transport, so the connection starts a new session', async () => {
  let sessions = 0;
  const { transport } = await serve((req, res, body) => {
    const message = JSON.parse(body || '{}') as { id?: number; method?: string };
    if (message.method === 'initialize') {
      return res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': `s${++sessions}` }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }));
    }
    // What the SDK's servers answer for a session they no longer know: 404 with a JSON-RPC error body.
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
  });
  const closed = new Promise<string>((resolve) => (transport.onclose = resolve));
  await transport.send(call(1, 'initialize', {}));
  transport.setProtocolVersion('2025-11-25');
  await assert.rejects(() => transport.send(call(2)), /ended the session/);
  assert.match(await closed, /HTTP 404/);
  await transport.close();
});

test('SSE polling (SEP-1699): a legacy stream the server closes after an event id is resumed by GET with Last-Event-ID after its retry', async () => {
  const { transport, seen, messages } = await serve((req, res, body) => {
    if (req.method === 'DELETE') return res.writeHead(200).end();
    if (req.method === 'GET') {
      assert.equal(req.headers['last-event-id'], 'e1');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return res.end(`id: e2\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 5, result: { resumed: true } })}\n\n`);
    }
    const message = JSON.parse(body) as { id: number; method: string };
    if (message.method === 'initialize') {
      return res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('id: e1\nretry: 100\ndata: \n\n'); // the priming event, then the server lets the connection go
  });
  await transport.send(call(1, 'initialize', {}));
  transport.setProtocolVersion('2025-11-25');
  const started = Date.now();
  await transport.send(call(5, 'tools/call', { name: 'test_reconnection' }));
  const all = await messages(2);
  assert.deepEqual(all[1], { message: { jsonrpc: '2.0', id: 5, result: { resumed: true } }, relatedTo: 5 });
  assert.ok(Date.now() - started >= 90, 'the retry the server asked for is respected');
  assert.equal(seen.filter((s) => s.method === 'GET' && s.headers['last-event-id']).length, 1);
  await transport.close();
});

test('a 2026-07-28 stream that ends before its response fails the call at once, with a clear error', async () => {
  const { transport, messages } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`id: 1\nretry: 5000\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 9, progress: 1 } })}\n\n`);
  });
  transport.setProtocolVersion('2026-07-28');
  const started = Date.now();
  await transport.send(call(9));
  const [progress, failure] = await messages(2);
  assert.equal(progress!.relatedTo, 9);
  assert.deepEqual(failure!.message, { jsonrpc: '2.0', id: 9, error: { code: -32001, message: 'the server closed the response stream before answering' } });
  assert.ok(Date.now() - started < 1_000);
  await transport.close();
});

test("a server's request on a call's SSE stream says which call it is for", async () => {
  const { transport, messages } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} })}\n\n`);
  });
  transport.setProtocolVersion('2025-11-25');
  await transport.send(call(4));
  const [request] = await messages(1);
  assert.equal(request!.relatedTo, 4);
  await transport.close();
});

test('cancelling a call closes its stream', async () => {
  let closed!: () => void;
  const streamClosed = new Promise<void>((resolve) => (closed = resolve));
  const { transport } = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    res.once('close', closed);
  });
  transport.setProtocolVersion('2026-07-28');
  const cancellation = new Cancellation();
  await transport.send(call(1), { cancellation });
  cancellation.cancel();
  await streamClosed;
  await transport.close();
});
