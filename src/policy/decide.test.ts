import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditArgs, decide, explain, listed, methodAllowed } from './decide.js';
import type { Decision } from './decision.js';
import { parsePolicy } from './parse.js';

function policy(document: object) {
  return parsePolicy(JSON.stringify(document), 'test.json').compiled;
}

function outcome(decision: Decision): string {
  return decision.kind === 'allow' ? `allow ${decision.rule}` : `${decision.kind} ${decision.rule}: ${decision.message}`;
}

const SEED = {
  version: '1',
  default: 'deny',
  tools: {
    smartlead_create_client_api_key: {
      limits: [{ counter: 'smartlead_create_client_api_key_rate', window: 'minute', max: 30, scope: 'grant' }],
    },
  },
};

describe('the reference policy behaves as written', () => {
  const seed = policy(SEED);

  test('its one tool is usable, with its limit of 30 a minute per grant', () => {
    const decision = decide(seed, { tool: 'smartlead_create_client_api_key', args: { client_id: 1 } });
    assert.equal(decision.kind, 'allow');
    assert.deepEqual(
      decision.kind === 'allow' && decision.limits.map((l) => [l.counter, l.windowMs, l.max, l.scope]),
      [['smartlead_create_client_api_key_rate', 60_000, 30, 'grant']],
    );
  });

  test('everything else on the server is denied, and not listed', () => {
    for (const tool of ['smartlead_get_campaign', 'smartlead_delete_campaign', 'anything']) {
      assert.equal(outcome(decide(seed, { tool, args: {} })), `deny (default deny): Tool "${tool}" is not permitted by policy`);
      assert.equal(listed(seed, tool), false);
    }
    assert.equal(listed(seed, 'smartlead_create_client_api_key'), true);
  });
});

describe('hide, default and deny', () => {
  const p = policy({
    version: '1',
    default: 'allow',
    hide: ['drop_table', 'admin_*'],
    tools: { wipe: { deny: true, on_deny: 'Wiping needs a human.' }, drop_table: {} },
  });

  test('a hidden tool is refused and not listed, even when also listed under tools', () => {
    assert.equal(outcome(decide(p, { tool: 'drop_table', args: {} })), 'hidden (hidden): Tool "drop_table" is hidden by policy');
    assert.equal(outcome(decide(p, { tool: 'admin_reset', args: {} })), 'hidden (hidden): Tool "admin_reset" is hidden by policy');
    assert.equal(listed(p, 'drop_table'), false);
  });

  test('"*" hides everything', () => {
    const all = policy({ version: '1', default: 'allow', hide: ['*'] });
    assert.equal(decide(all, { tool: 'read', args: {} }).kind, 'hidden');
    assert.equal(listed(all, 'read'), false);
  });

  test('deny: true keeps a tool listed but refuses every call, with its message', () => {
    assert.equal(outcome(decide(p, { tool: 'wipe', args: {} })), 'deny /tools/wipe: Wiping needs a human.');
    assert.equal(listed(p, 'wipe'), true);
  });

  test('under default allow an unlisted tool is allowed and listed', () => {
    assert.equal(outcome(decide(p, { tool: 'read_rows', args: {} })), 'allow (default allow)');
    assert.equal(listed(p, 'read_rows'), true);
  });
});

describe('conditions on arguments', () => {
  const p = policy({
    version: '1',
    default: 'deny',
    tools: {
      refund: {
        require: [{ path: 'args.reason', op: 'exists' }],
        deny_if: [{ path: 'args.amount', op: 'gt', value: 10000 }],
        on_deny: 'Refunds above 100.00 need a human.',
      },
      deploy: { require: [{ path: 'args.env', op: 'in', value: ['staging', 'dev'], on_deny: 'Only staging and dev.' }] },
      tag: { require: [{ path: 'args.name', op: 'regex', value: '^v\\d+\\.\\d+\\.\\d+$' }] },
      send: { deny_if: [{ path: 'args.recipients[*].domain', op: 'not_in', value: ['example.com'] }] },
      label: { require: [{ path: 'args.labels[*]', op: 'neq', value: 'urgent' }] },
      search: { deny_if: [{ path: 'args.query', op: 'contains', value: 'DROP' }, { path: 'args.tags', op: 'contains', value: 'secret' }] },
      nested: { require: [{ path: 'args.options.mode', op: 'eq', value: 'dry-run' }, { path: 'args["odd key"][0]', op: 'lte', value: 3 }] },
      absent: { require: [{ path: 'args.force', op: 'exists', value: false }] },
    },
  });
  const call = (tool: string, args: unknown) => outcome(decide(p, { tool, args }));

  const cases: [string, unknown, string][] = [
    ['refund', { reason: 'duplicate', amount: 500 }, 'allow /tools/refund'],
    ['refund', { amount: 500 }, 'deny /tools/refund/require/0: Refunds above 100.00 need a human.'],
    ['refund', { reason: 'x', amount: 20000 }, 'deny /tools/refund/deny_if/0: Refunds above 100.00 need a human.'],
    ['refund', { reason: 'x', amount: '20000' }, 'deny /tools/refund/deny_if/0: Refunds above 100.00 need a human.'],
    ['refund', { reason: 'x', amount: '2e4' }, 'deny /tools/refund/deny_if/0: Tool "refund": args.amount must be a number'],
    ['refund', { reason: 'x', amount: 'lots' }, 'deny /tools/refund/deny_if/0: Tool "refund": args.amount must be a number'],
    ['refund', { reason: null, amount: 5 }, 'deny /tools/refund/require/0: Refunds above 100.00 need a human.'],
    ['refund', { reason: 'x', amount: null }, 'allow /tools/refund'],
    ['refund', { reason: 'x' }, 'allow /tools/refund'],
    ['deploy', { env: 'staging' }, 'allow /tools/deploy'],
    ['deploy', { env: 'production' }, 'deny /tools/deploy/require/0: Only staging and dev.'],
    ['tag', { name: 'v1.2.3' }, 'allow /tools/tag'],
    ['tag', { name: 'v1.2' }, 'deny /tools/tag/require/0: Tool "tag" requires args.name regex "^v\\\\d+\\\\.\\\\d+\\\\.\\\\d+$"'],
    ['tag', { name: 123 }, 'deny /tools/tag/require/0: Tool "tag": args.name must be a string'],
    ['send', { recipients: [{ domain: 'example.com' }, { domain: 'example.com' }] }, 'allow /tools/send'],
    ['send', { recipients: [{ domain: 'example.com' }, { domain: 'evil.test' }] }, 'deny /tools/send/deny_if/0: Tool "send" is refused when args.recipients[*].domain not_in ["example.com"]'],
    ['label', { labels: ['a', 'b'] }, 'allow /tools/label'],
    ['label', { labels: ['a', 'urgent'] }, 'deny /tools/label/require/0: Tool "label" requires args.labels[*] neq "urgent"'],
    ['label', { labels: [] }, 'deny /tools/label/require/0: Tool "label" requires args.labels[*] neq "urgent"'],
    ['search', { query: 'select 1', tags: ['public'] }, 'allow /tools/search'],
    ['search', { query: 'x; DROP TABLE t' }, 'deny /tools/search/deny_if/0: Tool "search" is refused when args.query contains "DROP"'],
    ['search', { query: 'ok', tags: ['a', 'secret'] }, 'deny /tools/search/deny_if/1: Tool "search" is refused when args.tags contains "secret"'],
    ['nested', { options: { mode: 'dry-run' }, 'odd key': [2] }, 'allow /tools/nested'],
    ['nested', { options: { mode: 'dry-run' }, 'odd key': [4] }, 'deny /tools/nested/require/1: Tool "nested" requires args["odd key"][0] lte 3'],
    ['absent', {}, 'allow /tools/absent'],
    ['absent', { force: true }, 'deny /tools/absent/require/0: Tool "absent" requires args.force to be absent'],
  ];
  for (const [tool, args, expected] of cases) {
    test(`${tool} ${JSON.stringify(args)} → ${expected.split(':')[0]}`, () => assert.equal(call(tool, args), expected));
  }

  test('a path never reaches into the prototype', () => {
    const proto = policy({ version: '1', default: 'allow', tools: { t: { deny_if: [{ path: 'args.constructor', op: 'exists' }] } } });
    assert.equal(decide(proto, { tool: 't', args: {} }).kind, 'allow');
  });
});

describe('tool-name patterns and their precedence', () => {
  const p = policy({
    version: '1',
    default: 'deny',
    tools: {
      'smartlead_*': { on_deny: 'broad', deny_if: [{ path: 'args.x', op: 'exists' }] },
      'smartlead_delete_*': { deny: true, on_deny: 'no deletes' },
      smartlead_delete_draft: {},
      '*_campaign': { deny: true, on_deny: 'suffix pattern' },
      'a*b*c': { deny: true, on_deny: 'two wildcards' },
      'ab*c': { deny: true, on_deny: 'one wildcard' },
      'x*': { deny: true, on_deny: 'written first' },
      '*x': { deny: true, on_deny: 'written second' },
    },
  });
  const rule = (tool: string) => explain(p, { tool, args: {} }).trace[0]?.detail;

  test('an exact entry beats every pattern', () => assert.equal(outcome(decide(p, { tool: 'smartlead_delete_draft', args: {} })), 'allow /tools/smartlead_delete_draft'));
  test('the pattern with more literal characters wins', () => {
    assert.equal(outcome(decide(p, { tool: 'smartlead_delete_campaign', args: {} })), 'deny /tools/smartlead_delete_*: no deletes');
    assert.equal(rule('smartlead_get_campaign'), 'pattern "smartlead_*"');
  });
  test('on equal literal characters, the pattern with fewer wildcards wins', () => assert.equal(rule('abc'), 'pattern "ab*c"'));
  test('on a full tie, the pattern written first wins', () => assert.equal(rule('xx'), 'pattern "x*"'));
  test('a pattern matches names of any length, including an empty run', () => {
    assert.equal(rule('smartlead_'), 'pattern "smartlead_*"');
    assert.equal(rule('_campaign'), 'pattern "*_campaign"');
    assert.equal(decide(p, { tool: 'smartlead', args: {} }).kind, 'deny');
    assert.equal(decide(p, { tool: 'smartlead', args: {} }).rule, '(default deny)');
  });
});

describe('no bypass by spelling', () => {
  const p = policy({ version: '1', default: 'deny', tools: { delete_repo: { deny: true }, read_repo: {} }, hide: ['drop_db'] });
  for (const spelled of ['Read_repo', 'READ_REPO', 'read_repo ', ' read_repo', 'rеad_repo' /* Cyrillic е */, 'read_repo\u200b', 'read\u2010repo', 'read_rep\u006f\u0301']) {
    test(`${JSON.stringify(spelled)} does not match "read_repo" and falls to the default`, () => {
      assert.equal(decide(p, { tool: spelled, args: {} }).rule, '(default deny)');
    });
  }
  test('a hidden name spelled differently is not listed under default deny either', () => {
    assert.equal(listed(p, 'DROP_DB'), false);
    assert.equal(decide(p, { tool: 'DROP_DB', args: {} }).kind, 'deny');
  });
});

describe('all_tools, limits and spend', () => {
  const p = policy({
    version: '1',
    default: 'deny',
    all_tools: { limits: [{ counter: 'all_calls', window: 'hour', max: 1000 }], deny_if: [{ path: 'args.dry_run', op: 'eq', value: false }] },
    tools: {
      refund: { limits: [{ counter: 'refund_total', window: 'day', max: 50000, increment_from: 'args.amount' }] },
      read: {},
    },
  });

  test('all_tools conditions and limits apply to every listed tool, after its own', () => {
    const decision = decide(p, { tool: 'read', args: {} });
    assert.equal(decision.kind === 'allow' && decision.limits.map((l) => l.counter).join(), 'all_calls');
    assert.equal(decide(p, { tool: 'read', args: { dry_run: false } }).rule, '/all_tools/deny_if/0');
  });

  test('all_tools does not let an unlisted tool through under default deny', () => {
    assert.equal(decide(p, { tool: 'write', args: {} }).rule, '(default deny)');
  });

  test('a spend counter counts the amount the call names', () => {
    const decision = decide(p, { tool: 'refund', args: { amount: 1250 } });
    assert.deepEqual(decision.kind === 'allow' && [decision.limits.map((l) => l.counter), decision.amounts], [['refund_total', 'all_calls'], [1250, 1]]);
  });

  for (const amount of [undefined, -5, Number.NaN, '100', [100]]) {
    test(`a spend amount of ${JSON.stringify(amount)} is refused`, () => {
      const decision = decide(p, { tool: 'refund', args: { amount } });
      assert.equal(decision.kind === 'deny' && decision.reason, 'invalid_argument');
      assert.match(decision.kind === 'deny' ? decision.message : '', /args\.amount must be a finite non-negative number/);
    });
  }
});

describe('shadow mode and approval', () => {
  test('a shadow policy allows, recording what it would have refused', () => {
    const p = policy({ ...SEED, mode: 'shadow' });
    const decision = decide(p, { tool: 'smartlead_delete_campaign', args: {} });
    assert.equal(decision.kind, 'allow');
    assert.deepEqual(decision.kind === 'allow' && decision.shadow, {
      kind: 'deny',
      rule: '(default deny)',
      reason: 'default',
      message: 'Tool "smartlead_delete_campaign" is not permitted by policy',
    });
    assert.equal(listed(p, 'smartlead_delete_campaign'), true);
  });

  test('a shadow rule shadows only its own refusals', () => {
    const p = policy({ version: '1', default: 'deny', tools: { refund: { mode: 'shadow', deny_if: [{ path: 'args.amount', op: 'gt', value: 10 }] } } });
    assert.equal(decide(p, { tool: 'refund', args: { amount: 20 } }).kind, 'allow');
    assert.equal(decide(p, { tool: 'other', args: {} }).kind, 'deny');
  });

  test('approval is required always, or only when its conditions hold', () => {
    const p = policy({
      version: '1',
      default: 'deny',
      tools: { pay: { approval: { when: [{ path: 'args.amount', op: 'gt', value: 100 }], timeout: '5m' } }, wire: { approval: true } },
    });
    const small = decide(p, { tool: 'pay', args: { amount: 5 } });
    const large = decide(p, { tool: 'pay', args: { amount: 500 } });
    assert.equal(small.kind === 'allow' && small.approval, undefined);
    assert.deepEqual(large.kind === 'allow' && large.approval, { pointer: '/tools/pay/approval', timeoutMs: 300_000, approvers: [], quorum: 1 });
    const wire = decide(p, { tool: 'wire', args: {} });
    assert.equal(wire.kind === 'allow' && wire.approval?.timeoutMs, 900_000);
    const quorum = policy({ version: '1', default: 'deny', tools: { refund: { approval: { approvers: ['alice', 'group:finance'], quorum: 2, wait: 'retry' } } } });
    const refund = decide(quorum, { tool: 'refund', args: {} });
    assert.deepEqual(refund.kind === 'allow' && refund.approval, { pointer: '/tools/refund/approval', timeoutMs: 900_000, approvers: ['alice', 'group:finance'], quorum: 2, wait: 'retry' });
  });
});

describe('other methods', () => {
  const p = policy({ version: '1', default: 'deny', methods: { 'prompts/*': 'deny', 'prompts/list': 'allow', 'resources/read': 'deny' } });
  test('are allowed unless methods says otherwise; an exact entry beats a pattern', () => {
    assert.deepEqual(methodAllowed(p, 'completion/complete'), { allow: true, rule: '(methods default allow)' });
    assert.deepEqual(methodAllowed(p, 'prompts/get'), { allow: false, rule: '/methods/prompts~1*' });
    assert.deepEqual(methodAllowed(p, 'prompts/list'), { allow: true, rule: '/methods/prompts~1list' });
    assert.equal(methodAllowed(p, 'resources/read').allow, false);
  });
});

test('explain names every rule that took part', () => {
  const p = policy({
    version: '1',
    default: 'deny',
    all_tools: { limits: [{ counter: 'all', window: 'minute', max: 60 }] },
    tools: { refund: { require: [{ path: 'args.reason', op: 'exists' }], deny_if: [{ path: 'args.amount', op: 'gt', value: 100 }] } },
  });
  const { decision, trace } = explain(p, { tool: 'refund', args: { reason: 'r', amount: 5 } });
  assert.equal(decision.kind, 'allow');
  assert.deepEqual(
    trace.map((s) => `${s.rule} ${s.outcome}`),
    ['/tools/refund applies', '/tools/refund/require/0 holds', '/tools/refund/deny_if/0 fails', '/all_tools/limits/0 applies'],
  );
});

test('the same policy and call always give the same decision', () => {
  const p = policy(SEED);
  const first = decide(p, { tool: 'smartlead_create_client_api_key', args: {} });
  for (let i = 0; i < 100; i++) assert.deepEqual(decide(p, { tool: 'smartlead_create_client_api_key', args: {} }), first);
});

/** Names that a plain object answers for although no document wrote them. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'];

describe('names that are prototype keys are ordinary names', () => {
  for (const name of PROTOTYPE_KEYS) {
    const others = PROTOTYPE_KEYS.filter((other) => other !== name);

    test(`a deny rule for a tool named ${name} denies it under default allow`, () => {
      const p = policy({ version: '1', default: 'allow', tools: { [name]: { deny: true } } });
      assert.equal(outcome(decide(p, { tool: name, args: {} })), `deny /tools/${name}: Tool "${name}" is not permitted by policy`);
      for (const other of others) assert.equal(decide(p, { tool: other, args: {} }).rule, '(default allow)');
    });

    test(`an entry for ${name} allows it under default deny, and only it`, () => {
      const p = policy({ version: '1', default: 'deny', tools: { [name]: {} } });
      assert.equal(outcome(decide(p, { tool: name, args: {} })), `allow /tools/${name}`);
      assert.equal(listed(p, name), true);
      for (const other of others) {
        assert.equal(decide(p, { tool: other, args: {} }).rule, '(default deny)', other);
        assert.equal(listed(p, other), false, other);
      }
    });

    test(`a pattern matches ${name} as it matches any other name`, () => {
      const p = policy({ version: '1', default: 'allow', tools: { [`${name.slice(0, 3)}*`]: { deny: true } } });
      assert.equal(decide(p, { tool: name, args: {} }).rule, `/tools/${name.slice(0, 3)}*`);
      assert.equal(decide(p, { tool: `x${name}`, args: {} }).rule, '(default allow)');
    });

    test(`hide: [${name}] hides ${name} and nothing else`, () => {
      const p = policy({ version: '1', default: 'allow', hide: [name] });
      assert.equal(decide(p, { tool: name, args: {} }).kind, 'hidden');
      for (const other of others) assert.equal(decide(p, { tool: other, args: {} }).kind, 'allow', other);
    });

    test(`a counter named ${name} counts, and is checked against its other definitions`, () => {
      const limit = { counter: name, window: 'minute', max: 3 };
      const p = policy({ version: '1', default: 'deny', tools: { a: { limits: [limit] }, b: { limits: [limit] } } });
      const decision = decide(p, { tool: 'a', args: {} });
      assert.deepEqual(decision.kind === 'allow' && decision.limits.map((l) => [l.counter, l.max]), [[name, 3]]);
      assert.throws(() => policy({ version: '1', default: 'deny', tools: { a: { limits: [limit] }, b: { limits: [{ ...limit, max: 4 }] } } }), /counter .* is also defined at \/tools\/a\/limits\/0/);
    });

    test(`a method named ${name} follows methods, else the methods default`, () => {
      const p = policy({ version: '1', default: 'deny', methods: { 'prompts/get': 'deny' } });
      assert.deepEqual(methodAllowed(p, name), { allow: true, rule: '(methods default allow)' });
      assert.deepEqual(methodAllowed(policy({ version: '1', default: 'deny', methods: { '*': 'deny' } }), name), { allow: false, rule: '/methods/*' });
    });

    test(`args.${name} reads only an argument of that name`, () => {
      const p = policy({ version: '1', default: 'allow', tools: { t: { deny_if: [{ path: `args.${name}`, op: 'exists' }] }, u: { require: [{ path: `args.${name}`, op: 'eq', value: 1 }] } } });
      const own = JSON.parse(`{"${name}": 1}`) as unknown;
      assert.equal(decide(p, { tool: 't', args: {} }).kind, 'allow');
      assert.equal(decide(p, { tool: 't', args: own }).kind, 'deny');
      assert.equal(decide(p, { tool: 'u', args: {} }).kind, 'deny');
      assert.equal(decide(p, { tool: 'u', args: own }).kind, 'allow');
      assert.equal(decide(p, { tool: 'u', args: { nested: own } }).kind, 'deny');
    });
  }

  test('methods named like Object.prototype members are governed like any other name; __proto__ is no method name', () => {
    const p = policy({ version: '1', default: 'deny', methods: { constructor: 'deny', prototype: 'deny', toString: 'allow', hasOwnProperty: 'deny' } });
    assert.equal(methodAllowed(p, 'constructor').allow, false);
    assert.equal(methodAllowed(p, 'prototype').allow, false);
    assert.equal(methodAllowed(p, 'hasOwnProperty').allow, false);
    assert.deepEqual(methodAllowed(p, 'toString'), { allow: true, rule: '/methods/toString' });
    assert.deepEqual(methodAllowed(p, 'valueOf'), { allow: true, rule: '(methods default allow)' });
    assert.throws(() => policy({ version: '1', default: 'deny', methods: { ['__proto__']: 'deny' } }), /\/methods\/__proto__: invalid name: expected a method/);
  });
});

describe('gaps found by mutation testing (docs/mutation.md)', () => {
  const reasonOf = (decision: Decision) => (decision.kind === 'allow' ? undefined : decision.reason);

  test('a shadow decision names the rule that allowed it and counts nothing of its own', () => {
    const p = policy({ version: '1', default: 'allow', mode: 'shadow', tools: { t: { deny: true } } });
    assert.deepEqual(decide(p, { tool: 't', args: {} }), {
      kind: 'allow',
      rule: '/tools/t',
      limits: [],
      amounts: [],
      shadow: { kind: 'deny', rule: '/tools/t', reason: 'denied', message: 'Tool "t" is not permitted by policy' },
    });
    const unlisted = decide(policy({ version: '1', default: 'deny', mode: 'shadow' }), { tool: 'u', args: {} });
    assert.equal(unlisted.rule, '(default allow)');
  });

  test('a shadow policy goes on after a hidden tool and a denied one, keeping the first refusal', () => {
    const p = policy({ version: '1', default: 'deny', mode: 'shadow', hide: ['t'], tools: { t: { deny: true } } });
    const decision = decide(p, { tool: 't', args: {} });
    assert.equal(decision.kind === 'allow' && decision.shadow?.reason, 'hidden');
  });

  test('a tool matching one of several hide patterns is hidden', () => {
    const p = policy({ version: '1', default: 'allow', hide: ['admin_*', 'debug_*'] });
    assert.equal(decide(p, { tool: 'debug_dump', args: {} }).kind, 'hidden');
    assert.equal(listed(p, 'debug_dump'), false);
    assert.equal(listed(p, 'read'), true);
  });

  test('a pattern entry governs each name it matches, however often asked, and an unmatched name stays unmatched', () => {
    const p = policy({ version: '1', default: 'deny', tools: { 'read_*': {}, 'write_*': { deny: true } } });
    for (let i = 0; i < 3; i++) {
      assert.equal(decide(p, { tool: 'read_a', args: {} }).rule, '/tools/read_*');
      assert.equal(reasonOf(decide(p, { tool: 'write_a', args: {} })), 'denied');
      assert.equal(decide(p, { tool: 'other', args: {} }).rule, '(default deny)');
    }
  });

  test('the memo of pattern lookups is bounded, and names looked up after it fills still decide alike', () => {
    const p = policy({ version: '1', default: 'deny', tools: { 'read_*': {} } });
    for (let i = 0; i < 10_050; i++) decide(p, { tool: `x${i}`, args: {} });
    assert.equal(decide(p, { tool: 'read_z', args: {} }).kind, 'allow');
    assert.equal(decide(p, { tool: 'x1', args: {} }).kind, 'deny');
    assert.equal(decide(p, { tool: 'x10049', args: {} }).kind, 'deny');
  });

  test('a method pattern that allows lets its methods through', () => {
    const p = policy({ version: '1', default: 'deny', methods: { 'prompts/*': 'allow' } });
    assert.deepEqual(methodAllowed(p, 'prompts/get'), { allow: true, rule: '/methods/prompts~1*' });
  });

  test('a spend amount of zero is counted, and one from a path reaching several values is refused', () => {
    const p = policy({ version: '1', default: 'deny', tools: { pay: { limits: [{ counter: 'spend', window: 'day', max: 100, increment_from: 'args.items[*]' }] } } });
    const zero = decide(p, { tool: 'pay', args: { items: [0] } });
    assert.deepEqual(zero.kind === 'allow' && [zero.rule, zero.amounts], ['/tools/pay', [0]]);
    assert.equal(reasonOf(decide(p, { tool: 'pay', args: { items: [1, 2] } })), 'invalid_argument');
  });

  test('under default allow, spend limits of all_tools count for a tool with no entry', () => {
    const p = policy({ version: '1', default: 'allow', all_tools: { limits: [{ counter: 'spend', window: 'day', max: 100, increment_from: 'args.n' }] } });
    const decision = decide(p, { tool: 'any', args: { n: 4 } });
    assert.equal(decision.rule, '(default allow)');
    assert.deepEqual(decision.kind === 'allow' && decision.amounts, [4]);
  });

  test("a refusal for a mistyped argument says invalid_argument; an approval's message is carried", () => {
    const p = policy({ version: '1', default: 'deny', tools: { t: { require: [{ path: 'args.n', op: 'gt', value: 1 }] }, pay: { approval: { message: 'ask finance' } } } });
    assert.equal(reasonOf(decide(p, { tool: 't', args: { n: 'many' } })), 'invalid_argument');
    const pay = decide(p, { tool: 'pay', args: {} });
    assert.deepEqual(pay.kind === 'allow' && pay.approval, { pointer: '/tools/pay/approval', timeoutMs: 900_000, message: 'ask finance', approvers: [], quorum: 1 });
    const unlistedApproval = policy({ version: '1', default: 'allow', all_tools: { approval: true } });
    assert.equal(decide(unlistedApproval, { tool: 'x', args: {} }).rule, '(default allow)');
  });

  test('explain under default allow without all_tools allows a tool with no entry, counting nothing', () => {
    const { decision } = explain(policy({ version: '1', default: 'allow' }), { tool: 'any', args: {} });
    assert.deepEqual(decision, { kind: 'allow', rule: '(default allow)', limits: [], amounts: [] });
  });

  test('a refused require exists: true names the path; exists: false says it must be absent', () => {
    const p = policy({ version: '1', default: 'deny', tools: { t: { require: [{ path: 'args.x', op: 'exists', value: true }] }, u: { require: [{ path: 'args.x', op: 'exists', value: false }] } } });
    assert.equal(outcome(decide(p, { tool: 't', args: {} })), 'deny /tools/t/require/0: Tool "t" requires args.x');
    assert.equal(outcome(decide(p, { tool: 'u', args: { x: 1 } })), 'deny /tools/u/require/0: Tool "u" requires args.x to be absent');
  });

  test('a tool with its own audit level keeps it; one without falls back to keys', () => {
    const p = policy({ version: '1', default: 'allow', tools: { t: { audit: { args: 'full' } } } });
    assert.equal(auditArgs(p, 't'), 'full');
    assert.equal(auditArgs(p, 'u'), 'keys');
  });

  test('explain traces every rule that took part, in order', () => {
    const p = policy({
      version: '1',
      default: 'deny',
      tools: { pay: { require: [{ path: 'args.n', op: 'gt', value: 1 }], deny_if: [{ path: 'args.dry', op: 'exists', value: false }], limits: [{ counter: 'c', window: 'minute', max: 5 }], approval: { when: [{ path: 'args.n', op: 'gt', value: 100 }] } } },
    });
    assert.deepEqual(explain(p, { tool: 'pay', args: { n: 2, dry: true } }).trace, [
      { rule: '/tools/pay', outcome: 'applies', detail: 'exact entry' },
      { rule: '/tools/pay/require/0', outcome: 'holds', detail: 'require args.n gt 1' },
      { rule: '/tools/pay/deny_if/0', outcome: 'fails', detail: 'deny_if args.dry to be absent' },
      { rule: '/tools/pay/limits/0', outcome: 'applies', detail: 'counts against "c" (max 5 per 60000 ms, per grant)' },
      { rule: '/tools/pay/approval', outcome: 'not applicable', detail: 'approval' },
    ]);
    assert.deepEqual(explain(p, { tool: 'other', args: {} }).trace, [{ rule: '(default deny)', outcome: 'applies', detail: 'no entry in tools matches "other"' }]);
    const shadow = policy({ version: '1', default: 'allow', mode: 'shadow', hide: ['h'], tools: { 'p_*': {}, spend: { limits: [{ counter: 's', window: 'day', max: 9, increment_from: 'args.n' }] } } });
    assert.deepEqual(explain(shadow, { tool: 'h', args: {} }).trace.slice(0, 3), [
      { rule: '(hidden)', outcome: 'applies', detail: '"h" is in hide' },
      { rule: '(hidden)', outcome: 'applies', detail: 'shadow mode: would refuse (Tool "h" is hidden by policy)' },
      { rule: '(default allow)', outcome: 'applies', detail: 'no entry in tools matches "h"' },
    ]);
    assert.deepEqual(explain(shadow, { tool: 'p_x', args: {} }).trace[0], { rule: '/tools/p_*', outcome: 'applies', detail: 'pattern "p_*"' });
    assert.deepEqual(explain(shadow, { tool: 'spend', args: { n: 'x' } }).trace.at(-1), { rule: '/tools/spend/limits/0', outcome: 'mistyped', detail: 'args.n is not a finite non-negative number' });
    assert.deepEqual(explain(p, { tool: 'pay', args: { n: 200, dry: true } }).trace.at(-1), { rule: '/tools/pay/approval', outcome: 'applies', detail: 'approval' });
  });
});

describe('Toolgate extensions for converted policies', () => {
  test('a key or hide entry with \\* names a tool with a star in it, and no other', () => {
    const p = policy({ version: '1', default: 'deny', hide: ['secret\\*'], tools: { 'delete_\\*': {} } });
    assert.equal(decide(p, { tool: 'delete_*', args: {} }).kind, 'allow');
    assert.equal(outcome(decide(p, { tool: 'delete_repo', args: {} })), 'deny (default deny): Tool "delete_repo" is not permitted by policy');
    assert.equal(decide(p, { tool: 'secret*', args: {} }).kind, 'hidden');
    assert.deepEqual([listed(p, 'delete_*'), listed(p, 'delete_repo'), listed(p, 'secret*')], [true, false, false]);
  });

  test('a refusing condition or spend amount carries its rule name; an allowed call is as before', () => {
    const p = policy({
      version: '1',
      default: 'deny',
      tools: {
        pay: {
          require: [{ path: 'args.amount', op: 'lte', value: 100, compare: 'exact', name: 'cap' }],
          limits: [{ counter: 'spend', window: 'day', max: 1000, increment_from: 'args.amount', name: 'daily' }],
        },
      },
    });
    const over = decide(p, { tool: 'pay', args: { amount: 500 } });
    assert.deepEqual(over.kind === 'deny' && [over.rule, over.name, over.reason], ['/tools/pay/require/0', 'cap', 'condition']);
    const text = decide(p, { tool: 'pay', args: { amount: '50' } });
    assert.deepEqual(text.kind === 'deny' && [text.reason, text.message], ['condition', 'Tool "pay" requires args.amount lte 100'], 'compared exactly, text is a plain failure');
    const negative = decide(p, { tool: 'pay', args: { amount: -5 } });
    assert.deepEqual(negative.kind === 'deny' && [negative.rule, negative.name], ['/tools/pay/limits/0', 'daily']);
    const fine = decide(p, { tool: 'pay', args: { amount: 50 } });
    assert.deepEqual(fine.kind === 'allow' && [fine.limits[0]!.name, fine.amounts], ['daily', [50]]);
  });
});
