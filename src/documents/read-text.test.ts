import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DocumentError } from './errors.js';
import { readDocumentText } from './read-text.js';

function refusal(text: string, source: string): string {
  try {
    readDocumentText(text, source);
  } catch (error) {
    assert.ok(error instanceof DocumentError, String(error));
    return error.message;
  }
  assert.fail('expected the text to be refused');
}

describe('a .json file is read as JSON (with comments and trailing commas), its syntax errors placed by line and column', () => {
  const cases: [string, string, string][] = [
    ['a missing field name', '{\n  "version": "1",\n  "tools": {,}\n}\n', 'expected a value (an object, list, string, number, true, false or null) at line 3, column 13'],
    ['an unquoted field name', '{"version": "1", tools: {}}', 'expected a value (an object, list, string, number, true, false or null) at line 1, column 18'],
    ['a missing comma', '{"version": "1" "default": "deny"}', 'expected "," between the entries at line 1, column 17'],
    ['a misspelt literal', '{"on": tru}', 'expected a value (an object, list, string, number, true, false or null) at line 1, column 8'],
    ['text cut short', '{"version": "1",\n', 'expected a field name in double quotes at line 2, column 1'],
    ['a second document', '{"a": 1}}', 'unexpected text after the document at line 1, column 9'],
    ['an unclosed string', '{"a": "b\n"}', 'a string is not closed at line 1, column 7'],
    ['an unclosed comment', '{"a": 1} /* note', 'a comment is not closed at line 1, column 10'],
    ['YAML in a .json file', 'version: "1"\n', 'expected a value (an object, list, string, number, true, false or null) at line 1, column 1'],
  ];
  for (const [what, text, reason] of cases) test(what, () => assert.equal(refusal(text, 'policy.json'), `policy.json: /: not valid JSON: ${reason}`));

  test('comments and trailing commas, as VS Code and Cursor write them, are read', () => {
    const text = '{\n  // the servers\n  "servers": { "a": { "command": "x", "args": ["-y",], }, },\n  /* done */\n}\n';
    assert.deepEqual(readDocumentText(text, '.vscode/mcp.json'), { servers: { a: { command: 'x', args: ['-y'] } } });
  });

  test('a "__proto__" key with a comment about it stays a key, as JSON.parse keeps it', () => {
    const read = readDocumentText('{ "__proto__": { "a": 1 }, // odd\n }', 'policy.json') as Record<string, unknown>;
    assert.ok(Object.hasOwn(read, '__proto__'), 'an own property, not the prototype');
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
  });

  test('valid JSON reads as JSON.parse reads it', () => {
    assert.deepEqual(readDocumentText('{"a": [1, 2.5e3, true, null, "\\u00e9"]}', 'p.JSON'), { a: [1, 2500, true, null, 'é'] });
  });
});

describe('anything else is YAML', () => {
  test('a syntax error says "not valid YAML" with its line and column', () => {
    assert.match(refusal('version: "1"\ntools: [a\n', 'policy.yaml'), /^policy\.yaml: \/: not valid YAML: .* at line 3, column 1:/);
    assert.match(refusal('servers:\n  s: {command: x\n', 'toolgate'), /^toolgate: \/: not valid YAML: .* at line 3, column 1:/, 'a file without an extension is YAML too');
  });

  test('flow style that starts like JSON is YAML\'s to read', () => {
    assert.deepEqual(readDocumentText('{a: 1, b: [x]}', 'policy.yaml'), { a: 1, b: ['x'] });
  });

  test('a merge key (<<) takes the fields of the anchored mapping, the mapping\'s own fields winning', () => {
    const text = 'base: &base { name: r, on_deny: no }\nrule:\n  <<: *base\n  on_deny: never\n';
    assert.deepEqual(readDocumentText(text, 'policy.yaml'), { base: { name: 'r', on_deny: 'no' }, rule: { name: 'r', on_deny: 'never' } });
  });
});
