import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName } from './closest-name.js';

const FIELDS = ['name', 'tool', 'args', 'expect', 'rule', 'message'];

test('a misspelt name is matched to the known name one edit away', () => {
  assert.equal(closestName('argz', FIELDS), 'args');
  assert.equal(closestName('expcet', FIELDS), 'expect', 'two neighbours swapped are one edit');
  assert.equal(closestName('Tool', FIELDS), 'tool', 'case is ignored');
  assert.equal(closestName('messages', FIELDS), 'message');
});

test('a name nothing is near gets no suggestion', () => {
  assert.equal(closestName('zzz', FIELDS), undefined);
  assert.equal(closestName('x', ['op']), undefined, 'two edits in a short name are too many');
  assert.equal(closestName('anything', []), undefined);
});

test('longer names allow an edit per three letters, and the nearest wins', () => {
  assert.equal(closestName('incremnt_frm', ['increment', 'increment_from']), 'increment_from');
  assert.equal(closestName('incremnt', ['increments', 'increment']), 'increment', 'one edit beats two, whatever the order');
  assert.equal(closestName('limit', ['limitz', 'limits']), 'limitz', 'the first of equally near names is kept');
});
