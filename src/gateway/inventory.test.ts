import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UpstreamConnection } from '../upstream/connection.js';
import { Inventory } from './inventory.js';

/** A server whose tool list the test sets, counting how often it is asked. */
function server(tools: string[]) {
  const state = { tools, lists: 0 };
  const upstream = {
    name: 's',
    info: { capabilities: { tools: { listChanged: true } } },
    whenReady: async () => {},
    request: async () => (state.lists++, { jsonrpc: '2.0', id: 1, result: { tools: state.tools.map((name) => ({ name })) } }),
  } as unknown as UpstreamConnection;
  return { upstream, state };
}

test('a name the list lacks is looked for in a fresh list at most once a second, even from a server that promises list_changed', async () => {
  let now = 0;
  const inventory = new Inventory(() => now);
  const { upstream, state } = server(['a']);
  assert.equal((await inventory.find(upstream, 'tools', 'a'))?.name, 'a');
  assert.equal(state.lists, 1);
  state.tools = ['a', 'late'];
  assert.equal(await inventory.find(upstream, 'tools', 'late'), undefined, 'the list was fetched under a second ago');
  assert.equal(state.lists, 1);
  now = 1_000;
  assert.equal((await inventory.find(upstream, 'tools', 'late'))?.name, 'late');
  assert.equal(state.lists, 2);
  await Promise.all(Array.from({ length: 50 }, (_, i) => inventory.find(upstream, 'tools', `made_up_${i}`)));
  assert.equal(state.lists, 2, 'made-up names within the second share the one fetch');
});

test('names are looked up as keys, never on Object.prototype', async () => {
  const inventory = new Inventory(() => 0);
  const { upstream } = server(['__proto__']);
  assert.equal((await inventory.find(upstream, 'tools', '__proto__'))?.name, '__proto__');
  assert.equal(await inventory.find(upstream, 'tools', 'constructor'), undefined);
});
