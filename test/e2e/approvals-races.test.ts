import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { argumentsDigest, type ApprovalRequest } from '../../src/approvals/approval.js';
import { ApprovalError, Approvals } from '../../src/approvals/approvals.js';
import { SqliteApprovalStore } from '../../src/approvals/sqlite-approval-store.js';
import { httpClient, startGateway, typescriptServer, type RunningGateway } from './harness.js';

/**
 * Every race an approval can be in, end to end: a gateway keeping its approvals in SQLite in front of the recording
 * server (which writes down every line that reached it), a real client, and the decisions taken by another process's
 * view of the same file (an `Approvals` service on a second store, or the CLI). Each test asserts what reached the
 * server, not only what the agent was told.
 */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
/** write_thing: one approval, held or retried; refund: expires in a second; delete_thing: two approvals. */
const POLICY = {
  version: '1',
  default: 'allow',
  tools: {
    write_thing: { approval: { timeout: '2m' } },
    refund: { approval: { timeout: '1s' } },
    delete_thing: { approval: { timeout: '2m', quorum: 2 } },
  },
};

const dir = mkdtempSync(join(tmpdir(), 'toolgate-approval-races-'));
const db = join(dir, 'toolgate.db');
const store = `sqlite:${db}`;
const recording = join(dir, 'upstream.jsonl');
const policyFile = join(dir, 'policy.json');
const config = join(dir, 'toolgate.yaml');
writeFileSync(recording, '');
writeFileSync(policyFile, JSON.stringify(POLICY));
const server = { ...typescriptServer('test/fixtures/recording-server.ts', recording), policy: policyFile };
writeFileSync(config, JSON.stringify({ store, servers: { rec: server } }));
const cli = (...args: string[]) => spawnSync(CLI[0], [...CLI.slice(1), 'approvals', ...args, '--config', config], { encoding: 'utf8', timeout: 60_000 });

let gateway: RunningGateway;
let client: Client;
/** Another process's view of the approvals: its own connection to the same SQLite file. */
let otherStore: SqliteApprovalStore;
let other: Approvals;

before(async () => {
  gateway = await startGateway({ rec: server }, { store });
  client = await httpClient(gateway.url('rec'));
  otherStore = new SqliteApprovalStore(db);
  other = new Approvals({ store: otherStore, record: () => {} });
});

after(async () => {
  await client?.close();
  await gateway?.close();
  await otherStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Args = Record<string, unknown>;
const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;
const isError = (result: unknown) => (result as { isError?: boolean }).isError === true;
const served = (tool: string, args: Args) => JSON.stringify({ name: tool, arguments: args });

/** The tools/call requests of `tool` with exactly these arguments that reached the server. */
function reached(tool: string, args: Args): number {
  return readFileSync(recording, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { method?: string; params?: { name?: string; arguments?: unknown } })
    .filter((m) => m.method === 'tools/call' && m.params?.name === tool && JSON.stringify(m.params.arguments) === JSON.stringify(args)).length;
}

/** Every request for this tool and these arguments, in any state, newest first. */
async function requestsFor(tool: string, args: Args): Promise<ApprovalRequest[]> {
  const digest = argumentsDigest(args);
  return (await otherStore.list({}, 1_000)).filter((r) => r.binding.tool === tool && r.binding.argsDigest === digest);
}

/** Waits until `count` requests for this call are pending, and returns them. */
async function pendingFor(tool: string, args: Args, count = 1): Promise<ApprovalRequest[]> {
  let found: ApprovalRequest[] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    found = (await requestsFor(tool, args)).filter((r) => r.state === 'pending');
    if (found.length === count) return found;
    if (Date.now() > deadline) assert.fail(`expected ${count} pending requests for ${tool} ${JSON.stringify(args)}, found ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function stateOf(id: string): Promise<string | undefined> {
  return (await otherStore.get(id))?.state;
}

async function waitForState(id: string, state: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await stateOf(id)) !== state) {
    if (Date.now() > deadline) assert.fail(`approval ${id} is ${await stateOf(id)}, expected ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A call held for approval: the client sent a progress token, so the gateway holds it open. */
const hold = (c: Client, name: string, args: Args, signal?: AbortSignal) => c.callTool({ name, arguments: args }, { onprogress: () => {}, ...(signal && { signal }) });
/** A call in retry mode: answered at once; the approval id is read off the answer. */
async function retry(name: string, args: Args): Promise<{ pending?: string; result: unknown }> {
  const result = await client.callTool({ name, arguments: args });
  const pending = /^\[APPROVAL PENDING\] .*\(approval (ap_\w+), open until/.exec(text(result))?.[1];
  return { result, ...(pending && { pending }) };
}

/** Whether a promise is still unsettled after `ms`. */
async function stillOpen(promise: Promise<unknown>, ms = 600): Promise<boolean> {
  const open = Symbol('open');
  return (await Promise.race([promise.then(() => undefined, () => undefined), new Promise((resolve) => setTimeout(() => resolve(open), ms))])) === open;
}

const decideRejects = (id: string, name: string, verdict: 'approve' | 'deny', pattern: RegExp) =>
  assert.rejects(other.decide(id, { name }, verdict), (error: Error) => error instanceof ApprovalError && pattern.test(error.message), `${verdict} by ${name} refused with ${pattern}`);

test('approve twice, at once: one decision wins, and the held call reaches the server once', async () => {
  const args = { id: 'approve-twice' };
  const held = hold(client, 'write_thing', args);
  const [request] = await pendingFor('write_thing', args);
  const decisions = await Promise.allSettled([other.decide(request!.id, { name: 'alice' }, 'approve'), other.decide(request!.id, { name: 'bob' }, 'approve')]);
  assert.equal(decisions.filter((d) => d.status === 'fulfilled').length, 1, `one of two approvals is taken: ${JSON.stringify(decisions.map((d) => d.status))}`);
  assert.equal(text(await held), served('write_thing', args));
  await decideRejects(request!.id, 'carol', 'approve', /is (forwarded|completed), not pending/);
  await waitForState(request!.id, 'completed');
  assert.equal(reached('write_thing', args), 1, 'the server saw the call once');
});

test('retry: an approval lets one of two identical retries, sent together, through', async () => {
  const args = { id: 'retry-twice' };
  const { pending } = await retry('write_thing', args);
  assert.ok(pending, 'the first call is answered pending');
  await other.decide(pending, { name: 'alice' }, 'approve');
  const [a, b] = await Promise.all([retry('write_thing', args), retry('write_thing', args)]);
  assert.equal([a, b].filter((r) => r.pending === undefined).length, 1, `exactly one retry passes: ${JSON.stringify([a.pending, b.pending])}`);
  assert.ok([a, b].every((r) => r.pending !== pending), 'the other retry is a new request, not the used one');
  assert.equal(reached('write_thing', args), 1, 'the server saw the call once');
});

test('approve after expiry: refused, and neither the held call nor a retry reaches the server', async () => {
  const args = { amount: 1 };
  const { pending } = await retry('refund', args);
  assert.ok(pending, 'the retry-mode call is answered pending');
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  await decideRejects(pending, 'alice', 'approve', new RegExp(`approval ${pending} expired`));
  assert.equal(await stateOf(pending), 'expired');
  const again = await retry('refund', args);
  assert.ok(again.pending && again.pending !== pending, `the retry after expiry is a new request: ${text(again.result)}`);

  const heldArgs = { amount: 2 };
  const held = await hold(client, 'refund', heldArgs);
  assert.match(text(held), /expired: nobody decided in time/);
  const [expired] = await requestsFor('refund', heldArgs);
  assert.equal(expired?.state, 'expired');
  await decideRejects(expired!.id, 'alice', 'approve', /is expired, not pending/);
  assert.equal(reached('refund', args) + reached('refund', heldArgs), 0, 'no refund reached the server');
});

test('approve an id that does not exist: a clear error, from the service and from the CLI', async () => {
  await decideRejects('ap_0000000000000000000000', 'alice', 'approve', /^no approval request ap_0000000000000000000000$/);
  const approved = cli('approve', 'ap_0000000000000000000000', '--as', 'alice');
  assert.equal(approved.status, 1, `the CLI exits 1: ${approved.stderr}`);
  assert.equal(String(approved.stderr), 'toolgate: no approval request ap_0000000000000000000000\n');
});

test('deny then approve: the approval is refused, the held call is denied, and a retry is a new request', async () => {
  const args = { id: 'deny-then-approve' };
  const held = hold(client, 'write_thing', args);
  const [request] = await pendingFor('write_thing', args);
  await other.decide(request!.id, { name: 'alice' }, 'deny', 'no');
  await decideRejects(request!.id, 'bob', 'approve', /is denied, not pending/);
  const result = await held;
  assert.ok(isError(result), 'the held call is refused');
  assert.match(text(result), /was denied by alice: no$/);
  const again = await retry('write_thing', args);
  assert.ok(again.pending && again.pending !== request!.id, 'the identical call after a denial asks again');
  assert.equal(reached('write_thing', args), 0, 'the denied call never reached the server');
});

test('a retry whose arguments differ by one byte is a new request; the approved one passes only its own call', async () => {
  const args = { id: 'byte' };
  const near = { id: 'bytf' };
  const { pending } = await retry('write_thing', args);
  assert.ok(pending, 'the call is answered pending');
  await other.decide(pending, { name: 'alice' }, 'approve');
  const differing = await retry('write_thing', near);
  assert.ok(differing.pending && differing.pending !== pending, `one byte different is another request: ${text(differing.result)}`);
  assert.equal(reached('write_thing', near), 0, 'the differing call did not reach the server');
  assert.equal(text((await retry('write_thing', args)).result), served('write_thing', args));
  assert.equal(reached('write_thing', args), 1, 'the approved call reached the server once');
});

test('the policy changed while pending: the retry under the new version is a new request, and the old approval does not pass it', async () => {
  const args = { id: 'policy-change' };
  const { pending: old } = await retry('write_thing', args);
  assert.ok(old, 'the call is answered pending');
  writeFileSync(policyFile, JSON.stringify({ ...POLICY, tools: { ...POLICY.tools, write_thing: { approval: { timeout: '2m', message: 'the policy changed' } } } }));
  // Until the gateway reloads, the retry finds the old request; after, it makes a new one.
  let renewed: string | undefined;
  const deadline = Date.now() + 10_000;
  while (!renewed) {
    const { pending } = await retry('write_thing', args);
    assert.ok(pending, 'a retry while the old request is pending is pending');
    if (pending !== old) renewed = pending;
    else if (Date.now() > deadline) assert.fail('the gateway did not reload the policy');
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const [before, after] = [await otherStore.get(old), await otherStore.get(renewed)];
  assert.notEqual(before!.binding.policy, after!.binding.policy, 'the new request is bound to the new policy version');
  await other.decide(old, { name: 'alice' }, 'approve');
  const retried = await retry('write_thing', args);
  assert.equal(retried.pending, renewed, 'the old approval does not let the call through under the new policy');
  assert.equal(await stateOf(old), 'approved', 'and it is not claimed');
  assert.equal(reached('write_thing', args), 0, 'nothing reached the server');
  writeFileSync(policyFile, JSON.stringify(POLICY));
});

test('two identical calls held at once are two requests; approving one forwards exactly one', async () => {
  const args = { id: 'pair' };
  const first = hold(client, 'write_thing', args);
  const second = hold(client, 'write_thing', args);
  const [a, b] = await pendingFor('write_thing', args, 2);
  assert.notEqual(a!.id, b!.id, 'each held call has its own request');
  assert.equal(a!.key, b!.key, 'for the same binding');
  await other.decide(a!.id, { name: 'alice' }, 'approve');
  await waitForState(a!.id, 'completed');
  const settled = await Promise.race([first.then(() => 'first'), second.then(() => 'second')]);
  const open = settled === 'first' ? second : first;
  assert.ok(await stillOpen(open), 'the other call is still held');
  assert.equal(await stateOf(b!.id), 'pending');
  assert.equal(reached('write_thing', args), 1, 'one call reached the server');
  await other.decide(b!.id, { name: 'alice' }, 'deny');
  assert.ok(isError(await open), 'the other call is refused when its own request is denied');
  assert.equal(reached('write_thing', args), 1, 'still one call reached the server');
});

test('the requester approving its own call is refused, from the service and the CLI; the call stays held', async () => {
  const args = { id: 'self' };
  const held = hold(client, 'write_thing', args);
  const [request] = await pendingFor('write_thing', args);
  await decideRejects(request!.id, 'local', 'approve', /^local made the request, and cannot decide it$/);
  const self = cli('approve', request!.id, '--as', 'local');
  assert.equal(self.status, 1, 'the CLI refuses the requester');
  assert.equal(await stateOf(request!.id), 'pending');
  assert.ok(await stillOpen(held), 'the call is still held');
  assert.equal(reached('write_thing', args), 0, 'nothing reached the server');
  await other.decide(request!.id, { name: 'alice' }, 'deny');
  await held;
});

test('quorum 2: the same approver twice is still pending; a second approver lets the call through once', async () => {
  const args = { id: 'quorum' };
  const held = hold(client, 'delete_thing', args);
  const [request] = await pendingFor('delete_thing', args);
  assert.equal((await other.decide(request!.id, { name: 'alice' }, 'approve')).state, 'pending');
  assert.equal((await other.decide(request!.id, { name: 'alice' }, 'approve')).state, 'pending', 'the same approver counts once');
  assert.ok(await stillOpen(held), 'the call is still held after one approver twice');
  assert.equal(reached('delete_thing', args), 0, 'nothing reached the server on one approver');
  assert.equal((await other.decide(request!.id, { name: 'bob' }, 'approve')).state, 'approved');
  assert.equal(text(await held), served('delete_thing', args));
  assert.equal(reached('delete_thing', args), 1, 'the server saw the call once');
});

test('the agent cancelling a held call (AbortSignal, notifications/cancelled): the request is cancelled, and approving it forwards nothing', async () => {
  const args = { id: 'cancel' };
  const controller = new AbortController();
  const held = hold(client, 'write_thing', args, controller.signal);
  const [request] = await pendingFor('write_thing', args);
  controller.abort();
  await assert.rejects(held, 'the client gives up on the call');
  await waitForState(request!.id, 'cancelled');
  await decideRejects(request!.id, 'alice', 'approve', /is cancelled, not pending/);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(reached('write_thing', args), 0, 'nothing reached the server');
});

for (const era of ['legacy', 'auto'] as const) {
  // A 2025-11-25 stream can be resumed, so a dropped connection alone does not cancel there: the agent leaves by ending
  // its session. On 2026-07-28 closing the connection is the cancellation.
  test(`the agent disconnecting while held (${era === 'legacy' ? '2025-11-25, the session ended' : '2026-07-28, the connection closed'}): the request is cancelled, and approving it forwards nothing`, async () => {
    const args = { id: `disconnect-${era}` };
    const transport = new StreamableHTTPClientTransport(gateway.url('rec'));
    const leaving = new ClientV2({ name: 'leaving', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: era } });
    await leaving.connect(transport);
    const held = hold(leaving, 'write_thing', args).catch(() => undefined);
    const [request] = await pendingFor('write_thing', args);
    if (era === 'legacy') await transport.terminateSession();
    await leaving.close();
    await held;
    await waitForState(request!.id, 'cancelled');
    await decideRejects(request!.id, 'alice', 'approve', /is cancelled, not pending/);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(reached('write_thing', args), 0, 'nothing reached the server');
  });
}

test('a restart while held: the agent is answered at once, the request stays, and an approval after the restart passes the identical retried call once', async () => {
  const args = { id: 'restart' };
  const first = await startGateway({ rec: server }, { store });
  const agent = await httpClient(first.url('rec'));
  const held = hold(agent, 'write_thing', args).then(
    (result) => ({ result }),
    (error: Error) => ({ error }),
  );
  const [request] = await pendingFor('write_thing', args);
  const closing = Date.now();
  await first.gateway.close();
  const answer = await Promise.race([held, new Promise((resolve) => setTimeout(() => resolve('hang'), 5_000))]);
  assert.notEqual(answer, 'hang', 'the agent is answered when the gateway closes, not left hanging');
  const { result } = answer as { result?: unknown };
  assert.ok(result !== undefined && isError(result), `the held call is answered with an error: ${JSON.stringify(answer)}`);
  // Not "cancelled": the request is not, and an approval of it still lets the identical retried call through.
  assert.equal(text(result), `[POLICY DENIED] Tool "write_thing" was not approved: the gateway shut down while approval ${request!.id} was pending; the request stays open`);
  assert.ok(Date.now() - closing < 5_000, 'promptly');
  await first.close().catch(() => {});
  await agent.close().catch(() => {});
  assert.equal(await stateOf(request!.id), 'pending', 'the request stays in the store');
  assert.equal(reached('write_thing', args), 0, 'nothing reached the server before the approval');

  await other.decide(request!.id, { name: 'alice' }, 'approve');
  const second = await startGateway({ rec: server }, { store });
  try {
    const retrying = await httpClient(second.url('rec'));
    const passed = await retrying.callTool({ name: 'write_thing', arguments: args });
    assert.equal(text(passed), served('write_thing', args));
    const again = text(await retrying.callTool({ name: 'write_thing', arguments: args }));
    assert.ok(again.startsWith('[APPROVAL PENDING]') && !again.includes(request!.id), `the approval passes one call: ${again}`);
    await retrying.close();
  } finally {
    await second.close();
  }
  assert.equal(reached('write_thing', args), 1, 'the server saw the call once');
  assert.equal(await stateOf(request!.id), 'completed');
});
