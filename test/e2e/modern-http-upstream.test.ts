import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';
import { httpClient, startGateway, type RunningGateway } from './harness.js';

/** An upstream that speaks both eras over HTTP (the SDK v2's createMcpHandler): the gateway talks 2026-07-28 to it. */

let upstream: Server;
let gateway: RunningGateway;

before(async () => {
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'modern-http', version: '1.0.0' });
    server.registerTool('shout', { description: 'Upper-case the text', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text: text.toUpperCase() }],
    }));
    return server;
  });
  // node:http → web-standard Request/Response, the way any fetch-style handler is hosted on Node.
  upstream = createServer(async (req, res) => {
    const body = req.method === 'POST' ? (Readable.toWeb(req) as ReadableStream) : undefined;
    const response = await handler.fetch(
      new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body, duplex: 'half' } as RequestInit),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
    res.end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as { port: number };
  gateway = await startGateway({ modern: { url: `http://127.0.0.1:${port}/mcp` } });
});

after(async () => {
  await gateway?.close();
  upstream?.close();
});

test('the gateway settles on 2026-07-28 with a modern HTTP upstream', () => {
  assert.equal(gateway.gateway.upstreams.get('modern')?.info?.era, 'modern');
});

for (const mode of ['legacy', 'auto'] as const) {
  test(`a ${mode === 'auto' ? '2026-07-28' : 'legacy'} client lists and calls through it`, async () => {
    const client = await httpClient(gateway.url('modern'), mode);
    try {
      const tools = await client.listTools();
      assert.deepEqual(
        tools.tools.map((t) => t.name),
        ['shout'],
      );
      const result = await client.callTool({ name: 'shout', arguments: { text: 'quiet' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'QUIET' }]);
    } finally {
      await client.close();
    }
  });
}
