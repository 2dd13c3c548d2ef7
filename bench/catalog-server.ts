import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** A stdio MCP server that lists the tools in the JSON file it is given (bench/catalog-api.ts) and does nothing else. */
const tools = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as unknown[];
type Message = { id?: string | number; method?: string; params?: { protocolVersion?: string } };

function answer(message: Message): object {
  if (message.method === 'initialize') return { result: { protocolVersion: message.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'bench-catalog', version: '1.0.0' } } };
  if (message.method === 'tools/list') return { result: { tools } };
  if (message.method === 'ping') return { result: {} };
  return { error: { code: -32601, message: 'Method not found' } };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line) as Message;
  if (message.id !== undefined && message.method !== undefined) process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, ...answer(message) })}\n`);
});
