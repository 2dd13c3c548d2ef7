import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { argumentsDigest, bindingKey, type ApprovalBinding, type ApprovalRequest } from './approval.js';
import { ApprovalFeed, type FeedEvent } from './approval-feed.js';
import { Approvals } from './approvals.js';
import { MemoryApprovalStore } from './memory-approval-store.js';

const T0 = Date.now();
const binding: ApprovalBinding = { grant: { id: 'gr_1', label: 'agent' }, server: 'crm', tool: 'send_mail', argsDigest: argumentsDigest({}), policy: 'p1' };

function request(id: string, createdAt: number, quorum = 1): ApprovalRequest {
  return { id, binding, key: bindingKey(binding), rule: '/tools/send_mail/approval', shown: {}, approvers: [], quorum, wait: 'hold', state: 'pending', createdAt, expiresAt: T0 + 3_600_000, decisions: [], updatedAt: createdAt, version: 1 };
}

/** A store, the decisions on it, and a feed reading it every 5 ms. */
function parts() {
  const store = new MemoryApprovalStore();
  const approvals = new Approvals({ store, record: () => {} });
  const feed = new ApprovalFeed(store, { everyMs: 5 });
  return { store, approvals, feed };
}

/** What a listener hears, as `type id state`. */
function listener() {
  const heard: string[] = [];
  const listen = (event: FeedEvent) => void heard.push(`${event.type} ${event.request.id} ${event.request.state}`);
  const until = async (count: number) => {
    const deadline = Date.now() + 5_000;
    while (heard.length < count) {
      if (Date.now() > deadline) assert.fail(`expected ${count} events, heard ${JSON.stringify(heard)}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  return { heard, listen, until };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ApprovalFeed', () => {
  test('a new listener hears of every pending request first, oldest first, and of none already decided', async (t) => {
    const { store, approvals, feed } = parts();
    t.after(() => feed.close());
    for (const [i, id] of ['ap_a', 'ap_b', 'ap_c'].entries()) await store.create(request(id, T0 + i));
    await approvals.decide('ap_b', { name: 'dana' }, 'deny');
    const { heard, listen } = listener();
    const stop = await feed.subscribe(listen);
    assert.deepEqual(heard, ['approval.requested ap_a pending', 'approval.requested ap_c pending']);
    await pause(30);
    assert.equal(heard.length, 2, `nothing more while nothing changes: ${JSON.stringify(heard)}`);
    stop();
  });

  test('a request made later is requested, and each decision on it decided, up to the last of a quorum', async (t) => {
    const { store, approvals, feed } = parts();
    t.after(() => feed.close());
    const { heard, listen, until } = listener();
    const stop = await feed.subscribe(listen);
    await store.create(request('ap_q', T0, 2));
    await until(1);
    await approvals.decide('ap_q', { name: 'dana' }, 'approve');
    await until(2);
    await approvals.decide('ap_q', { name: 'erin' }, 'approve');
    await until(3);
    assert.deepEqual(heard, ['approval.requested ap_q pending', 'approval.decided ap_q pending', 'approval.decided ap_q approved']);
    stop();
  });

  test('made and decided between two readings: both are heard, in that order', async (t) => {
    const store = new MemoryApprovalStore();
    const approvals = new Approvals({ store, record: () => {} });
    const feed = new ApprovalFeed(store, { everyMs: 50 });
    t.after(() => feed.close());
    const { heard, listen, until } = listener();
    const stop = await feed.subscribe(listen);
    await store.create(request('ap_fast', T0));
    await approvals.decide('ap_fast', { name: 'dana' }, 'deny');
    await until(2);
    // Both carry the request as it is now: the console learns of it and of its end at once.
    assert.deepEqual(heard, ['approval.requested ap_fast denied', 'approval.decided ap_fast denied']);
    stop();
  });

  test('a pending request older than the newest hundred is still watched, and its decision heard', async (t) => {
    const { store, approvals, feed } = parts();
    t.after(() => feed.close());
    await store.create(request('ap_old', T0 - 1_000));
    const { heard, listen, until } = listener();
    const stop = await feed.subscribe(listen);
    for (let i = 0; i < 120; i++) await store.create(request(`ap_n${i}`, T0 + i));
    await until(101);
    await approvals.decide('ap_old', { name: 'dana' }, 'approve');
    await until(102);
    assert.equal(heard.at(-1), 'approval.decided ap_old approved');
    assert.equal(heard.filter((line) => line.startsWith('approval.requested ap_n')).length, 100, 'the newest hundred of a burst between two readings are heard as new');
    stop();
  });

  test('the store is read only while someone listens; a failed reading is reported and the next one made', async (t) => {
    const store = new MemoryApprovalStore();
    let readings = 0;
    let failing = false;
    const list = store.list.bind(store);
    store.list = async (...args) => {
      readings++;
      if (failing) throw new Error('store down');
      return list(...args);
    };
    const failures: string[] = [];
    const feed = new ApprovalFeed(store, { everyMs: 5, failed: (error) => failures.push((error as Error).message) });
    t.after(() => feed.close());
    const { heard, listen, until } = listener();
    const stop = await feed.subscribe(listen);
    failing = true;
    await pause(30);
    assert.ok(failures.length > 0 && failures.every((message) => message === 'store down'), `failures are reported: ${JSON.stringify(failures)}`);
    failing = false;
    await store.create(request('ap_after', T0));
    await until(1);
    stop();
    const after = readings;
    await pause(30);
    assert.equal(readings, after, 'no reading after the last listener left');
    assert.deepEqual(heard, ['approval.requested ap_after pending']);
  });
});
