import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { EVERYTHING, FIXTURE, httpClient, startGateway, until, type RunningGateway } from './harness.js';

/**
 * Clients and servers of either era meet through the gateway. A server asks its client for input by pushing a
 * request (legacy) or by answering `input_required` (2026-07-28); the gateway translates between the two.
 */

let gateway: RunningGateway;

before(async () => {
  gateway = await startGateway({ modern: FIXTURE, legacy: EVERYTHING });
});

after(async () => {
  await gateway?.close();
});

async function withClient(server: string, mode: 'legacy' | 'auto', steps: (client: Client) => Promise<void>): Promise<void> {
  const client = await httpClient(gateway.url(server), mode);
  // The client declares roots, so it answers them: server-everything asks for roots on its own schedule, and the
  // gateway hands a request that names no call to the newest call that can answer, which may be this test's.
  client.setRequestHandler('roots/list', async () => ({ roots: [] }));
  try {
    await steps(client);
  } finally {
    await client.close();
  }
}

test('the gateway settles each upstream on its own era', () => {
  assert.equal(gateway.gateway.upstreams.get('modern')?.info?.era, 'modern');
  assert.equal(gateway.gateway.upstreams.get('legacy')?.info?.era, 'legacy');
});

describe('a 2026-07-28 upstream that answers input_required', () => {
  test('a legacy client is asked through a pushed elicitation, and the call completes', async () => {
    await withClient('modern', 'legacy', async (client) => {
      const asked: string[] = [];
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push(String(request.params.message));
        return { action: 'accept', content: { confirm: true } };
      });
      const result = await client.callTool({ name: 'confirm', arguments: { action: 'deploy' } });
      assert.deepEqual(asked, ['Do deploy?']);
      assert.deepEqual(result.content, [{ type: 'text', text: 'confirmed deploy' }]);
    });
  });

  test("a legacy client's missing elicitation capability reaches the server, which refuses the call", async () => {
    const client = await httpClient(gateway.url('modern'), 'legacy', {});
    try {
      await assert.rejects(client.callTool({ name: 'confirm', arguments: { action: 'deploy' } }), /do not declare the required capability/);
    } finally {
      await client.close();
    }
  });

  test('a 2026-07-28 client gets the input_required round trip as the server made it', async () => {
    await withClient('modern', 'auto', async (client) => {
      assert.equal(client.getProtocolEra(), 'modern');
      client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { confirm: true } }));
      const result = await client.callTool({ name: 'confirm', arguments: { action: 'ship' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'confirmed ship' }]);
    });
  });
});

describe('a legacy upstream that pushes requests to its client', () => {
  test('a 2026-07-28 client receives sampling as input_required and the held call completes', async () => {
    await withClient('legacy', 'auto', async (client) => {
      assert.equal(client.getProtocolEra(), 'modern');
      client.setRequestHandler('sampling/createMessage', async () => ({ model: 'm', role: 'assistant', content: { type: 'text', text: 'sampled for a modern client' } }));
      const result = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
      assert.match(JSON.stringify(result.content), /sampled for a modern client/);
    });
  });

  test('a 2026-07-28 client that lacks the capability a pushed request needs gets -32021, as from a modern server', async () => {
    const client = await httpClient(gateway.url('legacy'), 'auto', {});
    try {
      await assert.rejects(
        client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } }),
        (error: { code?: number; data?: unknown }) => error.code === -32021 && JSON.stringify(error.data).includes('sampling'),
      );
    } finally {
      await client.close();
    }
  });

  test('a 2026-07-28 client answers an elicitation the same way', async () => {
    await withClient('legacy', 'auto', async (client) => {
      client.setRequestHandler('elicitation/create', async () => ({ action: 'decline' }));
      const result = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      assert.match(JSON.stringify(result.content), /decline/i);
    });
  });

  test('a requestState the gateway did not issue is passed on, and is no way into another call', async () => {
    await withClient('legacy', 'auto', async (client) => {
      const result = await client.callTool({ name: 'echo', arguments: { message: 'plain' }, requestState: 'forged' } as never);
      assert.deepEqual(result.content, [{ type: 'text', text: 'Echo: plain' }]);
    });
  });
});

describe('subscriptions/listen for a 2026-07-28 client', () => {
  test('a resource subscription on a legacy upstream delivers updates on the listen stream', async () => {
    await withClient('legacy', 'auto', async (client) => {
      const updates: string[] = [];
      client.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri));
      const subscription = await client.listen({ toolsListChanged: true, resourceSubscriptions: ['demo://resource/dynamic/text/1'] });
      assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true, resourceSubscriptions: ['demo://resource/dynamic/text/1'] });
      await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      try {
        await until(() => updates.length > 0, 15_000, 'a resource update on the listen stream');
      } finally {
        await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
        await subscription.close();
      }
      assert.equal(updates[0], 'demo://resource/dynamic/text/1');
    });
  });

  test('what no server behind the endpoint can announce is not honoured', async () => {
    await withClient('modern', 'auto', async (client) => {
      const subscription = await client.listen({ promptsListChanged: true, resourcesListChanged: true });
      assert.deepEqual(subscription.honoredFilter, {});
      await subscription.close();
    });
  });
});
