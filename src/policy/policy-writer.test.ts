import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DocumentError } from '../documents/errors.js';
import { decide } from './decide.js';
import { loadPolicy } from './policy-file.js';
import { PolicyChangeError } from './policy-change-error.js';
import { KEPT_VERSIONS, PolicyWriter, VERSIONS_FOLDER } from './policy-writer.js';

const POLICY = { version: '1', default: 'deny', tools: { echo: {} } };

/** A policy file with `text` in a fresh folder, and a writer for it. */
function policyFile(text: string, name = 'server.json') {
  const folder = mkdtempSync(join(tmpdir(), 'toolgate-writer-'));
  const file = join(folder, name);
  writeFileSync(file, text);
  return { folder, file, writer: new PolicyWriter(file) };
}

const json = (document: unknown) => `${JSON.stringify(document, null, 2)}\n`;

describe('PolicyWriter', () => {
  test('each write keeps the text it replaced as the next version, and the file then loads as written', () => {
    const original = json(POLICY);
    const { file, folder, writer } = policyFile(original);
    const first = writer.setTool(loadPolicy(file, file), 'echo', { rule: 'deny', message: 'not now' });
    const second = writer.setTool(loadPolicy(file, file), 'add', { rule: 'allow' });
    assert.deepEqual([first.kept, second.kept], [1, 2]);
    assert.equal(readFileSync(join(folder, VERSIONS_FOLDER, 'server.json.1.json'), 'utf8'), original, 'version 1 is the original, byte for byte');
    assert.equal(first.previous, loadPolicy(join(folder, VERSIONS_FOLDER, 'server.json.1.json'), 'v1').compiled.version);
    const now = loadPolicy(file, file);
    assert.equal(now.compiled.version, second.loaded.compiled.version);
    assert.equal(decide(now.compiled, { tool: 'echo', args: {} }).kind, 'deny');
    assert.equal(decide(now.compiled, { tool: 'add', args: {} }).kind, 'allow');
    assert.deepEqual(readdirSync(folder).filter((name) => name.endsWith('.tmp')), [], 'no temporary file is left behind');
  });

  test('the file keeps its permissions across a write', () => {
    const { file, writer } = policyFile(json(POLICY));
    chmodSync(file, 0o600);
    writer.setTool(loadPolicy(file, file), 'echo', { rule: 'deny' });
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test('a document that does not validate is refused with its pointer, and neither the file nor the versions change', () => {
    const original = json(POLICY);
    const { file, folder, writer } = policyFile(original);
    assert.throws(
      () => writer.replace({ version: '1', default: 'deny', tools: { echo: { limits: [{ counter: 'c', window: 'minutes', max: 1 }] } } }),
      (error: unknown) => error instanceof DocumentError && error.problems.some((p) => p.pointer === '/tools/echo/limits/0/window' && /"minutes" is not a window/.test(p.message)),
    );
    assert.throws(() => writer.setTool(loadPolicy(file, file), 'echo', { rule: 'limit', counter: 'c', window: 'hour', max: -1 }), (error: unknown) => error instanceof DocumentError && error.problems[0]?.pointer === '/tools/echo/limits/0/max');
    assert.equal(readFileSync(file, 'utf8'), original);
    assert.deepEqual(readdirSync(folder), ['server.json'], 'no version was kept for a change that was not made');
  });

  test('rollback writes back the newest kept version by default (the same version digest), or the one asked for', () => {
    const { file, writer } = policyFile(json(POLICY));
    const before = loadPolicy(file, file).compiled.version;
    writer.setTool(loadPolicy(file, file), 'echo', { rule: 'deny' });
    writer.setTool(loadPolicy(file, file), 'echo', { rule: 'approval' });
    const undone = writer.rollback();
    assert.equal(undone.kept, 3, 'what the rollback replaced is kept too, so it can be undone');
    assert.equal(decide(loadPolicy(file, file).compiled, { tool: 'echo', args: {} }).kind, 'deny');
    const first = writer.rollback(1);
    assert.equal(first.loaded.compiled.version, before, 'the original, byte for byte');
    assert.deepEqual(writer.versions().map((v) => [v.n, v.dialect]), [[4, 'canonical'], [3, 'canonical'], [2, 'canonical'], [1, 'canonical']]);
    assert.throws(() => writer.rollback(99), (error: unknown) => error instanceof PolicyChangeError && error.reason === 'no_such_version' && /kept: 4, 3, 2, 1/.test(error.message));
  });

  test('a file in another dialect is written back as canonical JSON under its own name, with a note; the original is a version', () => {
    const intercept = ['version: "1"', 'default: allow', 'tools:', '  echo:', '    rules:', '      - name: quiet', '        conditions: [{ path: args.volume, op: lt, value: 5 }]', '        on_deny: too loud', ''].join('\n');
    const { file, folder, writer } = policyFile(intercept, 'server.yaml');
    const base = loadPolicy(file, file);
    assert.equal(base.dialect, 'intercept');
    const { notes, loaded } = writer.setTool(base, 'add', { rule: 'deny', message: 'no adding' });
    assert.equal(loaded.dialect, 'canonical');
    assert.deepEqual(notes, [{ pointer: '', message: `${file} was an Intercept policy; it is now written in the canonical form, as JSON (the original is kept as version 1)` }]);
    const reread = loadPolicy(file, file);
    assert.equal(reread.dialect, 'canonical', 'the .yaml file now holds canonical JSON, which the loader reads');
    assert.equal(decide(reread.compiled, { tool: 'echo', args: { volume: 9 } }).kind, 'deny', 'the converted rule still holds');
    assert.equal(readFileSync(join(folder, VERSIONS_FOLDER, 'server.yaml.1.yaml'), 'utf8'), intercept);
    assert.deepEqual(writer.versions().map((v) => v.dialect), ['intercept']);
  });

  test('a rule set on a hidden tool un-hides it in the file written, with the note', () => {
    const { file, writer } = policyFile(json({ ...POLICY, hide: ['drop'] }));
    const { notes } = writer.setTool(loadPolicy(file, file), 'drop', { rule: 'approval' });
    assert.deepEqual(notes.map((n) => n.pointer), ['/hide/0']);
    const reread = loadPolicy(file, file);
    assert.equal(reread.document.hide, undefined, 'hide, now empty, is left out');
    assert.equal(decide(reread.compiled, { tool: 'drop', args: {} }).kind, 'allow', 'allowed, pending approval');
  });

  test('a hand edit that does not load is kept like any version, listed with its error, and refused as a rollback target', () => {
    const { file, writer } = policyFile('{ "version": "2", "default": "deny" }');
    writer.replace(POLICY);
    assert.match(writer.versions()[0]?.error ?? '', /version must be "1"/, 'the kept version says why it does not load');
    assert.throws(() => writer.rollback(), DocumentError);
    assert.equal(decide(loadPolicy(file, file).compiled, { tool: 'echo', args: {} }).kind, 'allow', 'the file keeps the good policy');
  });

  test(`only the newest ${KEPT_VERSIONS} versions are kept`, () => {
    const { writer } = policyFile(json(POLICY));
    for (let i = 0; i < KEPT_VERSIONS + 2; i++) writer.replace({ ...POLICY, description: `edit ${i}` });
    const numbers = writer.versions().map((v) => v.n);
    assert.equal(numbers.length, KEPT_VERSIONS);
    assert.deepEqual([numbers[0], numbers.at(-1)], [KEPT_VERSIONS + 2, 3]);
  });
});
