import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayMetrics } from './metrics.js';

test('tools and prompts are labels; resource URIs are not (they are unbounded)', async () => {
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  metrics.decided('fs', 'tools/call', 'read_file', 'allowed');
  metrics.decided('fs', 'prompts/get', 'summarise', 'denied');
  metrics.decided('fs', 'resources/read', 'file:///home/alice/notes.txt', 'allowed');
  metrics.finished('fs', 'resources/read', 'file:///home/alice/notes.txt', 'ok', 0.1, 2);
  const calls = await metrics.registry.getSingleMetric('toolgate_calls_total')!.get();
  assert.deepEqual(
    calls.values.map(({ labels }) => [labels.method, labels.tool]),
    [
      ['tools/call', 'read_file'],
      ['prompts/get', 'summarise'],
      ['resources/read', ''],
    ],
  );
  assert.ok(!(await metrics.registry.metrics()).includes('alice'), 'no URI reaches the exposition');
});

test('a counter is near its limit from 80% of its maximum', async () => {
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  for (const used of [79, 80, 100]) metrics.counted('pay', 'refunds', used, 100);
  const near = await metrics.registry.getSingleMetric('toolgate_limit_near_total')!.get();
  assert.deepEqual(near.values.map(({ labels, value }) => ({ labels, value })), [{ labels: { server: 'pay', counter: 'refunds' }, value: 2 }]);
});

test('a method the gateway does not know is labelled other: a client cannot add series at will', async () => {
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  for (let i = 0; i < 50; i++) {
    metrics.decided('fs', `x/made-up-${i}`, undefined, 'allowed');
    metrics.finished('fs', `x/made-up-${i}`, undefined, 'ok', 0.1, 1);
  }
  const calls = await metrics.registry.getSingleMetric('toolgate_calls_total')!.get();
  assert.deepEqual(calls.values.map(({ labels, value }) => [labels.method, value]), [['other', 50]]);
  assert.ok(!(await metrics.registry.metrics()).includes('made-up'));
});
