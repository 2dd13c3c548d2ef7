import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { advance, argumentsDigest, bindingKey, decide, FINAL_STATES, type ApprovalBinding, type ApprovalRequest, type Approver, type Outcome } from './approval.js';

const T0 = 1_700_000_000_000;
const binding: ApprovalBinding = { grant: { id: 'gr_1', label: 'sales-agent' }, server: 'crm', tool: 'send_mail', argsDigest: argumentsDigest({ to: 'a@example.com' }), policy: 'p1' };

function pending(options: Partial<Pick<ApprovalRequest, 'approvers' | 'quorum'>> = {}): ApprovalRequest {
  return {
    id: 'ap_1',
    binding,
    key: bindingKey(binding),
    rule: '/tools/send_mail/approval',
    shown: {},
    approvers: options.approvers ?? [],
    quorum: options.quorum ?? 1,
    wait: 'hold',
    state: 'pending',
    createdAt: T0,
    expiresAt: T0 + 60_000,
    decisions: [],
    updatedAt: T0,
    version: 1,
  };
}

/** The request after an outcome that must have been taken. */
function taken(outcome: Outcome): ApprovalRequest {
  assert.ok(outcome.ok, `the decision is taken (${outcome.ok ? '' : outcome.error})`);
  return outcome.request;
}

const dana: Approver = { name: 'dana' };
const erin: Approver = { name: 'erin' };

describe('decide', () => {
  test('the requester cannot decide its own request, either way', () => {
    for (const verdict of ['approve', 'deny'] as const) {
      const outcome = decide(pending(), { name: 'sales-agent' }, verdict, T0 + 1);
      assert.deepEqual(outcome, { ok: false, error: 'sales-agent made the request, and cannot decide it' });
    }
  });

  test('one approval meets a quorum of one, and counts every change in the version', () => {
    const approved = taken(decide(pending(), dana, 'approve', T0 + 1, 'fine'));
    assert.equal(approved.state, 'approved');
    assert.equal(approved.version, 2);
    assert.equal(approved.updatedAt, T0 + 1);
    assert.deepEqual(approved.decisions, [{ approver: 'dana', verdict: 'approve', at: T0 + 1, reason: 'fine' }]);
  });

  test('with a quorum of two, the same approver twice stays pending; a second person approves it', () => {
    const once = taken(decide(pending({ quorum: 2 }), dana, 'approve', T0 + 1));
    const twice = taken(decide(once, dana, 'approve', T0 + 2));
    assert.equal(twice.state, 'pending', 'the same person counts once');
    assert.equal(taken(decide(twice, erin, 'approve', T0 + 3)).state, 'approved');
  });

  test('one deny ends it, even after approvals, and nothing is decided after it', () => {
    const once = taken(decide(pending({ quorum: 2 }), dana, 'approve', T0 + 1));
    const denied = taken(decide(once, erin, 'deny', T0 + 2, 'wrong customer'));
    assert.equal(denied.state, 'denied');
    assert.deepEqual(decide(denied, dana, 'approve', T0 + 3), { ok: false, error: 'approval ap_1 is denied, not pending' });
  });

  test('a decision after the expiry is refused, and yields the request expired', () => {
    const outcome = decide(pending(), dana, 'approve', T0 + 60_000);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.request?.state, 'expired');
    assert.equal(outcome.request?.version, 2);
    assert.deepEqual(outcome.request?.decisions, [], 'the late approval is not recorded');
  });

  test('only the named approvers decide; a group names its members', () => {
    const request = pending({ approvers: ['dana', 'group:finance'] });
    assert.equal(taken(decide(request, dana, 'approve', T0 + 1)).state, 'approved', 'by name');
    assert.equal(taken(decide(request, { name: 'frank', groups: ['sales', 'finance'] }, 'approve', T0 + 1)).state, 'approved', 'by group');
    assert.match((decide(request, { name: 'erin', groups: ['sales'] }, 'approve', T0 + 1) as { error: string }).error, /erin is not among the approvers of ap_1 \(dana, group:finance\)/);
  });

  test('a person named like a group is not in it', () => {
    const outcome = decide(pending({ approvers: ['group:finance'] }), { name: 'group:finance' }, 'approve', T0 + 1);
    assert.equal(outcome.ok, false, 'the name "group:finance" is not membership of finance');
  });
});

describe('the digests', () => {
  test('the arguments digest ignores key order and differs for a one-byte change', () => {
    assert.equal(argumentsDigest({ to: 'a@example.com', cc: { b: 1, a: [1, 2] } }), argumentsDigest({ cc: { a: [1, 2], b: 1 }, to: 'a@example.com' }));
    assert.notEqual(argumentsDigest({ amount: 100 }), argumentsDigest({ amount: 101 }));
    assert.notEqual(argumentsDigest({ to: 'a@example.com' }), argumentsDigest({ to: 'a@example.con' }));
    assert.equal(argumentsDigest(undefined), argumentsDigest({}), 'no arguments are the empty object');
  });

  test('the binding key differs when the policy or the pin differs', () => {
    const key = bindingKey(binding);
    assert.notEqual(bindingKey({ ...binding, policy: 'p2' }), key, 'another policy');
    assert.notEqual(bindingKey({ ...binding, pin: 'd1' }), key, 'a pin where there was none');
    assert.notEqual(bindingKey({ ...binding, pin: 'd1' }), bindingKey({ ...binding, pin: 'd2' }), 'another pin');
    assert.equal(bindingKey({ ...binding, pin: undefined }), key, 'an absent pin is no pin');
  });
});

describe('advance', () => {
  const approved = taken(decide(pending(), dana, 'approve', T0 + 1));

  test('goes on only from the state before', () => {
    const forwarded = advance(approved, 'forwarded', T0 + 2);
    assert.equal(forwarded?.state, 'forwarded');
    assert.equal(forwarded?.version, approved.version + 1);
    assert.equal(advance(forwarded!, 'completed', T0 + 3)?.state, 'completed');
    assert.equal(advance(forwarded!, 'ambiguous', T0 + 3)?.state, 'ambiguous');
    assert.equal(advance(pending(), 'cancelled', T0 + 2)?.state, 'cancelled');
    assert.equal(advance(pending(), 'expired', T0 + 2)?.state, 'expired');
  });

  test('refuses every other step', () => {
    assert.equal(advance(pending(), 'forwarded', T0 + 2), undefined, 'a pending request is not forwarded');
    assert.equal(advance(approved, 'completed', T0 + 2), undefined, 'nor completed before it was forwarded');
    assert.equal(advance(approved, 'cancelled', T0 + 2), undefined, 'an approved request is not cancelled');
    assert.equal(advance(approved, 'expired', T0 + 2), undefined, 'nor expires');
    assert.equal(advance(advance(approved, 'forwarded', T0 + 2)!, 'forwarded', T0 + 3), undefined, 'a forward is claimed once');
    assert.equal(advance(approved, 'forwarded', approved.expiresAt), undefined, 'an approval is not claimed after the request expired');
    for (const state of FINAL_STATES) {
      for (const to of ['forwarded', 'completed', 'ambiguous', 'cancelled', 'expired'] as const) {
        assert.equal(advance({ ...approved, state }, to, T0 + 2), undefined, `${state} is final: not ${to}`);
      }
    }
  });
});

test('whatever the decisions, a request is approved only by a quorum of distinct approvers other than the requester, and never after a deny', () => {
  const names = ['sales-agent', 'dana', 'erin', 'frank', 'gus'];
  const step = fc.record({ name: fc.constantFrom(...names), verdict: fc.constantFrom('approve' as const, 'deny' as const), at: fc.integer({ min: 1, max: 70_000 }) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.subarray(names), fc.array(step, { maxLength: 12 }), (quorum, approvers, steps) => {
      let request = pending({ quorum, approvers });
      let denied = false;
      for (const { name, verdict, at } of steps) {
        const outcome = decide(request, { name }, verdict, T0 + at);
        if (outcome.ok) {
          assert.equal(outcome.request.version, request.version + 1, 'every change counts');
          request = outcome.request;
          denied ||= verdict === 'deny';
        } else if (outcome.request) {
          request = outcome.request;
        }
        if (request.state === 'approved') {
          const by = new Set(request.decisions.filter((d) => d.verdict === 'approve').map((d) => d.approver));
          assert.ok(by.size >= quorum, `approved by ${[...by].join(', ')}: fewer than ${quorum}`);
          assert.ok(!by.has('sales-agent'), 'the requester approved its own request');
          assert.ok(approvers.length === 0 || [...by].every((who) => approvers.includes(who)), `approved by someone not among ${approvers.join(', ')}`);
          assert.ok(!denied, 'approved after a deny');
        }
        if (denied) assert.equal(request.state, 'denied', 'a deny is final');
      }
    }),
  );
});
