import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * The least a load balancer can be, for the scale-out bench and the replica tests: each request goes to the next
 * backend in turn, over keep-alive connections, answers streamed back. It knows nothing of MCP, so it can only
 * spread requests that any replica can answer (2026-07-28 stateless ones, or legacy sessions kept in a shared store).
 * A backend that refuses the connection is skipped for a second and the request goes to the next: nothing was sent
 * to it. A request that was sent is never sent again (a replica that died mid-call may have forwarded it already);
 * its client gets 502. Each answer names the backend in `X-Balancer-Backend`, so a test can tell where a call went.
 * Usage: node balancer.js <origin> [<origin>...]; prints {"url": "http://127.0.0.1:<port>"} once listening.
 */
const DOWN_MS = 1000;
const backends = process.argv.slice(2).map((origin) => ({ origin, url: new URL(origin), agent: new Agent({ keepAlive: true }), downUntil: 0 }));
if (backends.length === 0) throw new Error('usage: balancer <origin> [<origin>...]');
type Backend = (typeof backends)[number];
let next = 0;

/** Headers that describe one connection, not the message: each hop sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const endToEnd = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/** The backends from the next in turn, those known to be down left out (all of them, when every one is). */
function candidates(): Backend[] {
  const start = next++ % backends.length;
  const inTurn = [...backends.slice(start), ...backends.slice(0, start)];
  const up = inTurn.filter((backend) => backend.downUntil <= Date.now());
  return up.length > 0 ? up : inTurn;
}

function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, [backend, ...rest]: Backend[]): void {
  if (!backend) {
    res.writeHead(502, { 'content-type': 'text/plain' }).end('balancer: every backend refused the connection\n');
    return;
  }
  const options = { host: backend.url.hostname, port: backend.url.port, method: req.method, path: req.url, headers: endToEnd(req.headers), agent: backend.agent };
  const forwarded = request(options, (answer) => {
    res.writeHead(answer.statusCode ?? 502, { ...endToEnd(answer.headers), 'x-balancer-backend': backend.origin });
    answer.pipe(res);
  });
  forwarded.on('error', (error: NodeJS.ErrnoException) => {
    // Refused: no connection, so nothing of the request reached the backend, and the next may have it.
    if (error.code === 'ECONNREFUSED') {
      backend.downUntil = Date.now() + DOWN_MS;
      forward(req, res, body, rest);
      return;
    }
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', 'x-balancer-backend': backend.origin });
    res.end(`balancer: ${error.message}\n`);
  });
  // A client that goes away (an SSE stream closed) frees the backend's side too.
  res.on('close', () => {
    if (!res.writableFinished) forwarded.destroy();
  });
  forwarded.end(body);
}

// Bodies are read whole before forwarding (MCP requests are small JSON), so a refused request can go to the next.
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => forward(req, res, Buffer.concat(chunks), candidates()));
});
// Longer than wrk's and the gateway's idle periods, so connections are reused rather than re-opened under load.
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }) + '\n');
});
