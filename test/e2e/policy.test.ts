import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { DEMO, EVERYTHING, FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/** Policies enforced through the real gateway, in front of real servers. */

const SEED = '{"version":"1","default":"deny","tools":{"smartlead_create_client_api_key":{"limits":[{"counter":"smartlead_create_client_api_key_rate","window":"minute","max":30,"scope":"grant"}]}}}';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-policy-'));
const policyFile = join(dir, 'smartlead.json');
let gateway: RunningGateway;

before(async () => {
  writeFileSync(policyFile, SEED);
  gateway = await startGateway({
    smartlead: { ...DEMO, policy: policyFile },
    nopolicy: { ...FIXTURE, policy: undefined },
    everything: { ...EVERYTHING, policy: { version: '1', default: 'allow', hide: ['echo'], methods: { 'prompts/*': 'deny' } } },
  });
});

after(async () => {
  await gateway?.close();
});

async function withClient<T>(server: string | undefined, steps: (client: Client) => Promise<T>, mode: 'legacy' | 'auto' = 'legacy'): Promise<T> {
  const client = await httpClient(gateway.url(server), mode);
  try {
    return await steps(client);
  } finally {
    await client.close();
  }
}

const text = (result: { content?: unknown }) => (result.content as { text: string }[])[0]!.text;

describe('the reference policy, through the gateway', () => {
  test('lists only the tool it allows', async () => {
    const names = await withClient('smartlead', async (c) => (await c.listTools()).tools.map((t) => t.name));
    assert.deepEqual(names, ['smartlead_create_client_api_key']);
  });

  test('lets that tool be called', async () => {
    const result = await withClient('smartlead', (c) => c.callTool({ name: 'smartlead_create_client_api_key', arguments: { client_id: 7 } }));
    assert.equal(result.isError, undefined);
    assert.match(text(result), /"api_key":"demo_[0-9a-f]+"/);
  });

  for (const mode of ['legacy', 'auto'] as const) {
    test(`refuses everything else with a result the model can read, and the decision in _meta (${mode === 'auto' ? '2026-07-28' : 'legacy'})`, async () => {
      const result = await withClient('smartlead', (c) => c.callTool({ name: 'smartlead_delete_campaign', arguments: { campaign_id: 1 } }), mode);
      assert.equal(result.isError, true);
      assert.equal(text(result), '[POLICY DENIED] Tool "smartlead_delete_campaign" is not permitted by policy');
      const decision = (result._meta as Record<string, { decision: string; rule: string; reason: string; policy: string; requestId: string }>)['toolgate/decision']!;
      assert.deepEqual(
        { ...decision, policy: typeof decision.policy, requestId: /^[0-9a-f-]{36}$/.test(decision.requestId) },
        // A tool the client is not shown is refused as any unknown name would be (the audit log keeps the rule).
        { decision: 'deny', rule: '(not listed)', reason: 'not_listed', policy: 'undefined', requestId: true },
      );
    });
  }

  test('a list for a 2026-07-28 client is marked private: it varies by who asks', async () => {
    const response = await fetch(gateway.url('smartlead'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    const body = (await response.json()) as { result: { cacheScope: string } };
    assert.equal(body.result.cacheScope, 'private');
  });
});

describe('hot reload', () => {
  test('an edit takes effect on the next call; an invalid edit leaves the last good policy in force', async () => {
    await withClient('smartlead', async (client) => {
      const call = () => client.callTool({ name: 'smartlead_get_campaign', arguments: { campaign_id: 1 } });
      assert.equal((await call()).isError, true);
      writeFileSync(policyFile, JSON.stringify({ version: '1', default: 'deny', tools: { smartlead_get_campaign: {}, smartlead_create_client_api_key: {} } }));
      let result = await call();
      const deadline = Date.now() + 5000;
      while (result.isError && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        result = await call();
      }
      assert.equal(result.isError, undefined, 'the edited policy allows the call');
      assert.match(text(result), /Spring launch/);

      writeFileSync(policyFile, '{"version": "1", "default": "deny", "tools": {"smartlead_get_campaign": {"limit": []}}}');
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal((await call()).isError, undefined, 'the invalid edit was not loaded');
    });
  });
});

describe('a server without a policy', () => {
  test('lists nothing and refuses every call', async () => {
    await withClient('nopolicy', async (client) => {
      assert.deepEqual((await client.listTools()).tools, []);
      const result = await client.callTool({ name: 'echo', arguments: { message: 'x' } });
      assert.equal(text(result), '[POLICY DENIED] Tool "echo" is not permitted by policy: server "nopolicy" has no policy');
      assert.equal((result._meta as Record<string, { rule: string }>)['toolgate/decision']!.rule, '(no policy)');
    });
  });
});

describe('hide and methods', () => {
  test('a hidden tool is neither listed nor callable', async () => {
    await withClient('everything', async (client) => {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(!names.includes('echo') && names.includes('get-sum'));
      const result = await client.callTool({ name: 'echo', arguments: { message: 'x' } });
      assert.equal(text(result), '[POLICY DENIED] Tool "echo" is not permitted by policy');
      assert.equal((result._meta as Record<string, { rule: string }>)['toolgate/decision']!.rule, '(not listed)');
    });
  });

  test('a method the policy denies is refused, and its list is empty', async () => {
    await withClient('everything', async (client) => {
      assert.deepEqual((await client.listPrompts()).prompts, []);
      await assert.rejects(client.getPrompt({ name: 'simple-prompt' }), /\[POLICY DENIED\] prompts\/get is not permitted by policy/);
      assert.ok((await client.listResources()).resources.length > 0, 'what the policy does not mention stays allowed');
    });
  });
});

test('the aggregated endpoint applies each server its own policy', async () => {
  const names = await withClient(undefined, async (c) => (await c.listTools()).tools.map((t) => t.name));
  assert.ok(names.includes('smartlead_create_client_api_key'));
  assert.ok(!names.includes('smartlead_delete_campaign'));
  assert.ok(!names.includes('echo'), 'hidden on everything, and the fixture (no policy) lists nothing');
  assert.ok(names.includes('get-sum'));
});
