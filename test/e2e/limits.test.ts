import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { RecordingTransport } from '../support/recording-transport.js';
import { DEMO, FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/** Limits counted through the real gateway: the reference policy's 31st call in a minute is refused. */

let gateway: RunningGateway;

before(async () => {
  gateway = await startGateway({
    smartlead: {
      ...DEMO,
      policy: { version: '1', default: 'deny', tools: { smartlead_create_client_api_key: { limits: [{ counter: 'smartlead_create_client_api_key_rate', window: 'minute', max: 30, scope: 'grant' }] } } },
    },
    fixture: {
      ...FIXTURE,
      policy: {
        version: '1',
        default: 'allow',
        tools: {
          echo: { limits: [{ counter: 'echo_per_session', window: 'minute', max: 2, scope: 'session' }] },
          pid: { limits: [{ counter: 'pid_for_all', window: 'minute', max: 3, scope: 'global', on_deny: 'Enough pids for now.' }] },
        },
      },
    },
  });
});

after(async () => {
  await gateway?.close();
});

const text = (result: { content?: unknown }) => (result.content as { text: string }[])[0]!.text;
const decision = (result: { _meta?: unknown }) => (result._meta as Record<string, Record<string, unknown>> | undefined)?.['toolgate/decision'];

async function withClient<T>(server: string, steps: (client: Client) => Promise<T>): Promise<T> {
  const client = await httpClient(gateway.url(server));
  try {
    return await steps(client);
  } finally {
    await client.close();
  }
}

test("the reference policy's 31st call in a minute is refused, saying when to retry", async () => {
  await withClient('smartlead', async (client) => {
    for (let i = 0; i < 30; i++) {
      const result = await client.callTool({ name: 'smartlead_create_client_api_key', arguments: { client_id: i } });
      assert.equal(result.isError, undefined, `call ${i + 1} passes`);
    }
    const refused = await client.callTool({ name: 'smartlead_create_client_api_key', arguments: { client_id: 31 } });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /^\[POLICY DENIED\] Rate limit reached for "smartlead_create_client_api_key": at most 30 per minute \(counter "smartlead_create_client_api_key_rate"\)\. Retry in \d+ s\.$/);
    const meta = decision(refused)!;
    assert.equal(meta.reason, 'rate_limited');
    assert.equal(meta.rule, '/tools/smartlead_create_client_api_key/limits/0');
    assert.ok(typeof meta.retryAfterSeconds === 'number' && meta.retryAfterSeconds > 0 && meta.retryAfterSeconds <= 66);
  });
});

describe('scopes', () => {
  test('a session limit counts each legacy session apart', async () => {
    const outcomes = async () =>
      withClient('fixture', async (client) => {
        const results = [];
        for (let i = 0; i < 3; i++) results.push((await client.callTool({ name: 'echo', arguments: { message: 'x' } })).isError === true);
        return results;
      });
    assert.deepEqual(await outcomes(), [false, false, true]);
    assert.deepEqual(await outcomes(), [false, false, true], 'a new session starts afresh');
  });

  test('a global limit is shared by every caller, with the message the policy gives', async () => {
    const first = await withClient('fixture', async (client) => [await client.callTool({ name: 'pid', arguments: {} }), await client.callTool({ name: 'pid', arguments: {} })]);
    const second = await withClient('fixture', async (client) => [await client.callTool({ name: 'pid', arguments: {} }), await client.callTool({ name: 'pid', arguments: {} })]);
    assert.deepEqual([...first, ...second].map((r) => r.isError === true), [false, false, false, true]);
    assert.match(text(second[1]!), /^\[POLICY DENIED\] Enough pids for now\. Retry in \d+ s\.$/);
  });
});

test('a call the server refuses with an error gives its count back', async () => {
  const upstream = new RecordingTransport();
  upstream.answer = (request) => (request.method === 'tools/call' ? { error: { code: -32603, message: 'the refund service is down' } } : undefined);
  const refusing = await startGateway(
    { rec: { command: 'in-process', protocol: 'legacy', policy: { version: '1', default: 'deny', tools: { refund: { limits: [{ counter: 'refunds', window: 'minute', max: 1 }] } } } } },
    {},
    { transport: () => upstream },
  );
  try {
    const client = await httpClient(refusing.url('rec'));
    try {
      for (let i = 0; i < 3; i++) {
        await assert.rejects(client.callTool({ name: 'refund', arguments: {} }), /the refund service is down/, `call ${i + 1} reaches the server`);
      }
    } finally {
      await client.close();
    }
    assert.equal(upstream.traffic().filter((m) => m.method === 'tools/call').length, 3);
  } finally {
    await refusing.close();
  }
});
