import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVERYTHING, httpClient, startGateway } from './harness.js';

test("a spawned server inherits only a safe part of the gateway's environment, plus its own env", async () => {
  process.env.TOOLGATE_TEST_SECRET = 'must-not-leak';
  const gateway = await startGateway({ everything: { ...EVERYTHING, env: { GIVEN_TO_SERVER: 'yes' } } });
  try {
    const client = await httpClient(gateway.url('everything'));
    const result = await client.callTool({ name: 'get-env', arguments: {} });
    const env = JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, string>;
    await client.close();
    assert.equal(env.GIVEN_TO_SERVER, 'yes');
    assert.equal(env.PATH, process.env.PATH);
    assert.equal(env.TOOLGATE_TEST_SECRET, undefined);
  } finally {
    delete process.env.TOOLGATE_TEST_SECRET;
    await gateway.close();
  }
});
