import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

let gateway: RunningGateway;
let client: Client;

before(async () => {
  gateway = await startGateway({ fixture: FIXTURE });
  client = await httpClient(gateway.url('fixture'));
});

after(async () => {
  await client?.close();
  await gateway?.close();
});

async function upstreamPid(): Promise<number> {
  const result = await client.callTool({ name: 'pid', arguments: {} });
  return Number((result.content as { text: string }[])[0]!.text);
}

test('an upstream killed mid-call fails the call within a second, and the next call works after the restart, which is counted', async () => {
  const upstream = gateway.gateway.upstreams.get('fixture')!;
  const pid = await upstreamPid();
  assert.equal(upstream.restarts, 0, 'a server that has not died has not been restarted');
  const slow = client.callTool({ name: 'sleep', arguments: { ms: 30_000 } });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  await assert.rejects(slow, /upstream "fixture" exited on signal SIGKILL; it is being restarted/);
  assert.ok(Date.now() - killedAt < 1000, 'the in-flight call failed at once');

  const restartedPid = await upstreamPid();
  assert.notEqual(restartedPid, pid);
  assert.equal(upstream.restarts, 1, 'the restart is counted, as GET /admin/servers reports it');
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'after restart' } });
  assert.deepEqual(echo.content, [{ type: 'text', text: 'after restart' }]);
});
