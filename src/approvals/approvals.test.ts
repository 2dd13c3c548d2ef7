import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argumentsDigest, type ApprovalBinding } from './approval.js';
import { ApprovalError, Approvals } from './approvals.js';
import { MemoryApprovalStore } from './memory-approval-store.js';

const binding: ApprovalBinding = { grant: { id: 'gr_1', label: 'sales-agent' }, server: 'crm', tool: 'send_mail', argsDigest: argumentsDigest({ to: 'a@example.com' }), policy: 'p1' };
const requirement = { pointer: '/tools/send_mail/approval', timeoutMs: 60_000, approvers: [], quorum: 1 };

// Found by test/fuzz/approvals.fuzz.test.ts: an abort before the call was held fired no event the hold could hear, so
// the call stayed held for nobody, and was forwarded when someone approved it.
test('a call whose agent gave up before it was held is refused at once, its request cancelled, and an approval passes nothing', async () => {
  const store = new MemoryApprovalStore();
  const approvals = new Approvals({ store, record: () => {}, pollMs: 5 });
  const controller = new AbortController();
  controller.abort();
  const gate = approvals.gate({ binding, requirement, wait: 'hold', signal: controller.signal });
  const answered = await Promise.race([gate, new Promise<'held'>((resolve) => setTimeout(() => resolve('held'), 500))]);
  approvals.close();
  assert.notEqual(answered, 'held', 'the call is answered, not held');
  assert.ok(answered !== 'held' && answered.kind === 'refused', `the call is refused: ${JSON.stringify(answered)}`);
  assert.equal(answered.request.state, 'cancelled');
  assert.equal((await store.get(answered.request.id))?.state, 'cancelled', 'the stored request is cancelled');
  await assert.rejects(approvals.decide(answered.request.id, { name: 'dana' }, 'approve'), (error: Error) => error instanceof ApprovalError && /is cancelled, not pending/.test(error.message), 'an approval afterwards is refused');
});

// Found by test/e2e/approvals-races.test.ts: closing told held agents their approval "is cancelled", while the record
// stays pending and an approval of it still lets the identical retried call through.
test('closing answers a held call at once, saying the request stays open, and leaves it pending', async () => {
  const store = new MemoryApprovalStore();
  const approvals = new Approvals({ store, record: () => {}, pollMs: 5 });
  const gate = approvals.gate({ binding, requirement, wait: 'hold' });
  await new Promise((resolve) => setImmediate(resolve));
  approvals.close();
  const answered = await gate;
  assert.ok(answered.kind === 'refused', `the call is refused: ${JSON.stringify(answered)}`);
  assert.equal(answered.message, `the gateway shut down while approval ${answered.request.id} was pending; the request stays open`);
  assert.equal((await store.get(answered.request.id))?.state, 'pending', 'the stored request is still pending');
});
