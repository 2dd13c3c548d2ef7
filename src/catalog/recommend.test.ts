import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide } from '../policy/decide.js';
import { parsePolicy } from '../policy/parse.js';
import { rank, type Classification } from './classify.js';
import { recommend, recommendedChange, type Recommendation } from './recommend.js';

/** A consolidated tool as the classifier reports one: the worst operation's class, and each operation's own. */
function consolidated(argument: string, values: NonNullable<Classification['operations']>['values']): Classification {
  const worst = Object.values(values).map((v) => v.class).sort((a, b) => rank(b) - rank(a))[0]!;
  return { class: worst, severity: 'High', rationale: [`\`${argument}\` accepts the worst`], findings: [], operations: { argument, values } };
}

/** The recommended rule as the only entry of a policy, parsed and compiled as a file would be. */
function enforced(tool: string, recommendation: Recommendation) {
  assert.ok('rule' in recommendation, `${tool} gets a rule, not hidden`);
  return parsePolicy(JSON.stringify({ version: '1', default: 'deny', tools: { [tool]: recommendation.rule } }), 'test.json').compiled;
}

describe('a consolidated tool gets a rule per operation', () => {
  const issueWrite = consolidated('method', {
    create: { class: 'Write', severity: 'Medium' },
    update: { class: 'Write', severity: 'Medium' },
    delete: { class: 'Destructive', severity: 'High' },
  });

  test('its destructive operation is refused, the others allowed within the write budget', () => {
    const recommendation = recommend('issue_write', issueWrite);
    assert.equal(recommendation.text, 'per `method`: allow create, update; refuse delete; at most 30 calls a minute per grant, whatever the operation');
    assert.equal(recommendation.effect, 'per-operation');
    const policy = enforced('issue_write', recommendation);
    const create = decide(policy, { tool: 'issue_write', args: { method: 'create', title: 'x' } });
    assert.equal(create.kind, 'allow');
    assert.deepEqual(create.kind === 'allow' && create.limits.map((l) => [l.counter, l.windowMs, l.max, l.scope]), [['issue_write_rate', 60_000, 30, 'grant']]);
    const remove = decide(policy, { tool: 'issue_write', args: { method: 'delete' } });
    assert.deepEqual([remove.kind, remove.kind === 'deny' && remove.message], ['deny', '`method` must be one of "create", "update": "delete" is Destructive and refused']);
  });

  test('a call that names no operation, or one the server did not list, is refused: the server default could be any', () => {
    const recommendation = recommend('issue_write', issueWrite);
    const policy = enforced('issue_write', recommendation);
    assert.equal(decide(policy, { tool: 'issue_write', args: {} }).kind, 'deny');
    assert.equal(decide(policy, { tool: 'issue_write', args: { method: 'purge' } }).kind, 'deny');
  });

  test('money waits for approval, reads pass, and no write budget is set where nothing writes', () => {
    const order = consolidated('action', { get: { class: 'Read', severity: 'Low' }, cancel: { class: 'Destructive', severity: 'High' }, refund: { class: 'Financial', severity: 'High' } });
    const recommendation = recommend('order', order);
    assert.equal(recommendation.text, 'per `action`: allow get; require approval for refund; refuse cancel');
    const policy = enforced('order', recommendation);
    const get = decide(policy, { tool: 'order', args: { action: 'get' } });
    const refund = decide(policy, { tool: 'order', args: { action: 'refund' } });
    assert.deepEqual([get.kind, get.kind === 'allow' && get.approval, get.kind === 'allow' && get.limits.length], ['allow', undefined, 0]);
    assert.deepEqual([refund.kind, refund.kind === 'allow' && refund.approval?.pointer], ['allow', '/tools/order/approval']);
    assert.equal(decide(policy, { tool: 'order', args: { action: 'cancel' } }).kind, 'deny');
  });

  test('an operation argument that needs quoting gets a path that reaches it', () => {
    const recommendation = recommend('odd', consolidated('the op', { list: { class: 'Read', severity: 'Low' }, drop: { class: 'Destructive', severity: 'High' } }));
    const policy = enforced('odd', recommendation);
    assert.equal(decide(policy, { tool: 'odd', args: { 'the op': 'list' } }).kind, 'allow');
    assert.equal(decide(policy, { tool: 'odd', args: { 'the op': 'drop' } }).kind, 'deny');
  });

  test('operations of one class, or a tool riskier than its operations, get the rule of the tool\'s class', () => {
    const allWrites = consolidated('type', { replace: { class: 'Write', severity: 'High' }, insert: { class: 'Write', severity: 'High' } });
    assert.equal(recommend('update_page', allWrites).effect, 'limit');
    const riskier = { ...consolidated('mode', { list: { class: 'Read', severity: 'Low' }, set: { class: 'Write', severity: 'Medium' } }), class: 'Execute' as const };
    assert.equal(recommend('run_job', riskier).effect, 'approval');
  });
});

describe('the recommendation as one rule the console\'s form can set', () => {
  const plain = (cls: Classification['class']): Classification => ({ class: cls, severity: 'Medium', rationale: [], findings: [] });

  test('allow, the write budget and approval are set exactly as recommended', () => {
    assert.deepEqual(recommendedChange(recommend('read_page', plain('Read'))), { change: { rule: 'allow' }, exact: true });
    assert.deepEqual(recommendedChange(recommend('update_page', plain('Write'))), { change: { rule: 'limit', counter: 'update_page_rate', window: 'minute', max: 30, scope: 'grant' }, exact: true });
    assert.deepEqual(recommendedChange(recommend('run_job', plain('Execute'))), { change: { rule: 'approval' }, exact: true });
  });

  test('a tool to hide is denied, and a rule per operation that refuses or holds one waits for approval: never looser, and said to be inexact', () => {
    assert.deepEqual(recommendedChange(recommend('drop_table', plain('Destructive'))), { change: { rule: 'deny' }, exact: false });
    const issueWrite = consolidated('method', { create: { class: 'Write', severity: 'Medium' }, delete: { class: 'Destructive', severity: 'High' } });
    assert.deepEqual(recommendedChange(recommend('issue_write', issueWrite)), { change: { rule: 'approval' }, exact: false });
    const readOrWrite = consolidated('mode', { list: { class: 'Read', severity: 'Low' }, set: { class: 'Write', severity: 'Medium' } });
    assert.deepEqual(recommendedChange(recommend('page', readOrWrite)), { change: { rule: 'limit', counter: 'page_rate', window: 'minute', max: 30, scope: 'grant' }, exact: false });
  });
});
