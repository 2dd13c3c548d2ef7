import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

/**
 * The floor: the least a Streamable HTTP → stdio forwarder can do (one shared upstream, ids re-numbered, no
 * validation, no policy), so the bench can tell what the gateway costs beyond HTTP and JSON themselves.
 * Usage: node floor.js <command> [args...]; prints {"url": ...} once the upstream has answered initialize.
 */
type Message = { jsonrpc?: string; id?: string | number; method?: string; params?: unknown; result?: unknown };

const [command, ...args] = process.argv.slice(2);
const upstream = spawn(command!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
upstream.on('exit', () => process.exit(1));
const pending = new Map<number, (answer: Message) => void>();
let nextId = 0;
createInterface({ input: upstream.stdout }).on('line', (line) => {
  const answer = JSON.parse(line) as Message;
  pending.get(answer.id as number)?.(answer);
  pending.delete(answer.id as number);
});
const call = (message: Message) =>
  new Promise<Message>((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    upstream.stdin.write(JSON.stringify({ ...message, id }) + '\n');
  });

const clientInfo = { name: 'floor', version: '1.0.0' };
const init = await call({ jsonrpc: '2.0', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo } });
upstream.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');

const server = createServer(async (req, res) => {
  if (req.method !== 'POST') return void res.writeHead(405).end(); // no GET stream, no DELETE
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Message;
  if (message.id === undefined) return void res.writeHead(202).end(); // notifications and responses
  const answer = message.method === 'initialize' ? { jsonrpc: '2.0', result: init.result } : await call(message);
  res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'floor' }).end(JSON.stringify({ ...answer, id: message.id }));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${address.port}/mcp` }) + '\n');
});
