import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StdioServerConfig } from '../config/schema.js';
import { UpstreamConnection, type UpstreamListener } from './connection.js';
import { StdioTransport } from './stdio-transport.js';
import { FIXTURE } from '../../test/e2e/harness.js';

/** `timeoutMs` bounds the start and the handshake: a loaded machine can take longer than 300 ms to spawn node. */
function connect(server: StdioServerConfig, states: string[], timeoutMs = 300): UpstreamConnection {
  const listener: UpstreamListener = {
    onNotification: () => {},
    onServerRequest: async () => ({ result: {} }),
    onStateChange: (_server, state, detail) => states.push(`${state}: ${detail}`),
  };
  return new UpstreamConnection('broken', server, {
    createTransport: () => new StdioTransport(server),
    listener,
    readyTimeoutMs: timeoutMs,
    startTimeoutMs: timeoutMs,
    backoffMs: 50,
  });
}

test('a server that cannot be started fails calls with a clear error and keeps being retried', async () => {
  const states: string[] = [];
  const upstream = connect({ command: '/nonexistent/toolgate-test-server', args: [], env: {}, protocol: 'auto' }, states);
  await assert.rejects(upstream.start(), /upstream "broken" is not available \(down\) after 300 ms/);
  const response = await upstream.request('tools/list', undefined);
  assert.ok('error' in response);
  assert.match(response.error.message, /upstream "broken" is not available/);
  assert.ok(states.some((s) => /could not connect: spawn \/nonexistent\/toolgate-test-server ENOENT; restarting in 50 ms/.test(s)), states.join('\n'));
  assert.ok(states.filter((s) => s.startsWith('connecting')).length >= 2, 'it was retried');
  await upstream.close();
});

test('a server that exits at once is reported with its exit code', async () => {
  const states: string[] = [];
  const upstream = connect({ command: process.execPath, args: ['-e', 'process.exit(3)'], env: {}, protocol: 'auto' }, states, 3_000);
  await assert.rejects(upstream.start());
  assert.ok(states.some((s) => /exited with code 3/.test(s)), states.join('\n'));
  await upstream.close();
});

test("a call made while the server is on its first start waits for that start, not only a restart's time", async () => {
  const states: string[] = [];
  const listener: UpstreamListener = { onNotification: () => {}, onServerRequest: async () => ({ result: {} }), onStateChange: (_s, state, detail) => states.push(`${state}: ${detail}`) };
  // node with tsx takes well over 50 ms to start the fixture: a call limited to the restart wait would fail.
  const server: StdioServerConfig = { ...FIXTURE, env: {}, protocol: 'auto' };
  const upstream = new UpstreamConnection('slow-start', server, { createTransport: () => new StdioTransport(server), listener, readyTimeoutMs: 50, startTimeoutMs: 60_000 });
  const started = upstream.start();
  try {
    const response = await upstream.request('tools/list', undefined);
    assert.ok('result' in response, `the call during the first start was answered: ${JSON.stringify(response)} (${states.join('; ')})`);
    await started;
  } finally {
    await upstream.close();
  }
});
