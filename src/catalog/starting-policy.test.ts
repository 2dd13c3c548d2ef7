import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lintPolicy } from '../policy/lint.js';
import { parsePolicy } from '../policy/parse.js';
import type { ClassifiedTool } from './starting-policy.js';
import { startingPolicy } from './starting-policy.js';

const tool = (name: string, riskClass: ClassifiedTool['class'], severity: ClassifiedTool['severity'], ...rationale: string[]): ClassifiedTool => ({
  tool: name,
  class: riskClass,
  severity,
  rationale,
  findings: [],
});

const TOOLS = [
  tool('smartlead_get_campaign', 'Read', 'Low', "name has the verb 'get'"),
  tool('smartlead_create_client_api_key', 'Write', 'High', "name has the verb 'create'", "it touches 'key': credentials or access"),
  tool('run_report_sql', 'Execute', 'Critical', 'argument `sql` carries a statement to run'),
  { ...tool('smartlead_delete_campaign', 'Destructive', 'Critical', "name has the verb 'delete'"), findings: [{ kind: 'contradiction' as const, where: 'annotations' as const, text: 'destructiveHint is false' }] },
];

test('each class gets its rule under default deny, with its class, severity and reasons beside it', () => {
  const { document } = startingPolicy('smartlead', TOOLS);
  assert.deepEqual([document.version, document.default], ['1', 'deny']);
  assert.deepEqual(document.tools, {
    smartlead_get_campaign: { description: "Read, Low: name has the verb 'get'" },
    smartlead_create_client_api_key: {
      description: "Write, High: name has the verb 'create'; it touches 'key': credentials or access",
      limits: [{ counter: 'smartlead_create_client_api_key_rate', window: 'minute', max: 30, scope: 'grant' }],
    },
    run_report_sql: { description: 'Execute, Critical: argument `sql` carries a statement to run', approval: true },
  });
});

test('a destructive tool is hidden, with no rule, and its class and reasons (findings too) are in the policy\'s description', () => {
  const { document, effects } = startingPolicy('smartlead', TOOLS);
  assert.deepEqual(document.hide, ['smartlead_delete_campaign']);
  assert.ok(!Object.hasOwn(document.tools!, 'smartlead_delete_campaign'), 'a hidden tool has no entry under tools');
  assert.match(document.description!, /\nHidden:\n- smartlead_delete_campaign: Destructive, Critical: name has the verb 'delete'; finding \(contradiction\): destructiveHint is false$/);
  assert.deepEqual(effects, { allow: 1, limit: 1, approval: 1, hide: 1, 'per-operation': 0 });
});

test('the document is a valid policy that policy check has no warning about', () => {
  const { document } = startingPolicy('smartlead', TOOLS);
  const loaded = parsePolicy(JSON.stringify(document), 'smartlead.json');
  assert.deepEqual(lintPolicy(loaded), []);
});

test('with nothing to hide there is no hide list, and a tool named __proto__ is a tool like any other', () => {
  const { document } = startingPolicy('odd', [tool('__proto__', 'Read', 'Low', 'name')]);
  assert.equal(document.hide, undefined);
  assert.deepEqual(Object.keys(document.tools!), ['__proto__']);
  assert.ok(JSON.stringify(document).includes('"__proto__":{"description":"Read, Low: name"}'), 'written as its own key');
});

test('a consolidated tool\'s description lists each operation\'s class', () => {
  const issueWrite: ClassifiedTool = {
    ...tool('issue_write', 'Destructive', 'High', "`method` accepts 'delete'"),
    operations: { argument: 'method', values: { create: { class: 'Write', severity: 'Medium' }, delete: { class: 'Destructive', severity: 'High' } } },
  };
  const { document, effects } = startingPolicy('github', [issueWrite]);
  assert.equal(document.tools!.issue_write!.description, "Destructive, High: `method` accepts 'delete'; per `method`: create Write Medium, delete Destructive High");
  assert.equal(effects['per-operation'], 1);
});
