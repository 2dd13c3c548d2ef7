import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentError } from '../documents/errors.js';
import { parseCases, runCases } from './cases.js';
import { parsePolicy } from './parse.js';

function refusal(text: string): string {
  try {
    parseCases(text, 'cases.yaml');
  } catch (error) {
    assert.ok(error instanceof DocumentError, String(error));
    return error.message;
  }
  assert.fail('expected the cases to be refused');
}

describe('a cases file that cannot be used names the field and what was expected', () => {
  test('a misspelt key, with the key it was meant to be', () => {
    assert.equal(refusal('- tool: t\n  argz: {}\n  expect: allow\n'), 'cases.yaml: /0: unknown field "argz" (did you mean "args"?)');
  });

  test('an expect that is not a decision, in a list or under cases', () => {
    assert.equal(refusal('- tool: t\n  expect: denied\n'), 'cases.yaml: /0/expect: expect is allow, deny or hidden');
    assert.equal(refusal('cases:\n  - tool: t\n    expect: denied\n'), 'cases.yaml: /cases/0/expect: expect is allow, deny or hidden');
  });

  test('a number where text is expected', () => {
    assert.equal(refusal('- tool: 12\n  expect: allow\n'), 'cases.yaml: /0/tool: expected text, got the number 12');
  });

  test('a file that is neither a list nor an object of cases', () => {
    assert.equal(refusal('just text\n'), 'cases.yaml: /: expected a list or an object, got the text "just text"');
  });
});

test('a failed case names the rule that decided, parenthesised once', () => {
  const policy = parsePolicy('{"version": "1", "default": "deny", "tools": {"refund": {"deny": true}}}', 'p.json').compiled;
  const [unlisted, denied] = runCases(policy, parseCases('- { tool: other, expect: allow }\n- { tool: refund, expect: allow }\n', 'cases.yaml'));
  assert.deepEqual(unlisted?.failures, ['expected allow, got deny (default deny)']);
  assert.deepEqual(denied?.failures, ['expected allow, got deny (/tools/refund)']);
});
