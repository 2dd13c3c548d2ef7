import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argumentsDigest, type ApprovalBinding } from './approval.js';
import { AMBIGUOUS_AFTER_MS, ApprovalError, Approvals, type ApprovalEvent } from './approvals.js';
import { MemoryApprovalStore } from './memory-approval-store.js';

const binding: ApprovalBinding = { grant: { id: 'gr_1', label: 'agent' }, server: 'billing', tool: 'refund', argsDigest: argumentsDigest({ amount: 5 }), policy: 'p1' };
const requirement = { pointer: '/tools/refund/approval', timeoutMs: 60_000, approvers: [], quorum: 1 };

function service(clock = () => Date.now(), store = new MemoryApprovalStore()) {
  const events: ApprovalEvent['event'][] = [];
  const approvals = new Approvals({ store, record: (e) => void events.push(e.event), clock, pollMs: 10, waitingEveryMs: 20 });
  return { approvals, events, store };
}

test('a held call waits, is told it is waiting, and goes on once when another process approves it', async () => {
  const { approvals, events, store } = service();
  const elsewhere = new Approvals({ store, record: () => {} });
  let told = 0;
  const held = approvals.gate({ binding, requirement, wait: 'hold', waiting: () => told++ });
  await new Promise((resolve) => setTimeout(resolve, 60));
  const [request] = await store.list({ state: 'pending' }, 10);
  await elsewhere.decide(request!.id, { name: 'alice' }, 'approve');
  const gate = await held;
  assert.deepEqual([gate.kind, gate.request.state], ['approved', 'forwarded']);
  assert.ok(told >= 2, `the agent was told it is waiting (${told} times)`);
  assert.equal(approvals.heldCount, 0, 'nothing is held once it went on');
  await approvals.finished(gate.request, 'completed');
  assert.deepEqual(events, ['requested', 'forwarded', 'completed']);
});

test('closing answers every held call at once, and a forward nobody saw come back is ambiguous after a while', async () => {
  let now = 1_000_000;
  const { approvals, store } = service(() => now);
  const held = approvals.gate({ binding, requirement, wait: 'hold' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  approvals.close();
  assert.equal((await held).kind, 'refused');
  const [request] = await store.list({ state: 'pending' }, 10);
  assert.ok(request, 'the request stays in the store for a retry');

  const later = service(() => now, store);
  await later.approvals.decide(request.id, { name: 'alice' }, 'approve');
  const retried = await later.approvals.gate({ binding, requirement, wait: 'retry' });
  assert.deepEqual([retried.kind, retried.request.id], ['approved', request.id], 'the identical call, retried after the restart, passes');
  const again = await later.approvals.gate({ binding, requirement, wait: 'retry' });
  assert.ok(again.kind === 'pending' && again.request.id !== request.id, 'once: the next identical call is a new request');
  now += AMBIGUOUS_AFTER_MS - 1;
  assert.equal(await later.approvals.sweep(), 0, 'a forward is given its time to come back');
  now += 1;
  assert.equal(await later.approvals.sweep(), 1, 'then it is ambiguous');
  assert.equal((await store.get(request.id))?.state, 'ambiguous');
  assert.deepEqual(later.events, ['approved', 'forwarded', 'requested', 'ambiguous']);
});

const mail: ApprovalBinding = { grant: { id: 'gr_1', label: 'sales-agent' }, server: 'crm', tool: 'send_mail', argsDigest: argumentsDigest({ to: 'a@example.com' }), policy: 'p1' };
const mailRequirement = { pointer: '/tools/send_mail/approval', timeoutMs: 60_000, approvers: [], quorum: 1 };

// Found by test/fuzz/approvals.fuzz.test.ts: an abort before the call was held fired no event the hold could hear, so
// the call stayed held for nobody, and was forwarded when someone approved it.
test('a call whose agent gave up before it was held is refused at once, its request cancelled, and an approval passes nothing', async () => {
  const store = new MemoryApprovalStore();
  const approvals = new Approvals({ store, record: () => {}, pollMs: 5 });
  const controller = new AbortController();
  controller.abort();
  const gate = approvals.gate({ binding: mail, requirement: mailRequirement, wait: 'hold', signal: controller.signal });
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
  const gate = approvals.gate({ binding: mail, requirement: mailRequirement, wait: 'hold' });
  await new Promise((resolve) => setImmediate(resolve));
  approvals.close();
  const answered = await gate;
  assert.ok(answered.kind === 'refused', `the call is refused: ${JSON.stringify(answered)}`);
  assert.equal(answered.message, `the gateway shut down while approval ${answered.request.id} was pending; the request stays open`);
  assert.equal((await store.get(answered.request.id))?.state, 'pending', 'the stored request is still pending');
});
