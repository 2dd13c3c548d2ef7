import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { dropPrefix, freshPrefix, testRedis, withPrefix } from '../support/redis.js';
import { EVERYTHING, httpClient, startGateway, until, type RunningGateway } from './harness.js';

/**
 * Legacy (2025) sessions across replicas: three gateways share their sessions in the real Redis, and a round-robin
 * balancer sends each request of one SDK client to the next of them, as a load balancer without sticky sessions does.
 */

const redis = await testRedis();
const prefix = freshPrefix();

/** The repository's round-robin balancer in front of `origins`; resolves with its URL. */
async function balancer(origins: string[]): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/balancer.ts', ...origins], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { url: (JSON.parse(line) as { url: string }).url, process: child };
}

describe('legacy sessions shared by three replicas', { skip: redis.skip }, () => {
  const replicas: RunningGateway[] = [];
  let front: { url: string; process: ChildProcess };
  const url = () => new URL(`${front.url}/mcp/everything`);

  before(async () => {
    const sessions = withPrefix(redis.url!, prefix);
    for (let i = 0; i < 3; i++) {
      replicas.push(await startGateway({ everything: EVERYTHING }, { store: { counters: 'memory', grants: 'memory', audit: 'memory', pins: 'memory', approvals: 'memory', sessions } }));
    }
    front = await balancer(replicas.map((replica) => replica.base));
  });
  after(async () => {
    front?.process.kill();
    await Promise.all(replicas.map((replica) => replica.close()));
    if (redis.url) await dropPrefix(redis.url, prefix);
  });

  const copies = (id: string) => replicas.filter((replica) => replica.gateway.sessions.get(id) !== undefined).length;

  test('one client, its requests on every replica: lists, calls, progress and sampling work end to end', async () => {
    const client = await httpClient(url());
    try {
      client.setRequestHandler('sampling/createMessage', async () => ({ model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled by the client' } }));
      for (let i = 0; i < 3; i++) {
        const echo = await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
        assert.deepEqual(echo.content, [{ type: 'text', text: `Echo: call ${i}` }], `call ${i} is answered by whichever replica it reached`);
      }
      const id = client.transport!.sessionId!;
      assert.equal(copies(id), 3, 'the session was served by all three replicas: each made its copy from the directory');

      const progress: number[] = [];
      await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, { onprogress: (update) => progress.push(update.progress) });
      assert.deepEqual(progress, [1, 2, 3], 'progress comes on the call’s own stream from the replica that runs it');

      // The sampling request comes on the call's stream; the client's answer is a new POST, which the balancer
      // gives to the next replica: the replica that asked takes it over the bus.
      for (let i = 0; i < 3; i++) {
        const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 10 } });
        assert.match(JSON.stringify(sampled), /sampled by the client/, `sampling round ${i}: the answer reached the replica that asked, wherever it landed`);
      }
    } finally {
      await client.close();
    }
  });

  test("a message outside any call reaches the client's GET stream, whichever replica holds it", async () => {
    const client = await httpClient(url());
    try {
      const heard: unknown[] = [];
      client.setNotificationHandler('notifications/message', (notification) => void heard.push(notification.params.data));
      const id = client.transport!.sessionId!;
      await client.ping();
      await client.ping();
      await client.ping();
      await until(() => replicas.some((replica) => replica.gateway.sessions.get(id)?.standalone), 5_000, 'the GET stream to open');
      const holder = replicas.findIndex((replica) => replica.gateway.sessions.get(id)?.standalone);
      for (const [i, replica] of replicas.entries()) {
        replica.gateway.sessions.get(id)!.notify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `from replica ${i}` } });
      }
      await until(() => heard.length === 3, 5_000, 'three messages').catch((error: Error) => assert.fail(`${error.message}; heard ${JSON.stringify(heard)}`));
      assert.deepEqual([...heard].sort(), ['from replica 0', 'from replica 1', 'from replica 2'], `every replica's message reached the stream (held by replica ${holder})`);
    } finally {
      await client.close();
    }
  });

  test('ending the session on one replica ends it on all; an unknown session is not found on any', async () => {
    const client = await httpClient(url());
    const id = client.transport!.sessionId!;
    for (let i = 0; i < 3; i++) await client.ping();
    assert.equal(copies(id), 3, 'every replica holds a copy');
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    await until(() => copies(id) === 0, 2_000, 'every copy to end');
    for (const replica of replicas) {
      const answer = await fetch(replica.url('everything'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      assert.equal(answer.status, 404, 'the ended session is unknown on every replica');
    }
    await client.close();
  });

  test('a session takes well under 2 KB of shared state', async () => {
    const client = await httpClient(url());
    try {
      const id = client.transport!.sessionId!;
      const shared = new Redis(redis.url!);
      try {
        const bytes = await shared.memory('USAGE', `${prefix}session:${id}`);
        assert.ok(typeof bytes === 'number' && bytes > 0 && bytes <= 2048, `the record takes ${bytes} bytes in Redis`);
      } finally {
        shared.disconnect();
      }
    } finally {
      await client.close();
    }
  });
});
