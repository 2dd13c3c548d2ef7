import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { directClient, EVERYTHING, httpClient, httpClientV1, startGateway, until, type RunningGateway } from './harness.js';

/**
 * server-everything exercises every MCP feature. Each test runs the same steps against the server directly
 * (SDK client over stdio) and through the gateway (SDK client over Streamable HTTP, legacy era), and expects
 * the same answers.
 */

type AnyClient = Pick<Client, 'callTool' | 'listTools' | 'listPrompts' | 'getPrompt' | 'listResources' | 'listResourceTemplates' | 'readResource' | 'complete' | 'ping' | 'setLoggingLevel' | 'subscribeResource' | 'setRequestHandler' | 'setNotificationHandler' | 'close'>;

let gateway: RunningGateway;
let direct: Client;
let proxied: Client;

before(async () => {
  gateway = await startGateway({ everything: EVERYTHING });
  direct = await directClient(EVERYTHING);
  proxied = await httpClient(gateway.url('everything'));
});

after(async () => {
  await Promise.all([direct?.close(), proxied?.close()]);
  await gateway?.close();
});

/** Runs `steps` on both sides and asserts the answers are equal; returns the gateway's. */
async function same<T>(steps: (client: AnyClient) => Promise<T>): Promise<T> {
  const [expected, actual] = await Promise.all([steps(direct), steps(proxied)]);
  assert.deepEqual(actual, expected);
  return actual;
}

async function allPages<T>(fetch: (cursor?: string) => Promise<{ nextCursor?: string } & Record<string, unknown>>, key: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    items.push(...(page[key] as T[]));
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

describe('through the gateway, server-everything answers as it does directly', () => {
  test('tools/list returns every tool with every field', async () => {
    const tools = await same((c) => allPages((cursor) => c.listTools({ cursor }), 'tools'));
    assert.ok(tools.length >= 10, `expected server-everything's tools, got ${tools.length}`);
  });

  for (const [name, args] of [
    ['echo', { message: 'héllo ☃' }],
    ['get-sum', { a: 2, b: 40 }],
    ['get-structured-content', { location: 'New York' }],
    ['get-tiny-image', {}],
    ['get-annotated-message', { messageType: 'success', includeImage: true }],
    ['get-resource-links', { count: 3 }],
    ['get-resource-reference', { resourceType: 'text', resourceId: 2 }],
  ] as const) {
    test(`tools/call ${name} returns the same result`, async () => {
      const result = await same((c) => c.callTool({ name, arguments: args }));
      assert.ok(Array.isArray(result.content) && result.content.length > 0);
    });
  }

  test('a tool error comes back as the server worded it', async () => {
    const result = await same((c) => c.callTool({ name: 'get-sum', arguments: { a: 'not a number' } }));
    assert.equal(result.isError, true);
  });

  test('prompts/list and prompts/get', async () => {
    await same((c) => allPages((cursor) => c.listPrompts({ cursor }), 'prompts'));
    await same((c) => c.getPrompt({ name: 'simple-prompt' }));
    const args = await same((c) => c.getPrompt({ name: 'args-prompt', arguments: { city: 'Paris', state: 'IDF' } }));
    assert.match(JSON.stringify(args.messages), /Paris/);
  });

  test('resources, templates and reads', async () => {
    const resources = await same((c) => allPages((cursor) => c.listResources({ cursor }), 'resources'));
    assert.ok(resources.length > 0);
    await same((c) => allPages((cursor) => c.listResourceTemplates({ cursor }), 'resourceTemplates'));
    await same((c) => c.readResource({ uri: 'demo://resource/dynamic/text/1' }));
    await same((c) => c.readResource({ uri: (resources[0] as { uri: string }).uri }));
  });

  test('completion/complete on a prompt argument', async () => {
    const completion = await same((c) =>
      c.complete({ ref: { type: 'ref/prompt', name: 'completable-prompt' }, argument: { name: 'department', value: 'E' } }),
    );
    assert.ok(completion.completion.values.length > 0);
  });

  test('ping', async () => {
    await same((c) => c.ping());
  });

  test('progress notifications reach the caller', async () => {
    // Compared with the expected steps rather than the direct run: the SDK client over stdio now and then
    // settles the call before handling the last progress line (seen on the direct side, never through the gateway).
    const seen: number[] = [];
    await proxied.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      { onprogress: (update) => seen.push(update.progress) },
    );
    assert.deepEqual(seen, [1, 2, 3]);
  });

  test('sampling requests reach the client that made the call', async () => {
    for (const c of [direct, proxied]) {
      c.setRequestHandler('sampling/createMessage', async (request) => ({
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}` },
      }));
    }
    const result = await same((c) => c.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 10 } }));
    assert.match(JSON.stringify(result), /sampled/);
  });

  test('elicitation requests reach the client that made the call', async () => {
    for (const c of [direct, proxied]) {
      c.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
    }
    const result = await same((c) => c.callTool({ name: 'trigger-elicitation-request', arguments: {} }));
    assert.match(JSON.stringify(result), /decline/i);
  });

  test('roots are asked of the client', async () => {
    for (const c of [direct, proxied]) {
      c.setRequestHandler('roots/list', async () => ({ roots: [{ uri: 'file:///tmp/toolgate-root', name: 'root' }] }));
    }
    const result = await same((c) => c.callTool({ name: 'get-roots-list', arguments: {} }));
    assert.match(JSON.stringify(result), /toolgate-root/);
  });

  test('log messages follow the level each client set', async () => {
    const messages: unknown[] = [];
    proxied.setNotificationHandler('notifications/message', (n) => void messages.push(n.params));
    await proxied.setLoggingLevel('debug');
    await proxied.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    try {
      await until(() => messages.length > 0, 10_000, 'a log message');
    } finally {
      await proxied.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    }
  });

  test('resource subscriptions deliver updates to the subscriber', async () => {
    const updates: string[] = [];
    proxied.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
    await proxied.subscribeResource({ uri: 'demo://resource/dynamic/text/1' });
    await proxied.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    try {
      await until(() => updates.length > 0, 15_000, 'a resource update');
    } finally {
      await proxied.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    }
    assert.equal(updates[0], 'demo://resource/dynamic/text/1');
  });

  test('cancelling a call settles it at once and the gateway keeps serving', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const call = proxied.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 10, steps: 10 } }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await assert.rejects(call);
    assert.ok(Date.now() - started < 2000);
    const echo = await proxied.callTool({ name: 'echo', arguments: { message: 'still here' } });
    assert.match(JSON.stringify(echo), /still here/);
  });
});

describe('other clients through the gateway', () => {
  test('the SDK v1 client (legacy) lists and calls tools', async () => {
    const v1 = await httpClientV1(gateway.url('everything'));
    try {
      const tools = await v1.listTools();
      assert.deepEqual(
        tools.tools.map((t) => t.name),
        (await direct.listTools()).tools.map((t) => t.name),
      );
      const echo = await v1.callTool({ name: 'echo', arguments: { message: 'from v1' } });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: from v1' }]);
    } finally {
      await v1.close();
    }
  });

  test('a 2026-07-28 client is served statelessly', async () => {
    const modern = await httpClient(gateway.url('everything'), 'auto');
    try {
      assert.equal(modern.getProtocolEra(), 'modern');
      const tools = await modern.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'echo'));
      const echo = await modern.callTool({ name: 'echo', arguments: { message: 'modern' } });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'Echo: modern' }]);
      const progress: number[] = [];
      await modern.callTool(
        { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
        { onprogress: (update) => progress.push(update.progress) },
      );
      assert.deepEqual(progress, [1, 2, 3]);
    } finally {
      await modern.close();
    }
  });
});
