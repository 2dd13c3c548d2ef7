import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';

/**
 * The least a load balancer can be, for the scale-out run: each request goes to the next backend in turn, over
 * keep-alive connections, bodies streamed both ways. It knows nothing of MCP, so it can only spread requests that
 * any replica can answer: 2026-07-28 stateless ones. (A legacy session lives in one gateway process; a balancer
 * would have to route its requests by Mcp-Session-Id.)
 * Usage: node balancer.js <origin> [<origin>...]; prints {"url": "http://127.0.0.1:<port>"} once listening.
 */
const backends = process.argv.slice(2).map((origin) => ({ url: new URL(origin), agent: new Agent({ keepAlive: true }) }));
if (backends.length === 0) throw new Error('usage: balancer <origin> [<origin>...]');
let next = 0;

/** Headers that describe one connection, not the message: each hop sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const endToEnd = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

const server = createServer((req, res) => {
  const backend = backends[next++ % backends.length]!;
  const options = { host: backend.url.hostname, port: backend.url.port, method: req.method, path: req.url, headers: endToEnd(req.headers), agent: backend.agent };
  const forwarded = request(options, (answer) => {
    res.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
    answer.pipe(res);
  });
  forwarded.on('error', (error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`balancer: ${error.message}\n`);
  });
  // A client that goes away (an SSE stream closed) frees the backend's side too.
  res.on('close', () => {
    if (!res.writableFinished) forwarded.destroy();
  });
  req.pipe(forwarded);
});
// Longer than wrk's and the gateway's idle periods, so connections are reused rather than re-opened under load.
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }) + '\n');
});
