import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { testPostgres } from '../../test/support/postgres.js';
import { advance, argumentsDigest, bindingKey, decide, type ApprovalBinding, type ApprovalRequest } from './approval.js';
import type { ApprovalStore } from './approval-store.js';
import { MemoryApprovalStore } from './memory-approval-store.js';
import { openApprovalStore } from './open-approval-store.js';
import { PostgresApprovalStore } from './postgres-approval-store.js';
import { SqliteApprovalStore } from './sqlite-approval-store.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-approvals-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const { url, skip, freshSchema } = await testPostgres();

const T0 = 1_700_000_000_000;

function request(id: string, options: { createdAt?: number; server?: string; grant?: string; tool?: string; args?: unknown; state?: ApprovalRequest['state'] } = {}): ApprovalRequest {
  const { createdAt = T0, server = 'crm', grant = 'sales-agent', tool = 'send_mail', args = { to: 'a@example.com' }, state = 'pending' } = options;
  const binding: ApprovalBinding = { grant: { id: `gr_${grant}`, label: grant }, server, tool, argsDigest: argumentsDigest(args), policy: 'p1' };
  return {
    id,
    binding,
    key: bindingKey(binding),
    rule: `/tools/${tool}/approval`,
    shown: { arguments: args },
    approvers: [],
    quorum: 1,
    wait: 'hold',
    state,
    createdAt,
    expiresAt: createdAt + 60_000,
    decisions: [],
    updatedAt: createdAt,
    version: 1,
  };
}

const approve = (pending: ApprovalRequest, approver = 'dana') => {
  const outcome = decide(pending, { name: approver }, 'approve', T0 + 1);
  assert.ok(outcome.ok, `${approver} may approve ${pending.id}`);
  return outcome.request;
};

/** What every approval store does, against memory, SQLite and PostgreSQL; `second` opens another replica on the same data. */
function describeApprovalStore(name: string, open: () => Promise<{ first: ApprovalStore; second: () => Promise<ApprovalStore> }>, options: { skip?: string } = {}): void {
  describe(name, { skip: options.skip }, () => {
    const opened: ApprovalStore[] = [];
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

    test('a request comes back as it went in, odd names, unicode and nested arguments and all', async () => {
      const { store, replica } = await fresh();
      const args = { ['__proto__']: { polluted: true }, constructor: 'x', 'ünïcødé ✉': ['a', 1, null, { deep: [{ deeper: -0.5 }] }], big: 2 ** 53 - 1 };
      const odd: ApprovalRequest = {
        ...request('ap_odd', { tool: '__proto__', server: 'crm-ü', grant: 'agënt 🤖', args }),
        shown: { arguments: args, message: 'Zahlung über 1 000 € — bitte prüfen' },
        approvers: ['dana', 'group:finance'],
        quorum: 2,
        wait: 'retry',
        decisions: [{ approver: 'dana', verdict: 'approve', reason: 'looks right', at: T0 + 5 }],
      };
      await store.create(odd);
      assert.deepEqual(await store.get('ap_odd'), odd);
      assert.deepEqual(await (await replica()).get('ap_odd'), odd, 'a replica reads the same request');
      const shown = (await store.get('ap_odd'))!.shown.arguments as object;
      assert.ok(Object.hasOwn(shown, '__proto__') && Object.getPrototypeOf(shown) === Object.prototype, 'a "__proto__" argument stays an argument');
      assert.equal(await store.get('ap_missing'), undefined);
    });

    test('creating a request whose id exists is an error, and the first stands', async () => {
      const { store, replica } = await fresh();
      await store.create(request('ap_1'));
      await assert.rejects((await replica()).create(request('ap_1', { server: 'billing' })), /approval ap_1 exists already/);
      assert.equal((await store.get('ap_1'))?.binding.server, 'crm', 'the first request is untouched');
    });

    test('getMany answers in the order asked, each once, and leaves out unknown ids', async () => {
      const { store } = await fresh();
      for (const id of ['ap_a', 'ap_b', 'ap_c']) await store.create(request(id));
      assert.deepEqual((await store.getMany(['ap_c', 'ap_x', 'ap_a', 'ap_c'])).map((r) => r.id), ['ap_c', 'ap_a']);
      assert.deepEqual(await store.getMany([]), []);
      assert.deepEqual(await store.getMany(['ap_x']), []);
    });

    test('a listing is newest first (ties by id), filtered by state, server and grant id or label, and limited', async () => {
      const { store } = await fresh();
      await store.create(request('ap_1', { createdAt: T0 + 1 }));
      await store.create(request('ap_a', { createdAt: T0 + 3, server: 'billing' }));
      await store.create(request('ap_3', { createdAt: T0 + 2, grant: 'ops-agent', state: 'approved' }));
      await store.create(request('ap_4', { createdAt: T0 + 3, state: 'denied' }));
      await store.create(request('ap_B', { createdAt: T0 + 3 }));
      const ids = async (filter: Parameters<ApprovalStore['list']>[0], limit = 10) => (await store.list(filter, limit)).map((r) => r.id);
      assert.deepEqual(await ids({}), ['ap_a', 'ap_B', 'ap_4', 'ap_3', 'ap_1'], 'in one millisecond the greater id by code point comes first ("a" > "B" > "4"), whatever the locale');
      assert.deepEqual(await ids({}, 2), ['ap_a', 'ap_B']);
      assert.deepEqual(await ids({}, 0), []);
      assert.deepEqual(await ids({ state: 'pending' }), ['ap_a', 'ap_B', 'ap_1']);
      assert.deepEqual(await ids({ server: 'billing' }), ['ap_a']);
      assert.deepEqual(await ids({ grant: 'gr_ops-agent' }), ['ap_3'], 'by grant id');
      assert.deepEqual(await ids({ grant: 'ops-agent' }), ['ap_3'], 'by grant label');
      assert.deepEqual(await ids({ state: 'pending', server: 'crm', grant: 'sales-agent' }), ['ap_B', 'ap_1']);
      assert.deepEqual(await ids({ state: 'expired' }), []);
      await assert.rejects(store.list({}, -1), RangeError, 'a negative limit is refused, not read as no limit');
    });

    test('findByKey finds the newest request of a binding in the states asked', async () => {
      const { store } = await fresh();
      const older = request('ap_old', { createdAt: T0, state: 'denied' });
      await store.create(older);
      await store.create(request('ap_new', { createdAt: T0 + 10 }));
      await store.create(request('ap_other', { createdAt: T0 + 20, args: { to: 'b@example.com' } }));
      assert.equal((await store.findByKey(older.key, ['pending', 'denied']))?.id, 'ap_new');
      assert.equal((await store.findByKey(older.key, ['denied']))?.id, 'ap_old');
      assert.equal(await store.findByKey(older.key, ['approved', 'forwarded']), undefined);
      assert.equal(await store.findByKey(older.key, []), undefined, 'no states, no request');
      assert.equal(await store.findByKey('no-such-key', ['pending']), undefined);
    });

    test('replace writes the next version, refuses a stale one and throws at one that is not the next', async () => {
      const { store } = await fresh();
      const pending = request('ap_1');
      await store.create(pending);
      await assert.rejects(store.replace(pending, { ...approve(pending), version: 3 }), /can only become version 2, not 3/);
      await assert.rejects(store.replace(pending, { ...approve(pending), id: 'ap_2' }), /cannot be replaced by ap_2/);
      const approved = approve(pending);
      assert.equal(await store.replace(pending, approved), true, 'the first change from version 1 is written');
      assert.deepEqual(await store.get('ap_1'), approved);
      assert.equal(await store.replace(pending, { ...approve(pending, 'erin') }), false, 'a change from the old version is not');
      assert.deepEqual(await store.get('ap_1'), approved, 'and wrote nothing');
      assert.equal(await store.replace(request('ap_missing'), approve(request('ap_missing'))), false, 'an unknown request is not created');
      assert.equal((await store.findByKey(pending.key, ['approved']))?.version, 2, 'the queried columns follow the change');
    });

    test('two replicas deciding from the same version: exactly one decision is written', async () => {
      const { store, replica } = await fresh();
      const other = await replica();
      await store.create(request('ap_1'));
      const [seenHere, seenThere] = await Promise.all([store.get('ap_1'), other.get('ap_1')]);
      const approved = approve(seenHere!, 'dana');
      const denied = decide(seenThere!, { name: 'erin' }, 'deny', T0 + 1);
      assert.ok(denied.ok, 'erin may deny');
      const won = await Promise.all([store.replace(seenHere!, approved), other.replace(seenThere!, denied.request)]);
      assert.equal(won.filter(Boolean).length, 1, `exactly one replica wins, not ${won.join(' and ')}`);
      assert.deepEqual(await other.get('ap_1'), won[0] ? approved : denied.request, 'the winner is what both read');
    });

    test('20 replaces at once from the same version: exactly one is written', async () => {
      const { store, replica } = await fresh();
      const stores = [store, await replica()];
      const pending = request('ap_1');
      await store.create(pending);
      const won = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.replace(pending, approve(pending, `approver-${i}`))));
      assert.equal(won.filter(Boolean).length, 1, `exactly one of 20 wins, not ${won.filter(Boolean).length}`);
      const winner = won.indexOf(true);
      assert.equal((await store.get('ap_1'))?.decisions[0]?.approver, `approver-${winner}`, 'the stored decision is the winner’s');
    });

    test('an approved call is claimed for forwarding once: of two replicas at once, one forwards it', async () => {
      const { store, replica } = await fresh();
      const other = await replica();
      const pending = request('ap_1');
      await store.create(pending);
      await store.replace(pending, approve(pending));
      // Both read it before either writes, so both claim from the same version.
      const seen = await Promise.all([store.get('ap_1'), other.get('ap_1')]);
      const forwarded = seen.map((each) => advance(each!, 'forwarded', T0 + 2));
      assert.ok(forwarded.every(Boolean), 'an approved request can be forwarded, as each replica sees it');
      const claims = await Promise.all([store.replace(seen[0]!, forwarded[0]!), other.replace(seen[1]!, forwarded[1]!)]);
      assert.deepEqual(claims.filter(Boolean), [true], `exactly one claim succeeds, not ${claims.join(' and ')}`);
      const after = (await store.get('ap_1'))!;
      assert.equal(after.state, 'forwarded');
      assert.equal(advance(after, 'forwarded', T0 + 3), undefined, 'a forwarded request cannot be claimed again');
    });
  });
}

describeApprovalStore('the memory approval store', async () => {
  const store = new MemoryApprovalStore();
  return { first: store, second: async () => store };
});

describeApprovalStore('the SQLite approval store', async () => {
  const file = join(dir, `approvals-${files++}.db`);
  return { first: new SqliteApprovalStore(file), second: async () => new SqliteApprovalStore(file) };
});

describeApprovalStore(
  'the PostgreSQL approval store',
  async () => {
    const schema = freshSchema();
    return { first: await PostgresApprovalStore.open(url, { schema }), second: () => PostgresApprovalStore.open(url, { schema }) };
  },
  { skip },
);

test('a spec names the approval store, and a wrong one is an error naming the choices', async () => {
  const memory = await openApprovalStore('memory');
  assert.ok(memory instanceof MemoryApprovalStore, 'memory opens the memory store');
  const sqlite = await openApprovalStore(`sqlite:${join(dir, 'spec.db')}`);
  assert.ok(sqlite instanceof SqliteApprovalStore, 'sqlite: opens SQLite');
  await sqlite.close();
  await assert.rejects(openApprovalStore('redis://127.0.0.1:6379'), /unknown approval store "redis:\/\/127\.0\.0\.1:6379"; expected memory, sqlite:PATH or a postgres:\/\/ URL/);
});
