import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide, listed } from './decide.js';
import { parsePolicy } from './parse.js';
import { PolicyChangeError } from './policy-change-error.js';
import type { PolicyDocument } from './schema.js';
import { setToolRule, type ToolRuleChange } from './set-tool-rule.js';

const BASE: PolicyDocument = {
  version: '1',
  default: 'deny',
  hide: ['delete_all', 'drop_*'],
  tools: {
    search: { description: 'Read: name begins with "search"', deny_if: [{ path: 'args.q', op: 'contains', value: 'secret' }], on_deny: 'no secrets' },
    'files_*': { limits: [{ counter: 'files', window: 'minute', max: 5, scope: 'grant' }] },
  },
};

/** The changed document, compiled as the gateway would load it. */
function applied(tool: string, rule: ToolRuleChange, document: PolicyDocument = BASE) {
  const result = setToolRule(document, tool, rule);
  return { ...result, compiled: parsePolicy(JSON.stringify(result.document), 'changed.json').compiled };
}

describe('setToolRule', () => {
  test('allow replaces the tool\'s conditions with an empty entry, keeping its description', () => {
    const { document, compiled, notes } = applied('search', { rule: 'allow' });
    assert.deepEqual(document.tools?.search, { description: 'Read: name begins with "search"' });
    assert.equal(decide(compiled, { tool: 'search', args: { q: 'secret' } }).kind, 'allow');
    assert.deepEqual(notes, []);
  });

  test('deny keeps the tool listed and refuses every call with the message given', () => {
    const { document, compiled } = applied('fetch', { rule: 'deny', message: 'Fetching is off today.' });
    assert.deepEqual(document.tools?.fetch, { deny: true, on_deny: 'Fetching is off today.' });
    const decision = decide(compiled, { tool: 'fetch', args: {} });
    assert.equal(decision.kind, 'deny');
    assert.equal(decision.kind === 'deny' && decision.message, 'Fetching is off today.');
    assert.ok(listed(compiled, 'fetch'), 'a denied tool is still listed');
  });

  test('limit sets one counter, per grant unless a scope is given, overriding a pattern that matched the tool', () => {
    const { document, compiled } = applied('files_write', { rule: 'limit', counter: 'writes', window: 'hour', max: 3 });
    assert.deepEqual(document.tools?.files_write, { limits: [{ counter: 'writes', window: 'hour', max: 3, scope: 'grant' }] });
    const decision = decide(compiled, { tool: 'files_write', args: {} });
    assert.equal(decision.kind === 'allow' && decision.limits.map((l) => `${l.counter}/${l.max}`).join(), 'writes/3');
  });

  test('approval is `true` without options, an object with them', () => {
    assert.equal(applied('pay', { rule: 'approval' }).document.tools?.pay?.approval, true);
    const { document, compiled } = applied('pay', { rule: 'approval', message: 'money moves', quorum: 2 });
    assert.deepEqual(document.tools?.pay?.approval, { message: 'money moves', quorum: 2 });
    const decision = decide(compiled, { tool: 'pay', args: {} });
    assert.equal(decision.kind === 'allow' && decision.approval?.quorum, 2);
  });

  test('a rule on a hidden tool un-hides it, with a note naming the entry removed', () => {
    const { document, compiled, notes } = applied('delete_all', { rule: 'approval' });
    assert.deepEqual(document.hide, ['drop_*']);
    assert.ok(listed(compiled, 'delete_all'), 'listed again');
    assert.deepEqual(notes, [{ pointer: '/hide/0', message: '"delete_all" was hidden; it is listed again, under its new rule' }]);
  });

  test('a tool hidden by a pattern is refused at the pattern: removing it would show other tools too', () => {
    assert.throws(
      () => setToolRule(BASE, 'drop_table', { rule: 'allow' }),
      (error: unknown) => error instanceof PolicyChangeError && error.reason === 'conflict' && error.pointer === '/hide/1' && /"drop_\*" hides "drop_table"/.test(error.message),
    );
  });

  test('a name with a "*" is written escaped, so the entry governs that one tool and no pattern', () => {
    const { document, compiled } = applied('a*b', { rule: 'allow' });
    assert.ok(Object.hasOwn(document.tools ?? {}, 'a\\*b'), `the key is escaped: ${Object.keys(document.tools ?? {}).join(', ')}`);
    assert.equal(decide(compiled, { tool: 'a*b', args: {} }).kind, 'allow');
    assert.equal(decide(compiled, { tool: 'axxb', args: {} }).kind, 'deny');
  });

  test('shadow mode is noted: the new rule would only be logged', () => {
    assert.deepEqual(applied('x', { rule: 'deny' }, { ...BASE, mode: 'shadow' }).notes.map((n) => n.pointer), ['/mode']);
  });

  test('the document given is not changed', () => {
    const before = structuredClone(BASE);
    setToolRule(BASE, 'delete_all', { rule: 'deny' });
    assert.deepEqual(BASE, before);
  });
});
