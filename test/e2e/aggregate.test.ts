import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { FIXTURE, httpClient, MEMORY, startGateway, type RunningGateway } from './harness.js';

/** `/mcp` serves every server at once; names several servers share are prefixed with the server name. */

let gateway: RunningGateway;
let client: Client;

before(async () => {
  gateway = await startGateway({
    alpha: FIXTURE,
    beta: { ...FIXTURE, env: { FIXTURE_TOOLS: '600' } },
    memory: MEMORY,
  });
  client = await httpClient(gateway.url());
});

after(async () => {
  await client?.close();
  await gateway?.close();
});

async function allToolNames(): Promise<{ names: string[] }> {
  return { names: (await client.listTools()).tools.map((t) => t.name) };
}

describe('the aggregated endpoint', () => {
  test('identifies itself as the gateway', () => {
    assert.equal(client.getServerVersion()?.name, 'toolgate');
  });

  test('prefixes colliding names and keeps unique ones as they are', async () => {
    const { names } = await allToolNames();
    assert.ok(names.includes('alpha__echo'));
    assert.ok(names.includes('beta__echo'));
    assert.ok(!names.includes('echo'));
    assert.ok(names.includes('tool_0000'), 'a tool only beta has keeps its name');
    assert.ok(names.includes('create_entities'), "server-memory's tools keep their names");
    assert.equal(new Set(names).size, names.length, 'no name is listed twice');
  });

  test('mints its own cursors across the merged list', async () => {
    // The SDK client follows cursors itself when given none, so the pages are requested one by one here.
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } });
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 2);
    assert.deepEqual(names, (await allToolNames()).names);
  });

  test('a cursor the gateway did not mint is an invalid-params error', async () => {
    await assert.rejects(client.request({ method: 'tools/list', params: { cursor: 'bogus' } }), /invalid cursor/);
  });

  test("routes a prefixed name to its server, under the server's own name", async () => {
    const alphaPid = await client.callTool({ name: 'alpha__pid', arguments: {} });
    const betaPid = await client.callTool({ name: 'beta__pid', arguments: {} });
    assert.notDeepEqual(alphaPid.content, betaPid.content, 'two different processes answered');
    const echo = await client.callTool({ name: 'alpha__echo', arguments: { message: 'to alpha' } });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'to alpha' }]);
  });

  test('routes a unique name without a prefix, and accepts the prefixed form too', async () => {
    const plain = await client.callTool({ name: 'tool_0001', arguments: {} });
    const prefixed = await client.callTool({ name: 'beta__tool_0001', arguments: {} });
    assert.deepEqual(plain.content, [{ type: 'text', text: 'tool 1' }]);
    assert.deepEqual(prefixed.content, plain.content);
  });

  test('an unknown tool is refused like a tool the client may not see, naming it', async () => {
    const refused = await client.callTool({ name: 'no_such_tool', arguments: {} });
    assert.equal(refused.isError, true);
    assert.deepEqual(refused.content, [{ type: 'text', text: '[POLICY DENIED] Tool "no_such_tool" is not permitted by policy' }]);
    assert.equal((refused._meta?.['toolgate/decision'] as { rule: string }).rule, '(not listed)');
  });

  test('a single-server endpoint shows names unprefixed', async () => {
    const single = await httpClient(gateway.url('alpha'));
    try {
      const tools = await single.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'echo'));
      assert.equal(single.getServerVersion()?.name, 'fixture');
    } finally {
      await single.close();
    }
  });
});
