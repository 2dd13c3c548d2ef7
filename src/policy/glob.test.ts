import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Glob } from './glob.js';

test('a * is any run of characters, \\* a literal star and \\\\ a backslash', () => {
  assert.ok(new Glob('delete_*').matches('delete_repo'), 'a pattern');
  assert.ok(Glob.isPattern('delete_*'), 'a pattern');
  assert.ok(!Glob.isPattern('delete_\\*'), 'an escaped star is no pattern');
  assert.equal(Glob.literal('delete_\\*'), 'delete_*');
  assert.ok(new Glob('delete_\\*').matches('delete_*'), 'the name with the star');
  assert.ok(!new Glob('delete_\\*').matches('delete_repo'), 'and no other');
  assert.ok(new Glob('a\\\\*').matches('a\\b'), 'an escaped backslash, then a wildcard');
  assert.equal(Glob.literal('a\\b'), 'a\\b', 'a backslash before another character is itself');
});

test('escape writes a name that stands for itself', () => {
  for (const name of ['plain', 'a*b', '*', 'a\\*', '\\\\', '']) {
    const glob = new Glob(Glob.escape(name));
    assert.ok(!Glob.isPattern(Glob.escape(name)), `${name} escaped is no pattern`);
    assert.equal(Glob.literal(glob.text), name);
    assert.ok(glob.matches(name), `${name} matches itself`);
  }
  assert.equal(new Glob('x\\*y*').literals, 3, 'an escaped star counts as one literal character');
});
