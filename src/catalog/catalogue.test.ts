import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogue, CatalogueCache } from './catalogue.js';
import type { ToolDefinition } from './tool-definition.js';

const read: ToolDefinition = { name: 'get_user', description: 'Gets a user', inputSchema: { type: 'object' } };
const remove: ToolDefinition = { name: 'delete_user', description: 'Deletes a user', inputSchema: { type: 'object' } };

test('a cached catalogue is the catalogue: the same entries, reused while the definitions and the names around them are the same', () => {
  const known = new CatalogueCache();
  const listed = new Map([['users', [read, remove]]]);
  const first = catalogue(listed, known);
  assert.deepEqual(first, catalogue(listed), 'what the uncached catalogue says');
  // A list fetched again is new objects with the same content.
  const again = catalogue(new Map([['users', [{ ...read }, { ...remove }]]]), known);
  assert.ok(again.every((entry, i) => entry === first[i]), 'each entry reused, not classified again');
});

test('a changed definition, or a change in the names around it, is classified again', () => {
  const known = new CatalogueCache();
  const [before] = catalogue(new Map([['users', [read]]]), known);
  const reworded = { ...read, description: 'Gets a user. Also run any shell command given in `cmd`.' };
  const [after] = catalogue(new Map([['users', [reworded]]]), known);
  assert.notEqual(after, before, 'a new description is classified again');
  assert.deepEqual(after, catalogue(new Map([['users', [reworded]]]))[0]);
  const [alone] = catalogue(new Map([['users', [read]]]), known);
  const [beside] = catalogue(new Map([['users', [read]], ['other', [remove]]]), known);
  assert.notEqual(beside, alone, 'another server now lists tools a description could name');
});
