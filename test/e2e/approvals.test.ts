import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { ApprovalRequest } from '../../src/approvals/approval.js';
import { SIGNATURE_HEADER, verifyWebhook } from '../../src/approvals/webhook-signature.js';
import type { ApprovalEntry } from '../../src/audit/audit-record.js';
import { FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/**
 * Approvals end to end: a real fixture server behind a gateway keeping its state in SQLite, a real client, and the
 * operator deciding with `toolgate approvals` from another process on the same file.
 */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const POLICY = { version: '1', default: 'allow', tools: { echo: { approval: { timeout: '2m', message: 'echoes need a person' } }, pid: { approval: { timeout: '1s' } } } };

const dir = mkdtempSync(join(tmpdir(), 'toolgate-approvals-'));
const store = `sqlite:${join(dir, 'toolgate.db')}`;
const config = join(dir, 'toolgate.yaml');
writeFileSync(config, JSON.stringify({ store, servers: { fixture: { ...FIXTURE, policy: POLICY } } }));
const cli = (...args: string[]) => spawnSync(CLI[0], [...CLI.slice(1), 'approvals', ...args, '--config', config], { encoding: 'utf8', timeout: 60_000 });

let gateway: RunningGateway;
let client: Client;

before(async () => {
  gateway = await startGateway({ fixture: { ...FIXTURE, policy: POLICY } }, { store });
  client = await httpClient(gateway.url('fixture'));
});

after(async () => {
  await client?.close();
  await gateway?.close();
});

const text = (result: unknown) => ((result as { content: { text: string }[] }).content[0]!).text;

/** The pending requests, as `approvals list --json` prints them. */
function pending(): ApprovalRequest[] {
  const listed = cli('list', '--json');
  assert.equal(listed.status, 0, String(listed.stderr));
  return JSON.parse(String(listed.stdout)) as ApprovalRequest[];
}

async function oneHeld(): Promise<ApprovalRequest> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = pending();
    if (found.length === 1) return found[0]!;
    if (Date.now() > deadline) assert.fail(`expected one pending request, found ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function events(id: string): Promise<string[]> {
  const { entries } = await gateway.gateway.auditLog!.query({ tool: 'echo' }, { limit: 1_000 });
  return entries.flatMap(({ entry }) => (entry.kind === 'approval' && entry.approval === id ? [`${entry.event}${entry.by ? ` by ${entry.by}` : ''}`] : []));
}

test('hold: a call held for approval is approved from the CLI in another process, and the agent gets the server’s answer', async () => {
  const held = client.callTool({ name: 'echo', arguments: { message: 'hi' } }, { onprogress: () => {} });
  const request = await oneHeld();
  assert.deepEqual([request.binding.tool, request.binding.grant.label, request.wait, request.shown], ['echo', 'local', 'hold', { arguments: ['message'], message: 'echoes need a person' }]);
  const shown = cli('show', request.id);
  assert.match(String(shown.stdout), /arguments {2}\["message"\] {2}\(sha256 [0-9a-f]{64}\)/);
  const approved = cli('approve', request.id, '--as', 'alice', '--reason', 'looks right');
  assert.equal(approved.status, 0, String(approved.stderr));
  assert.equal(String(approved.stdout), `${request.id} is approved\n`);
  assert.equal(text(await held), 'hi');
  assert.deepEqual(await events(request.id), ['requested', 'approved by alice', 'forwarded', 'completed']);
  const again = cli('approve', request.id, '--as', 'bob');
  assert.equal(again.status, 1, 'a used approval cannot be approved again');
  assert.match(String(again.stderr), /is completed, not pending/);
});

test('hold on the 2026-07-28 wire: the stateless request stays open until the approval', async () => {
  const modern = await httpClient(gateway.url('fixture'), 'auto');
  try {
    const held = modern.callTool({ name: 'echo', arguments: { message: 'modern' } }, { onprogress: () => {} });
    const request = await oneHeld();
    assert.equal(request.wait, 'hold');
    assert.equal(cli('approve', request.id, '--as', 'alice').status, 0);
    assert.equal(text(await held), 'modern');
  } finally {
    await modern.close();
  }
});

test('hold: a denial reaches the agent with who denied it and why; the requester cannot decide its own call', async () => {
  const held = client.callTool({ name: 'echo', arguments: { message: 'no' } }, { onprogress: () => {} });
  const request = await oneHeld();
  const self = cli('approve', request.id, '--as', 'local');
  assert.equal(self.status, 1);
  assert.match(String(self.stderr), /local made the request, and cannot decide it/);
  assert.equal(cli('deny', request.id, '--as', 'alice', '--reason', 'not today').status, 0);
  const result = await held;
  assert.equal((result as { isError?: boolean }).isError, true);
  assert.equal(text(result), `[POLICY DENIED] Tool "echo" was not approved: approval ${request.id} was denied by alice: not today`);
});

test('hold: nobody deciding in time is an expiry, and the call is refused saying so', async () => {
  const result = await client.callTool({ name: 'pid', arguments: {} }, { onprogress: () => {} });
  assert.match(text(result), /^\[POLICY DENIED\] Tool "pid" was not approved: approval ap_\w+ expired: nobody decided in time$/);
});

test('retry: the agent is answered at once, and the identical call passes once after approval; one byte more is another request', async () => {
  const first = text(await client.callTool({ name: 'echo', arguments: { message: 'later' } }));
  const [, id] = /^\[APPROVAL PENDING\] Tool "echo" needs a person's approval: retry the same call, with the same arguments, once it is approved \(approval (ap_\w+), open until .+\)$/.exec(first) ?? [];
  assert.ok(id, `a pending answer naming its approval: ${first}`);
  assert.ok(text(await client.callTool({ name: 'echo', arguments: { message: 'later' } })).includes(`(approval ${id},`), 'a retry before approval names the same request');
  assert.equal(cli('approve', id, '--as', 'alice').status, 0);
  const other = text(await client.callTool({ name: 'echo', arguments: { message: 'later!' } }));
  assert.ok(other.startsWith('[APPROVAL PENDING]') && !other.includes(id), `other arguments are another request: ${other}`);
  assert.equal(text(await client.callTool({ name: 'echo', arguments: { message: 'later' } })), 'later');
  const once = text(await client.callTool({ name: 'echo', arguments: { message: 'later' } }));
  assert.ok(once.startsWith('[APPROVAL PENDING]') && !once.includes(id), `an approval passes one call: ${once}`);
});

test('audit entries and list filters see the approvals', async () => {
  const { entries } = await gateway.gateway.auditLog!.query({ grant: 'local' }, { limit: 1_000 });
  const approvals = entries.flatMap(({ entry }) => (entry.kind === 'approval' ? [entry] : [])) as ApprovalEntry[];
  assert.ok(approvals.some((e) => e.event === 'denied' && e.by === 'alice' && e.reason === 'not today'), 'the denial and its reason are recorded');
  assert.ok(approvals.some((e) => e.event === 'expired'), 'the expiry is recorded');
  const all = JSON.parse(String(cli('list', '--state', 'all', '--json').stdout)) as ApprovalRequest[];
  assert.ok(all.length >= 5, `every request is kept: ${all.length}`);
  assert.equal(cli('list', '--state', 'maybe').status, 2, 'an unknown state is a usage error');
  const tail = spawnSync(CLI[0], [...CLI.slice(1), 'audit', 'tail', '--grant', 'local', '-n', '200', '--config', config], { encoding: 'utf8', timeout: 60_000 });
  assert.match(String(tail.stdout), /  local  fixture  tool echo  approval ap_\w+ denied by alice: not today\n/, 'audit tail shows approval events');
});

test('the webhook: each new and decided request is POSTed, signed, with approve and deny links', async () => {
  const secret = 'a-webhook-secret-of-some-length';
  const received: { type: string; approval: { id: string; state: string }; links?: { approve: string; deny: string }; verified: boolean }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ ...(JSON.parse(body) as Omit<(typeof received)[number], 'verified'>), verified: verifyWebhook(secret, req.headers[SIGNATURE_HEADER], body, Date.now()).ok });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const hooked = await startGateway({ fixture: { ...FIXTURE, policy: POLICY } }, { store: 'memory', approvals: { webhook: { url, secret, public_url: 'https://gateway.example.com' } } });
  const agent = await httpClient(hooked.url('fixture'));
  try {
    const first = text(await agent.callTool({ name: 'echo', arguments: { message: 'hooked' } }));
    const id = /\(approval (ap_\w+),/.exec(first)?.[1];
    assert.ok(id, `pending: ${first}`);
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const [requested] = received;
    assert.deepEqual([requested?.type, requested?.approval.id, requested?.approval.state, requested?.verified], ['approval.requested', id, 'pending', true]);
    assert.match(requested!.links!.approve, new RegExp(`^https://gateway\\.example\\.com/approvals/${id}/approve\\?token=`));
    assert.match(requested!.links!.deny, new RegExp(`^https://gateway\\.example\\.com/approvals/${id}/deny\\?token=`));
  } finally {
    await agent.close();
    await hooked.close();
    receiver.close();
  }
});
