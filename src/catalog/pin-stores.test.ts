import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { testPostgres } from '../../test/support/postgres.js';
import { MemoryPinStore } from './memory-pin-store.js';
import { openPinStore } from './open-pin-store.js';
import type { Pin, PinStore } from './pin-store.js';
import { PostgresPinStore } from './postgres-pin-store.js';
import { SqlitePinStore } from './sqlite-pin-store.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-pins-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const { url, skip, freshSchema } = await testPostgres();

const pin = (tool: string, digest: string, time = 1, server = 'crm'): Pin => ({ server, tool, digest, definition: { name: tool, description: `v${digest}` }, time });

/** What every pin store does, against memory, SQLite and PostgreSQL; `second` opens another replica on the same data. */
function describePinStore(name: string, open: () => Promise<{ first: PinStore; second: () => Promise<PinStore> }>, options: { skip?: string } = {}): void {
  describe(name, { skip: options.skip }, () => {
    const opened: PinStore[] = [];
    const fresh = async () => {
      const { first, second } = await open();
      opened.push(first);
      return { store: first, replica: async () => (opened.push(await second()), opened.at(-1)!) };
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    test('answers a ping (the readiness probe)', async () => {
      await (await fresh()).store.ping();
    });

    test('the first pin of a tool stands: a second, different one is not taken', async () => {
      const { store, replica } = await fresh();
      assert.deepEqual(await store.pinFirst(pin('get_lead', 'a')), { pin: pin('get_lead', 'a'), first: true });
      const other = await replica();
      assert.deepEqual(await other.pinFirst(pin('get_lead', 'b', 2)), { pin: pin('get_lead', 'a'), first: false }, 'the later pin reads back the one that stands');
      assert.deepEqual([...(await other.pinned('crm')).entries()], [['get_lead', pin('get_lead', 'a')]]);
      assert.equal((await store.pinned('billing')).size, 0, 'pins are per server');
    });

    test('a held definition is held once per digest, the latest replaces an earlier one, and approval moves it into the pin', async () => {
      const { store, replica } = await fresh();
      await store.pinFirst(pin('get_lead', 'a'));
      assert.equal(await store.hold(pin('get_lead', 'b', 2)), true);
      assert.equal(await store.hold(pin('get_lead', 'b', 3)), false, 'the same definition again is not news');
      assert.equal(await store.hold(pin('get_lead', 'c', 4)), true);
      await store.hold(pin('send_mail', 'x', 5, 'mailer'));
      const other = await replica();
      assert.deepEqual(await other.held('crm'), [pin('get_lead', 'c', 4)]);
      assert.deepEqual((await other.held()).map((p) => `${p.server}/${p.tool}`), ['crm/get_lead', 'mailer/send_mail']);
      await other.approve(pin('get_lead', 'c', 6));
      assert.deepEqual((await store.pinned('crm')).get('get_lead'), pin('get_lead', 'c', 6));
      assert.deepEqual(await store.held('crm'), []);
    });

    test('definitions come back as they went in, odd names and all', async () => {
      const { store } = await fresh();
      const odd: Pin = { server: 'crm', tool: '__proto__', digest: 'd', definition: { name: '__proto__', inputSchema: { type: 'object', properties: { 'ünï': { enum: ['a', 1, null] } } } }, time: 1_700_000_000_000 };
      await store.pinFirst(odd);
      assert.deepEqual((await store.pinned('crm')).get('__proto__'), odd);
    });
  });
}

describePinStore('the memory pin store', async () => {
  const store = new MemoryPinStore();
  return { first: store, second: async () => store };
});

describePinStore('the SQLite pin store', async () => {
  const file = join(dir, `pins-${files++}.db`);
  return { first: new SqlitePinStore(file), second: async () => new SqlitePinStore(file) };
});

describePinStore(
  'the PostgreSQL pin store',
  async () => {
    const schema = freshSchema();
    return { first: await PostgresPinStore.open(url, { schema }), second: () => PostgresPinStore.open(url, { schema }) };
  },
  { skip },
);

test('a spec names the store, and a wrong one is an error naming the choices', async () => {
  const store = await openPinStore(`sqlite:${join(dir, 'spec.db')}`);
  assert.ok(store instanceof SqlitePinStore, 'sqlite: opens SQLite');
  await store.close();
  await assert.rejects(openPinStore('redis://127.0.0.1:6379'), /unknown pin store "redis:\/\/127\.0\.0\.1:6379"; expected memory, sqlite:PATH or a postgres:\/\/ URL/);
});
