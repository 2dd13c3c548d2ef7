import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { configSchema } from '../../src/config/schema.js';
import { UpstreamConnection } from '../../src/upstream/connection.js';
import { transportFor } from '../../src/upstream/transport-for.js';
import { startHttpFixture, type HttpFixture } from '../support/http-fixture.js';
import { httpClient, startGateway, until, type RunningGateway } from './harness.js';

/**
 * A server that speaks both eras on one URL (the conformance fixture over Streamable HTTP: a 2026-07-28 side and a
 * sessionful 2025 side), behind the gateway with the default `protocol: auto`. A legacy client and a 2026-07-28
 * client use it at the same time, and each must get every feature the server offers its era.
 */

const WATCHED = 'test://watched-resource';

let fixture: HttpFixture;
let gateway: RunningGateway;
let legacy: Client;
let modern: Client;

before(async () => {
  fixture = await startHttpFixture('dual');
  gateway = await startGateway({ dual: { url: fixture.url } });
  [legacy, modern] = await Promise.all([httpClient(gateway.url('dual'), 'legacy'), httpClient(gateway.url('dual'), 'auto')]);
  legacy.setRequestHandler('sampling/createMessage', async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'from the legacy client' } }));
  modern.setRequestHandler('sampling/createMessage', async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'from the 2026 client' } }));
  legacy.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { username: 'legacy-user', email: 'l@example.com' } }));
  modern.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { username: 'modern-user', email: 'm@example.com' } }));
});

after(async () => {
  await Promise.all([legacy?.close(), modern?.close()]);
  await gateway?.close();
  fixture?.close();
});

const texts = (result: { content?: unknown }) => (result.content as { type: string; text?: string }[]).map((c) => c.text ?? c.type).join(' ');

test('each client is served in its own era: a line per era to the server', () => {
  const upstream = gateway.gateway.upstreams.get('dual')!;
  assert.equal(upstream.eraFor('legacy'), 'legacy');
  assert.equal(upstream.eraFor('modern'), 'modern');
});

describe('at the same time, each client gets the feature from the server, for its own call', () => {
  test('sampling: pushed to the legacy client on its session, asked of the 2026 client as input_required', async () => {
    const [fromLegacy, fromModern] = await Promise.all([
      legacy.callTool({ name: 'test_sampling', arguments: { prompt: 'hello' } }),
      modern.callTool({ name: 'test_sampling', arguments: { prompt: 'hello' } }),
    ]);
    assert.equal(texts(fromLegacy), 'LLM response: from the legacy client');
    assert.equal(texts(fromModern), 'LLM response: from the 2026 client');
  });

  test('elicitation', async () => {
    const [fromLegacy, fromModern] = await Promise.all([
      legacy.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } }),
      modern.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } }),
    ]);
    assert.match(texts(fromLegacy), /legacy-user/);
    assert.doesNotMatch(texts(fromLegacy), /modern-user/);
    assert.match(texts(fromModern), /modern-user/);
  });

  test('progress', async () => {
    const seen = { legacy: [] as number[], modern: [] as number[] };
    await Promise.all([
      legacy.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => void seen.legacy.push(p.progress) }),
      modern.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: (p) => void seen.modern.push(p.progress) }),
    ]);
    assert.deepEqual(seen, { legacy: [0, 50, 100], modern: [0, 50, 100] });
  });

  test("logging: a call's log lines reach the client that made it, and no other", async () => {
    const lines = { legacy: [] as unknown[], modern: [] as unknown[] };
    legacy.setNotificationHandler('notifications/message', (n) => void lines.legacy.push(n.params.data));
    modern.setNotificationHandler('notifications/message', (n) => void lines.modern.push(n.params.data));
    await legacy.setLoggingLevel('info');
    await legacy.callTool({ name: 'test_tool_with_logging', arguments: {} });
    assert.deepEqual(lines.legacy, ['Tool execution started', 'Tool processing data', 'Tool execution completed']);
    assert.deepEqual(lines.modern, []);
  });

  test('resource subscriptions: the legacy client subscribes on its session, the 2026 client on a listen stream', async () => {
    const updates = { legacy: [] as string[], modern: [] as string[] };
    legacy.setNotificationHandler('notifications/resources/updated', (n) => void updates.legacy.push(n.params.uri));
    modern.setNotificationHandler('notifications/resources/updated', (n) => void updates.modern.push(n.params.uri));
    const capabilities = legacy.getServerCapabilities();
    assert.equal((capabilities?.resources as { subscribe?: boolean } | undefined)?.subscribe, true, "the legacy client is shown the session side's own capabilities");
    await legacy.subscribeResource({ uri: WATCHED });
    const listening = await modern.listen({ resourceSubscriptions: [WATCHED] });
    try {
      assert.deepEqual(listening.honoredFilter, { resourceSubscriptions: [WATCHED] });
      await until(() => updates.legacy.length > 0 && updates.modern.length > 0, 10_000, 'an update on each client');
    } finally {
      await listening.close();
      await legacy.unsubscribeResource({ uri: WATCHED });
    }
    assert.equal(updates.legacy[0], WATCHED);
    assert.equal(updates.modern[0], WATCHED);
  });

  test('cancellation: each client cancels its own call, and the server sees both cancelled', async () => {
    const before = Number(texts(await legacy.callTool({ name: 'test_cancelled_calls', arguments: {} })));
    const controllers = [new AbortController(), new AbortController()];
    const calls = [legacy, modern].map((client, i) => client.callTool({ name: 'test_cancellation', arguments: {} }, { signal: controllers[i]!.signal }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    controllers.forEach((c) => c.abort());
    for (const call of calls) await assert.rejects(call);
    let count = before;
    for (let i = 0; i < 50 && count - before < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      count = Number(texts(await modern.callTool({ name: 'test_cancelled_calls', arguments: {} })));
    }
    assert.equal(count - before, 2);
  });
});

test('a dual-era server that was down when the connection started gets its second line once it is up', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const server = configSchema.parse({ servers: { late: { url: `http://127.0.0.1:${port}/mcp` } } }).servers.late!;
  const listener = { onNotification: () => {}, onServerRequest: async () => ({ result: {} }) };
  const connection = new UpstreamConnection('late', server, { createTransport: () => transportFor(server), listener, startTimeoutMs: 200, backoffMs: 100 });
  await assert.rejects(connection.start(), /not available/);
  const late = await startHttpFixture('dual', undefined, 30_000, port);
  try {
    await until(() => connection.eraFor('legacy') === 'legacy', 15_000, 'the legacy line');
    assert.equal(connection.eraFor('modern'), 'modern');
  } finally {
    await connection.close();
    late.close();
  }
});
