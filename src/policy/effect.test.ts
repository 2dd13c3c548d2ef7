import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decide } from './decide.js';
import { toolEffect } from './effect.js';
import { parsePolicy } from './parse.js';

function policy(document: object) {
  return parsePolicy(JSON.stringify(document), 'test.json').compiled;
}

const REFERENCE = {
  version: '1',
  default: 'deny',
  tools: { smartlead_create_client_api_key: { limits: [{ counter: 'smartlead_create_client_api_key_rate', window: 'minute', max: 30, scope: 'grant' }] } },
};

describe('the effect of the reference policy', () => {
  const reference = policy(REFERENCE);

  test('its one tool is limited to 30 a minute per grant, by its own rule', () => {
    assert.deepEqual(toolEffect(reference, 'smartlead_create_client_api_key'), {
      effect: 'limited',
      rule: '/tools/smartlead_create_client_api_key',
      listed: true,
      enforced: true,
      limits: [{ rule: '/tools/smartlead_create_client_api_key/limits/0', counter: 'smartlead_create_client_api_key_rate', windowMs: 60_000, max: 30, scope: 'grant' }],
    });
  });

  test('any other tool is denied by the default, and not listed', () => {
    for (const tool of ['smartlead_get_campaign', 'smartlead_create_client_api_key ', 'anything']) {
      assert.deepEqual(toolEffect(reference, tool), { effect: 'denied', rule: '(default deny)', listed: false, enforced: true }, tool);
    }
  });
});

describe('each effect', () => {
  test('no policy denies everything', () => {
    assert.deepEqual(toolEffect(undefined, 'anything'), { effect: 'denied', rule: '(no policy)', listed: false, enforced: true });
  });

  test('hide wins over an entry under tools, by name, pattern or "*"', () => {
    const p = policy({ version: '1', default: 'allow', hide: ['drop_table', 'admin_*'], tools: { drop_table: {} } });
    for (const tool of ['drop_table', 'admin_reset']) assert.deepEqual(toolEffect(p, tool), { effect: 'hidden', rule: '(hidden)', listed: false, enforced: true }, tool);
    assert.equal(toolEffect(policy({ version: '1', default: 'allow', hide: ['*'] }), 'x').effect, 'hidden');
  });

  test('deny: true is denied but listed, with the message the agent reads', () => {
    const p = policy({ version: '1', default: 'allow', tools: { wipe: { deny: true, on_deny: 'Wiping needs a human.' }, drop: { deny: true } } });
    assert.deepEqual(toolEffect(p, 'wipe'), { effect: 'denied', rule: '/tools/wipe', listed: true, enforced: true, message: 'Wiping needs a human.' });
    assert.equal(toolEffect(p, 'drop').message, 'Tool "drop" is not permitted by policy');
  });

  test('an empty entry under default deny, and any tool under default allow, are allowed', () => {
    assert.deepEqual(toolEffect(policy({ version: '1', default: 'deny', tools: { get: {} } }), 'get'), { effect: 'allowed', rule: '/tools/get', listed: true, enforced: true });
    assert.deepEqual(toolEffect(policy({ version: '1', default: 'allow' }), 'x'), { effect: 'allowed', rule: '(default allow)', listed: true, enforced: true });
  });

  test('limits come from the tool rule, then all_tools; a spend counter names its argument', () => {
    const p = policy({
      version: '1',
      default: 'allow',
      all_tools: { limits: [{ counter: 'all_calls', window: 'hour', max: 1000, scope: 'global' }] },
      tools: { refund: { limits: [{ counter: 'spend', window: 'day', max: 500, increment_from: 'args.amount' }, { counter: 'heavy', window: '90s', max: 10, increment: 5 }] } },
    });
    const refund = toolEffect(p, 'refund');
    assert.equal(refund.effect, 'limited');
    assert.deepEqual(refund.limits, [
      { rule: '/tools/refund/limits/0', counter: 'spend', windowMs: 86_400_000, max: 500, scope: 'grant', incrementFrom: 'args.amount' },
      { rule: '/tools/refund/limits/1', counter: 'heavy', windowMs: 90_000, max: 10, scope: 'grant', increment: 5 },
      { rule: '/all_tools/limits/0', counter: 'all_calls', windowMs: 3_600_000, max: 1000, scope: 'global' },
    ]);
    assert.deepEqual(toolEffect(p, 'other'), {
      effect: 'limited',
      rule: '(default allow)',
      listed: true,
      enforced: true,
      limits: [{ rule: '/all_tools/limits/0', counter: 'all_calls', windowMs: 3_600_000, max: 1000, scope: 'global' }],
    });
  });

  test('require and deny_if make a tool conditional, naming each condition of the tool and of all_tools', () => {
    const p = policy({
      version: '1',
      default: 'deny',
      all_tools: { require: [{ path: 'args.tenant', op: 'exists' }] },
      tools: { refund: { deny_if: [{ path: 'args.amount', op: 'gt', value: 10000 }], limits: [{ counter: 'r', window: 'minute', max: 5 }] } },
    });
    assert.deepEqual(toolEffect(p, 'refund'), {
      effect: 'conditional',
      rule: '/tools/refund',
      listed: true,
      enforced: true,
      limits: [{ rule: '/tools/refund/limits/0', counter: 'r', windowMs: 60_000, max: 5, scope: 'grant' }],
      conditions: [
        { rule: '/tools/refund/deny_if/0', kind: 'deny_if', path: 'args.amount', op: 'gt', value: 10000 },
        { rule: '/all_tools/require/0', kind: 'require', path: 'args.tenant', op: 'exists', value: undefined },
      ],
    });
  });

  test('approval, always or when its conditions hold, wins over limits and conditions, which are still shown', () => {
    const p = policy({
      version: '1',
      default: 'deny',
      tools: {
        run: { approval: true, limits: [{ counter: 'runs', window: 'hour', max: 3 }] },
        pay: { approval: { timeout: '5m', message: 'Payments need finance.', when: [{ path: 'args.amount', op: 'gt', value: 100 }] }, require: [{ path: 'args.currency', op: 'eq', value: 'EUR' }] },
      },
    });
    assert.deepEqual(toolEffect(p, 'run'), {
      effect: 'approval',
      rule: '/tools/run/approval',
      listed: true,
      enforced: true,
      limits: [{ rule: '/tools/run/limits/0', counter: 'runs', windowMs: 3_600_000, max: 3, scope: 'grant' }],
      approval: { rule: '/tools/run/approval', timeoutMs: 900_000 },
    });
    const pay = toolEffect(p, 'pay');
    assert.deepEqual([pay.effect, pay.conditions?.map((c) => c.rule)], ['approval', ['/tools/pay/require/0']]);
    assert.deepEqual(pay.approval, {
      rule: '/tools/pay/approval',
      timeoutMs: 300_000,
      message: 'Payments need finance.',
      when: [{ rule: '/tools/pay/approval/when/0', kind: 'when', path: 'args.amount', op: 'gt', value: 100 }],
    });
  });

  test('an approval under all_tools holds every tool it reaches', () => {
    const p = policy({ version: '1', default: 'allow', all_tools: { approval: true } });
    assert.deepEqual([toolEffect(p, 'x').effect, toolEffect(p, 'x').rule], ['approval', '/all_tools/approval']);
  });
});

describe('shadow mode', () => {
  test('a shadow policy names what it would refuse, lists it, and does not enforce it', () => {
    const p = policy({ version: '1', default: 'deny', mode: 'shadow', hide: ['h'], tools: { d: { deny: true }, c: { require: [{ path: 'args.a', op: 'exists' }] }, l: { limits: [{ counter: 'l', window: 'minute', max: 1 }] } } });
    assert.deepEqual(toolEffect(p, 'h'), { effect: 'hidden', rule: '(hidden)', listed: true, enforced: false });
    assert.deepEqual(toolEffect(p, 'x'), { effect: 'denied', rule: '(default deny)', listed: true, enforced: false });
    assert.deepEqual([toolEffect(p, 'd').effect, toolEffect(p, 'd').enforced], ['denied', false]);
    assert.deepEqual([toolEffect(p, 'c').effect, toolEffect(p, 'c').enforced], ['conditional', false]);
    // Shadow mode shadows refusals only: a limit still counts (decide keeps it).
    assert.deepEqual([toolEffect(p, 'l').effect, toolEffect(p, 'l').enforced], ['limited', true]);
  });

  test('a shadow rule shadows its own refusals; conditions of an enforcing all_tools keep the tool enforced', () => {
    const p = policy({
      version: '1',
      default: 'deny',
      tools: { d: { deny: true, mode: 'shadow' }, c: { mode: 'shadow', deny_if: [{ path: 'args.a', op: 'eq', value: 1 }] } },
    });
    assert.deepEqual([toolEffect(p, 'd').effect, toolEffect(p, 'd').enforced], ['denied', false]);
    assert.deepEqual([toolEffect(p, 'c').effect, toolEffect(p, 'c').enforced], ['conditional', false]);
    const mixed = policy({ version: '1', default: 'deny', all_tools: { require: [{ path: 'args.t', op: 'exists' }] }, tools: { c: { mode: 'shadow', deny_if: [{ path: 'args.a', op: 'eq', value: 1 }] } } });
    assert.equal(toolEffect(mixed, 'c').enforced, true);
  });
});

describe('the effect and decide agree on which rule governs a name', () => {
  const p = policy({
    version: '1',
    default: 'deny',
    hide: ['a*z'],
    tools: { ab: {}, 'a*': { deny: true }, '*b': { limits: [{ counter: 'b', window: 'minute', max: 2 }] }, 'a*b': {}, '*': { deny: true }, 'ab*': {} },
  });

  test('for every name over a small alphabet (exact key, pattern precedence, hide)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[abz]{0,5}$/), (tool) => {
        const effect = toolEffect(p, tool);
        const decision = decide(p, { tool, args: {} });
        assert.equal(effect.rule, decision.rule, `rule for "${tool}"`);
        const kind = { allow: ['allowed', 'limited'], deny: ['denied'], hidden: ['hidden'] }[decision.kind];
        assert.ok(kind.includes(effect.effect), `"${tool}": effect ${effect.effect}, decision ${decision.kind}`);
        if (decision.kind === 'allow') assert.deepEqual(effect.limits?.map((l) => l.counter) ?? [], decision.limits.map((l) => l.counter), `limits for "${tool}"`);
      }),
      { numRuns: 500 },
    );
  });
});
