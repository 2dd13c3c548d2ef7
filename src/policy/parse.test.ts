import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentError } from '../documents/errors.js';
import { decide } from './decide.js';
import { lintPolicy } from './lint.js';
import { parsePolicy } from './parse.js';

/** The policy's error, named as a file of its language would be: a `.json` file is read as JSON only. */
function refusal(text: string): string {
  try {
    parsePolicy(text, /^\s*[[{]/.test(text) ? 'policy.json' : 'policy.yaml');
  } catch (error) {
    assert.ok(error instanceof DocumentError, String(error));
    return error.message;
  }
  assert.fail('expected the policy to be refused');
}

/** A document as it would be printed: its records have no prototype, which strict deep equality would count. */
const printed = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

const doc = (tools: object, extra: object = {}) => JSON.stringify({ version: '1', default: 'deny', tools, ...extra });

describe('a malformed policy never loads, and the error says where and what', () => {
  const cases: [string, string, RegExp][] = [
    ['a typo in a field', doc({ x: { limit: [] } }), /^policy\.json: \/tools\/x: unknown field "limit" \(did you mean "limits"\?\)$/],
    ['an unknown top-level field', JSON.stringify({ version: '1', default: 'deny', tool: {} }), /policy\.json: \/: unknown field "tool"/],
    ['a wrong version', JSON.stringify({ version: '2', default: 'deny' }), /\/version: version must be "1"/],
    ['a missing default', JSON.stringify({ version: '1', tools: { x: { deny: true } } }), /\/default: default must be "allow" or "deny"/],
    ['a wrong type', doc({ x: { deny_if: { path: 'args.a', op: 'eq', value: 1 } } }), /\/tools\/x\/deny_if: /],
    ['an unknown operator', doc({ x: { deny_if: [{ path: 'args.a', op: 'greater', value: 1 }] } }), /\/tools\/x\/deny_if\/0\/op: expected one of eq, neq, in/],
    ['a comparison without a number', doc({ x: { deny_if: [{ path: 'args.a', op: 'gt', value: '10' }] } }), /\/tools\/x\/deny_if\/0\/value: operator "gt" needs a number/],
    ['in without a list', doc({ x: { require: [{ path: 'args.a', op: 'in', value: 'a' }] } }), /\/require\/0\/value: operator "in" needs a list/],
    ['a path outside the arguments', doc({ x: { require: [{ path: 'state.x', op: 'exists' }] } }), /\/require\/0\/path: expected a path into the arguments/],
    ['a bad regular expression', doc({ x: { require: [{ path: 'args.a', op: 'regex', value: '([a-z]' }] } }), /\/tools\/x\/require\/0\/value: invalid regular expression/],
    ['a backreference (no linear-time engine runs it)', doc({ x: { require: [{ path: 'args.a', op: 'regex', value: '(a)\\1' }] } }), /\/require\/0\/value: invalid regular expression/],
    ['a negative max', doc({ x: { limits: [{ counter: 'c', window: 'minute', max: -1 }] } }), /\/limits\/0\/max: max must be greater than 0/],
    ['an unknown window', doc({ x: { limits: [{ counter: 'c', window: 'minutes', max: 1 }] } }), /\/limits\/0\/window: "minutes" is not a window; expected second, minute, hour, day, a duration like "15m"/],
    ['an unknown scope', doc({ x: { limits: [{ counter: 'c', window: 'minute', max: 1, scope: 'user' }] } }), /\/limits\/0\/scope: expected grant, session or global/],
    ['increment and increment_from together', doc({ x: { limits: [{ counter: 'c', window: 'day', max: 1, increment: 2, increment_from: 'args.n' }] } }), /\/limits\/0\/increment_from: use either increment or increment_from/],
    [
      'a counter shared with a different window',
      doc({ a: { limits: [{ counter: 'shared', window: 'minute', max: 5 }] }, b: { limits: [{ counter: 'shared', window: 'hour', max: 5 }] } }),
      /\/tools\/b\/limits\/0: counter "shared" is also defined at \/tools\/a\/limits\/0 with a different window, max or scope/,
    ],
    ['an empty hidden name', doc({}, { hide: [''] }), /\/hide\/0: a hidden tool name must not be empty/],
    ['tools under methods', doc({}, { methods: { 'tools/call': 'deny' } }), /\/methods\/tools~1call: .*tools are governed by/],
    ['JSON cut short', '{"version": "1", ', /^policy\.json: \/: not valid JSON: expected a field name in double quotes at line 1, column 18$/],
    ['not an object', '[1, 2]', /policy\.json: \/: a policy is an object/],
  ];
  for (const [what, text, expected] of cases) test(what, () => assert.match(refusal(text), expected));

  test('every problem is reported at once', () => {
    const message = refusal(doc({ x: { limit: [], deny_if: [{ path: 'args.a', op: 'nope' }] } }));
    assert.equal(message.split('\n').length, 2);
  });

  test('a counter shared the same way by several tools is one budget, and loads', () => {
    const shared = { counter: 'writes', window: 'minute', max: 10, scope: 'grant' };
    const loaded = parsePolicy(doc({ a: { limits: [shared] }, b: { limits: [shared] } }), 'p.json');
    assert.equal(loaded.compiled.exact.get('a')?.limits[0]?.counter, loaded.compiled.exact.get('b')?.limits[0]?.counter);
  });
});

test('YAML and JSON read the same', () => {
  const yaml = parsePolicy('version: "1"\ndefault: deny\ntools:\n  read: {}\n', 'p.yaml');
  const json = parsePolicy('{"version":"1","default":"deny","tools":{"read":{}}}', 'p.json');
  assert.deepEqual(yaml.document, json.document);
});

describe("Intercept's YAML", () => {
  const intercept = `
version: "1"
description: "GitHub"
hide: [transfer_repository]
tools:
  create_issue:
    rules:
      - name: "hourly issue limit"
        rate_limit: 5/hour
        on_deny: "Hourly limit of 5 new issues reached"
  delete_repository:
    rules:
      - name: "block repo deletion"
        action: "deny"
        on_deny: "Repository deletion is not permitted via AI agents"
  create_charge:
    rules:
      - name: "max single charge"
        conditions:
          - path: "args.amount"
            op: "lte"
            value: 50000
        on_deny: "Single charge cannot exceed $500.00"
      - name: "daily spend cap"
        conditions:
          - path: "state.create_charge.daily_spend"
            op: "lte"
            value: 1000000
        state:
          counter: "daily_spend"
          window: "day"
          increment_from: "args.amount"
  "*":
    rules:
      - name: "global rate limit"
        rate_limit: 60/minute
`;
  const loaded = parsePolicy(intercept, 'github.yaml');

  test('is recognised and converted to the canonical form', () => {
    assert.equal(loaded.dialect, 'intercept');
    assert.deepEqual(printed(loaded.document), {
      version: '1',
      default: 'allow',
      description: 'GitHub',
      hide: ['transfer_repository'],
      all_tools: {
        limits: [{ counter: '_global._rate_minute', window: 'minute', max: 60, scope: 'global', on_deny: 'Rate limit of 60 per minute reached. Try again later.', name: 'global rate limit' }],
      },
      tools: {
        create_issue: { limits: [{ counter: 'create_issue._rate_hour', window: 'hour', max: 5, scope: 'global', on_deny: 'Hourly limit of 5 new issues reached', name: 'hourly issue limit' }] },
        // A deny rule is a condition nothing satisfies, so it is weighed in its place among the rules.
        delete_repository: { require: [{ path: 'args', op: 'in', value: [], compare: 'exact', name: 'block repo deletion', on_deny: 'Repository deletion is not permitted via AI agents' }] },
        create_charge: {
          require: [{ path: 'args.amount', op: 'lte', value: 50000, compare: 'exact', name: 'max single charge', on_deny: 'Single charge cannot exceed $500.00' }],
          limits: [
            { counter: 'create_charge.daily_spend', window: 'day', max: 1000000, scope: 'global', increment_from: 'args.amount', on_deny: 'Rate limit exceeded for daily spend cap', name: 'daily spend cap' },
          ],
        },
      },
    });
  });

  test('enforces as Intercept does', () => {
    const p = loaded.compiled;
    const deletion = decide(p, { tool: 'delete_repository', args: {} });
    assert.deepEqual(deletion.kind === 'deny' && [deletion.rule, deletion.name], ['/tools/delete_repository/require/0', 'block repo deletion']);
    const charge = decide(p, { tool: 'create_charge', args: { amount: 60000 } });
    assert.equal(charge.kind === 'deny' && charge.message, 'Single charge cannot exceed $500.00');
    assert.equal(decide(p, { tool: 'transfer_repository', args: {} }).kind, 'hidden');
    assert.equal(decide(p, { tool: 'list_issues', args: {} }).kind, 'allow', 'Intercept allows unlisted tools by default');
  });

  test('says where the conversion differs in effect, located as written', () => {
    assert.deepEqual(
      loaded.notes.map((n) => n.pointer),
      ['/tools/create_issue/rules/0/rate_limit', '/tools/create_charge/rules/1/conditions/0', '/tools/*/rules/0/rate_limit', '/hide'],
    );
    assert.match(loaded.notes[1]!.message, /calendar day .*drops the fraction.*negative amount/);
  });

  test('a file with no tools, tools: {} or tools: ~ (and no default) is read as Intercept reads it: every tool allowed', () => {
    for (const text of ['version: "1"\n', 'version: "1"\ntools: {}\n', 'version: 1\ntools: ~\n']) {
      const { dialect, compiled } = parsePolicy(text, 'policy.yaml');
      assert.equal(dialect, 'intercept', text);
      assert.equal(decide(compiled, { tool: 'anything', args: {} }).kind, 'allow', text);
    }
  });

  test('a field Intercept ignores loads, and policy check warns about it where it was written', () => {
    const loaded = parsePolicy('version: "1"\nowner: ops\ntools:\n  t:\n    rules:\n      - { name: r, priority: 1, rate_limit: 5/hour }\n', 'policy.yaml');
    assert.deepEqual(
      lintPolicy(loaded).map((w) => w.pointer),
      ['/owner', '/tools/t/rules/0/priority'],
    );
  });

  test("a condition on another rule's counter reads it before the call and counts nothing (a limit with increment 0)", () => {
    const text =
      'version: "1"\ntools:\n  t:\n    rules:\n' +
      '      - { name: count, conditions: [{ path: state.t.calls, op: lte, value: 5 }], state: { counter: calls, window: hour } }\n' +
      '      - { name: low, conditions: [{ path: state.t.calls, op: lt, value: 3 }] }\n';
    const decision = decide(parsePolicy(text, 'policy.yaml').compiled, { tool: 't', args: {} });
    assert.deepEqual(
      decision.kind === 'allow' && decision.limits.map((l) => [l.counter, l.max, l.increment]),
      [
        ['t.calls', 5, 1],
        ['t.calls', 2, 0],
      ],
    );
  });

  test('every error Intercept finds is reported in one pass, value checks included', () => {
    const message = refusal('version: "1"\ntools:\n  t:\n    rules:\n      - { conditions: [{ path: args.a, op: in, value: 1 }, { path: args.b, op: lt, value: x }, { path: args.c, op: regex, value: "[" }] }\n');
    assert.deepEqual(message.split('\n').length, 5, message);
  });

  test('its own mistakes are located in the document as written', () => {
    assert.match(refusal('version: "1"\ntools:\n  x:\n    rules:\n      - action: evaluate\n        conditions: [{path: args.a, op: lte, value: 1}]\n'), /\/tools\/x\/rules\/0\/name: rule must have a name/);
    assert.match(refusal('version: "1"\ntools:\n  x:\n    rules:\n      - name: r\n        action: deny\n        conditions: [{path: args.a, op: lte, value: 1}]\n'), /\/tools\/x\/rules\/0\/conditions: deny rules must not have conditions/);
    assert.match(refusal('version: "1"\ntools:\n  x:\n    rules:\n      - name: r\n        rate_limit: 5/week\n'), /\/tools\/x\/rules\/0\/rate_limit: rate_limit window must be minute, hour or day, got "week"/);
    assert.match(refusal('version: "1"\ntools:\n  x:\n    rules:\n      - name: r\n        conditions: [{path: args.a, op: regex, value: "(?<=a)"}]\n'), /\/tools\/x\/rules\/0\/conditions\/0\/value: invalid regex "\(\?<=a\)"/);
  });
});

describe("Intercept's ignored entries are warned about", () => {
  test('an unknown field and a tool named "" load, each with its warning, and the empty name reaches no tool', () => {
    const loaded = parsePolicy('version: "1"\nowner: ops\ntools:\n  "":\n    rules:\n      - { name: r, action: deny }\n', 'p.yaml');
    assert.deepEqual(loaded.ignored.map((p) => p.pointer), ['/owner', '/tools/']);
    assert.deepEqual(Object.keys(loaded.document.tools ?? {}), [], 'no canonical entry for the empty name');
  });
});

describe('the rule-list form', () => {
  const ruleList = JSON.stringify({
    tools: {
      send_campaign: { rules: [{ action: 'allow', rate_limit: { max: 10, window: 60 } }] },
      delete_campaign: { rules: [{ action: 'deny', reason: 'Deleting campaigns is not allowed' }] },
      refund: { rules: [{ action: 'require_approval', reason: 'Refunds need finance' }] },
    },
  });
  const loaded = parsePolicy(ruleList, 'catalogue.json');

  test('is recognised and converted: rate limits per agent session, approval, deny with its reason', () => {
    assert.equal(loaded.dialect, 'rule-list');
    assert.deepEqual(printed(loaded.document.tools), {
      send_campaign: { limits: [{ counter: 'send_campaign.rate_limit', window: 60, max: 10, scope: 'session' }] },
      delete_campaign: { deny: true, on_deny: 'Deleting campaigns is not allowed' },
      refund: { approval: { message: 'Refunds need finance' } },
    });
    assert.equal(loaded.document.default, 'deny');
    assert.match(loaded.notes.map((n) => n.message).join(), /tools it does not list are denied/);
  });

  test('enforces: a listed tool allowed with its limit, an unlisted one denied', () => {
    const send = decide(loaded.compiled, { tool: 'send_campaign', args: {} });
    assert.equal(send.kind === 'allow' && send.limits[0]?.windowMs, 60_000);
    assert.equal(decide(loaded.compiled, { tool: 'other', args: {} }).rule, '(default deny)');
  });

  test('an unknown action is named', () => {
    assert.match(refusal(JSON.stringify({ tools: { x: { rules: [{ action: 'allow' }, { action: 'maybe', reason: 'r' }] } } })), /\/tools\/x\/rules\/1\/action: action must be allow, deny or require_approval/);
  });
});

describe('converted documents keep tools and counters named like prototype keys', () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']) {
    test(`Intercept: a tool named ${name} keeps its deny rule, its rate limit and its state counter`, () => {
      const text = JSON.stringify({
        version: '1',
        tools: {
          [name]: { rules: [{ name: 'no', action: 'deny', on_deny: 'never' }] },
          limited: { rules: [{ name: 'rate', rate_limit: '5/hour' }] },
          spend: { rules: [{ name: 'cap', conditions: [{ path: `state.spend.${name}`, op: 'lte', value: 9 }], state: { counter: name, window: 'day' } }] },
        },
      });
      const { compiled } = parsePolicy(text, 'intercept.json');
      assert.equal(decide(compiled, { tool: name, args: {} }).rule, `/tools/${name}/require/0`);
      const spend = decide(compiled, { tool: 'spend', args: {} });
      assert.deepEqual(spend.kind === 'allow' && spend.limits.map((l) => [l.counter, l.max]), [[`spend.${name}`, 9]]);
      const own = parsePolicy(JSON.stringify({ version: '1', tools: { [name]: { rules: [{ name: 'rate', rate_limit: '5/hour' }] } } }), 'i.json').compiled;
      const limited = decide(own, { tool: name, args: {} });
      assert.deepEqual(limited.kind === 'allow' && limited.limits.map((l) => l.counter), [`${name}._rate_hour`]);
    });

    test(`rule-list: a tool named ${name} is listed with its rules, and no other name is`, () => {
      const text = JSON.stringify({ tools: { [name]: { rules: [{ action: 'allow', rate_limit: { max: 2, window: 60 } }] } } });
      const { compiled } = parsePolicy(text, 'catalogue.json');
      const decision = decide(compiled, { tool: name, args: {} });
      assert.deepEqual(decision.kind === 'allow' && decision.limits.map((l) => l.counter), [`${name}.rate_limit`]);
      const other = name === 'toString' ? 'constructor' : 'toString';
      assert.equal(decide(compiled, { tool: other, args: {} }).rule, '(default deny)');
    });
  }
});

describe('a counter is counted once per call: naming it twice for one tool is refused at load, where it was written', () => {
  const limit = { counter: 'writes', window: 'hour', max: 5 };
  const cases: [string, string, string, string][] = [
    ['twice in one tool', doc({ t: { limits: [limit, limit] } }), 'policy.json: /tools/t/limits/1', 'by this rule at /tools/t/limits/0'],
    ['twice in all_tools', doc({}, { all_tools: { limits: [limit, { ...limit, max: 9 }] } }), 'policy.json: /all_tools/limits/1', 'by this rule at /all_tools/limits/0'],
    ['in a tool and in all_tools', doc({ 'w*': {}, t: { limits: [{ counter: 'other', window: 'day', max: 1 }, limit] } }, { all_tools: { limits: [limit] } }), 'policy.json: /tools/t/limits/1', 'for every tool at /all_tools/limits/0'],
    ['in a pattern and in all_tools', doc({ 'w*': { limits: [limit] } }, { all_tools: { limits: [limit] } }), 'policy.json: /tools/w*/limits/0', 'for every tool at /all_tools/limits/0'],
    [
      'rule-list: two rate limits on one tool',
      JSON.stringify({ tools: { send: { rules: [{ action: 'allow', rate_limit: { max: 5, window: 60 } }, { action: 'allow', rate_limit: { max: 5, window: 60 } }] } } }),
      'policy.json: /tools/send/rules/1/rate_limit',
      'by this rule at /tools/send/rules/0/rate_limit',
    ],
  ];
  for (const [what, text, where, first] of cases) {
    test(what, () => {
      const message = refusal(text);
      assert.ok(message.startsWith(`${where}: `), message);
      assert.match(message, /is already counted/);
      assert.ok(message.includes(first), message);
    });
  }

  test('a counter defined differently in two places of a converted document names both as written', () => {
    // A tool named "_global" counts under the same name as "*" does.
    const rule = (tool: string, window: string) => `  "${tool}":\n    rules:\n      - { name: r, conditions: [{ path: state._global.calls, op: lte, value: 5 }], state: { counter: calls, window: ${window} } }\n`;
    const message = refusal(`version: "1"\ntools:\n${rule('*', 'day')}${rule('_global', 'hour')}`);
    assert.equal(message.split('\n')[0], 'policy.yaml: /tools/_global/rules/0/conditions/0: counter "_global.calls" is also defined at /tools/*/rules/0/conditions/0 with a different window, max or scope; a counter shared by several rules must be defined the same way in each');
  });
});
