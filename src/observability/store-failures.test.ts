import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { GatewayMetrics } from './metrics.js';
import { StoreFailures } from './store-failures.js';

test('every failure is counted; each kind of failure logs once per ten seconds, then says how many it left out', async (t) => {
  t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  const failures = new StoreFailures(pino(sink), metrics);
  for (let i = 0; i < 5; i++) failures.failed('counters', new Error('down'), 'rate limit store unavailable');
  failures.failed('audit', new Error('disk full'), 'audit log unavailable');
  failures.failed('audit', new Error('disk full'), 'audit log not pruned');
  t.mock.timers.tick(10_001);
  failures.failed('counters', new Error('down'), 'rate limit store unavailable');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    lines.map(({ part, suppressed, msg }) => ({ part, suppressed, msg })),
    [
      { part: 'counters', suppressed: undefined, msg: 'rate limit store unavailable' },
      { part: 'audit', suppressed: undefined, msg: 'audit log unavailable' },
      { part: 'audit', suppressed: undefined, msg: 'audit log not pruned' },
      { part: 'counters', suppressed: 4, msg: 'rate limit store unavailable' },
    ],
  );
  const counted = await metrics.registry.getSingleMetric('toolgate_store_errors_total')!.get();
  assert.deepEqual(Object.fromEntries(counted.values.map(({ labels, value }) => [labels.part, value])), { counters: 6, audit: 2 });
});
