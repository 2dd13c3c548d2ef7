import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { EVERYTHING, directClient, httpClient, startGateway, type RunningGateway } from './harness.js';

/** server-everything served over HTTP (Streamable HTTP, and the deprecated HTTP+SSE) behind the gateway. */

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [EVERYTHING.args[0]!, mode], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything ${mode} did not start`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (/listening on port|running on port/i.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, port };
}

for (const mode of ['streamableHttp', 'sse'] as const) {
  describe(`an HTTP upstream (${mode})`, () => {
    let upstream: { child: ChildProcess; port: number };
    let gateway: RunningGateway;
    let client: Client;
    let direct: Client;

    before(async () => {
      upstream = await startEverything(mode);
      const url = mode === 'sse' ? `http://127.0.0.1:${upstream.port}/sse` : `http://127.0.0.1:${upstream.port}/mcp`;
      gateway = await startGateway({ everything: { url, ...(mode === 'sse' && { transport: 'sse' }) } });
      client = await httpClient(gateway.url('everything'));
      direct = await directClient(EVERYTHING);
    });

    after(async () => {
      await client?.close();
      await direct?.close();
      await gateway?.close();
      upstream?.child.kill();
    });

    test('lists the same tools as the server has', async () => {
      const [through, straight] = await Promise.all([client.listTools(), direct.listTools()]);
      assert.deepEqual(through.tools, straight.tools);
    });

    test('calls a tool', async () => {
      const echo = await client.callTool({ name: 'echo', arguments: { message: `over ${mode}` } });
      assert.deepEqual(echo.content, [{ type: 'text', text: `Echo: over ${mode}` }]);
    });

    test('relays progress', async () => {
      const progress: number[] = [];
      await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, { onprogress: (p) => progress.push(p.progress) });
      assert.deepEqual(progress, [1, 2, 3]);
    });

    test('relays a sampling request to the calling client', async () => {
      client.setRequestHandler('sampling/createMessage', async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'from the client' } }));
      const result = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
      assert.match(JSON.stringify(result), /from the client/);
    });
  });
}
