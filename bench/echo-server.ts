import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

/**
 * The bench's upstream: an MCP server that does as little as possible per call, so that capacity figures measure
 * the proxies in front of it rather than the server (an SDK server spends more per call than the gateway does).
 * Tools: `echo`, `big` (64 KiB of text), and BENCH_TOOLS generated `tool_NNNN`.
 *
 *   echo-server.mjs           stdio, the legacy revisions (initialize)
 *   echo-server.mjs --http    Streamable HTTP on 127.0.0.1, 2026-07-28 only (server/discover, one JSON answer per
 *                             POST); prints {"url": …} once listening
 */
type Message = { id?: string | number; method?: string; params?: { name?: string; arguments?: { message?: unknown }; protocolVersion?: string } };

const big = 'x'.repeat(64 * 1024);
const tools = [
  { name: 'echo', description: 'Echo the message', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
  { name: 'big', description: 'Return 64 KiB of text', inputSchema: { type: 'object' } },
  ...Array.from({ length: Number(process.env.BENCH_TOOLS ?? 0) }, (_, i) => ({
    name: `tool_${String(i).padStart(4, '0')}`,
    description: `Generated tool ${i}`,
    inputSchema: { type: 'object' },
  })),
];

const send = (message: object) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
const text = (value: string) => ({ content: [{ type: 'text', text: value }] });

function answer(message: Message): object {
  switch (message.method) {
    case 'initialize':
      return { result: { protocolVersion: message.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'bench-echo', version: '1.0.0' } } };
    case 'server/discover':
      return { result: { resultType: 'complete', supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, serverInfo: { name: 'bench-echo', version: '1.0.0' } } };
    case 'ping':
      return { result: {} };
    case 'tools/list':
      return { result: { tools } };
    case 'tools/call': {
      const name = message.params?.name ?? '';
      if (name === 'echo') return { result: text(String(message.params?.arguments?.message ?? '')) };
      if (name === 'big') return { result: text(big) };
      if (/^tool_\d+$/.test(name)) return { result: text(name) };
      return { error: { code: -32602, message: `unknown tool ${name}` } };
    }
    default:
      return { error: { code: -32601, message: 'Method not found' } };
  }
}

if (process.argv.includes('--http')) {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const message = JSON.parse(body) as Message;
      if (message.id === undefined) return void res.writeHead(202).end();
      const reply = JSON.stringify({ jsonrpc: '2.0', id: message.id, ...answer(message) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) }).end(reply);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}/mcp` }) + '\n');
  });
} else {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const message = JSON.parse(line) as Message;
    if (message.id !== undefined && message.method !== undefined) send({ id: message.id, ...answer(message) });
  });
}
