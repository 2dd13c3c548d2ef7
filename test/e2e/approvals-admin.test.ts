import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import type { ApprovalRequest } from '../../src/approvals/approval.js';
import { approvalLink, linkToken } from '../../src/approvals/approval-links.js';
import { FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/**
 * Deciding approvals as named admins, on a real gateway in front of the fixture server with a real client: the admin
 * API's approval endpoints and event stream, and the signed links a webhook's message carries.
 */

const POLICY = { version: '1', default: 'allow', tools: { echo: { approval: { timeout: '2m' } }, pid: { approval: { timeout: '2m', approvers: ['group:finance'] } } } };
const SECRET = 'a link secret of enough length';
const root = mintAdminToken();
const alice = mintAdminToken();
const bob = mintAdminToken();
/** An admin labelled as the grant that makes the calls (auth: none names it `local`). */
const local = mintAdminToken();

let gateway: RunningGateway;
let client: Client;
let closed = false;

before(async () => {
  gateway = await startGateway(
    { fixture: { ...FIXTURE, policy: POLICY } },
    {
      admin: { token_sha256: root.sha256, tokens: [{ label: 'alice', sha256: alice.sha256 }, { label: 'bob', sha256: bob.sha256 }, { label: 'local', sha256: local.sha256 }] },
      approvals: { groups: { finance: ['bob'] }, webhook: { url: 'http://127.0.0.1:9/hook', secret: SECRET, public_url: 'http://127.0.0.1:9' } },
    },
  );
  client = await httpClient(gateway.url('fixture'));
});

after(async () => {
  await client?.close();
  if (!closed) await gateway?.close();
});

const text = (result: unknown) => ((result as { content: { text: string }[] }).content[0]!).text;

async function admin(token: string | null, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.base}${path}`, {
    method,
    headers: { ...(token !== null && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The one pending request for `tool`, as alice lists them, once the held call has made it. */
async function held(tool: string): Promise<ApprovalRequest> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { status, body } = await admin(alice.token, 'GET', `/admin/approvals?server=fixture`);
    assert.equal(status, 200, JSON.stringify(body));
    const found = (body.approvals as ApprovalRequest[]).filter((request) => request.binding.tool === tool);
    if (found.length === 1) return found[0]!;
    if (Date.now() > deadline) assert.fail(`expected one pending ${tool} request, found ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const hold = (tool: string, args: Record<string, unknown> = {}) => client.callTool({ name: tool, arguments: args }, { onprogress: () => {} });

describe('the admin API’s approvals', () => {
  test('alice lists the pending request, reads it, approves it, and the held call gets the server’s answer', async () => {
    const call = hold('echo', { message: 'hi' });
    const request = await held('echo');
    assert.equal(request.state, 'pending');
    const one = await admin(alice.token, 'GET', `/admin/approvals/${request.id}`);
    assert.deepEqual([one.status, (one.body.approval as ApprovalRequest).id], [200, request.id]);
    const approved = await admin(alice.token, 'POST', `/admin/approvals/${request.id}/approve`, { reason: 'looks right' });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const decided = approved.body.approval as ApprovalRequest;
    assert.equal(decided.state, 'approved');
    assert.deepEqual(decided.decisions.map(({ approver, verdict, reason }) => [approver, verdict, reason]), [['alice', 'approve', 'looks right']]);
    assert.equal(text(await call), 'hi');
    const again = await admin(bob.token, 'POST', `/admin/approvals/${request.id}/approve`);
    assert.equal(again.status, 409, 'a used approval is not pending');
    assert.match(String(again.body.error), /is (forwarded|completed), not pending/);
    const pending = await admin(alice.token, 'GET', '/admin/approvals');
    assert.ok(!(pending.body.approvals as ApprovalRequest[]).some((r) => r.id === request.id), 'the decided request is no longer among the pending ones');
    const all = await admin(alice.token, 'GET', '/admin/approvals?state=all&grant=local&limit=1');
    assert.deepEqual((all.body.approvals as ApprovalRequest[]).map((r) => r.id), [request.id], 'state=all lists it, newest first');
  });

  test('a group approver: alice is not in finance (409), bob is, and denies with a reason the agent reads', async () => {
    const call = hold('pid');
    const request = await held('pid');
    const notFinance = await admin(alice.token, 'POST', `/admin/approvals/${request.id}/approve`);
    assert.equal(notFinance.status, 409);
    assert.equal(notFinance.body.error, `alice is not among the approvers of ${request.id} (group:finance)`);
    const denied = await admin(bob.token, 'POST', `/admin/approvals/${request.id}/deny`, { reason: 'not today' });
    assert.equal(denied.status, 200, JSON.stringify(denied.body));
    assert.equal((denied.body.approval as ApprovalRequest).state, 'denied');
    const result = await call;
    assert.equal(text(result), `[POLICY DENIED] Tool "pid" was not approved: approval ${request.id} was denied by bob: not today`);
  });

  test('an admin labelled as the requesting grant cannot decide its call; the unlabelled admin decides as admin', async () => {
    const call = hold('echo', { message: 'mine' });
    const request = await held('echo');
    const self = await admin(local.token, 'POST', `/admin/approvals/${request.id}/approve`);
    assert.deepEqual(self, { status: 409, body: { error: 'local made the request, and cannot decide it' } });
    const byRoot = await admin(root.token, 'POST', `/admin/approvals/${request.id}/approve`);
    assert.equal(byRoot.status, 200, JSON.stringify(byRoot.body));
    assert.deepEqual((byRoot.body.approval as ApprovalRequest).decisions.map((d) => d.approver), ['admin']);
    assert.equal(text(await call), 'mine');
  });

  test('401 without a token or with an unknown one, before anything is looked up; unknown ids 404; bad input 400', async () => {
    for (const path of ['/admin/approvals', '/admin/approvals/ap_nope', '/admin/approvals/events']) {
      assert.equal((await admin(null, 'GET', path)).status, 401, `${path} without a token`);
      assert.equal((await admin(mintAdminToken().token, 'GET', path)).status, 401, `${path} with a token not configured`);
    }
    assert.deepEqual(await admin(alice.token, 'GET', '/admin/approvals/ap_nope'), { status: 404, body: { error: 'no approval request ap_nope' } });
    assert.deepEqual(await admin(alice.token, 'POST', '/admin/approvals/ap_nope/deny'), { status: 404, body: { error: 'no approval request ap_nope' } });
    assert.equal((await admin(alice.token, 'GET', '/admin/approvals?state=maybe')).status, 400, 'an unknown state');
    assert.equal((await admin(alice.token, 'POST', '/admin/approvals/ap_nope/approve', { reason: 3 })).status, 400, 'a reason that is not a string');
    const unknown = await admin(alice.token, 'GET', '/admin/approvals/ap_x/maybe');
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.error), /^no such admin endpoint: .*\/admin\/approvals\/events, \/admin\/approvals\/<id>, \/admin\/approvals\/<id>\/approve\|deny/, 'the answer lists the approval endpoints');
  });
});

/** An open `GET /admin/approvals/events`: `next` waits for the next event that `matches`. */
async function eventStream(token: string) {
  const controller = new AbortController();
  const response = await fetch(`${gateway.base}/admin/approvals/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const seen: { event: string; request: ApprovalRequest }[] = [];
  return {
    seen,
    async next(matches: (event: { event: string; request: ApprovalRequest }) => boolean): Promise<{ event: string; request: ApprovalRequest }> {
      for (;;) {
        const frames = buffer.split('\n\n');
        buffer = frames.pop()!;
        for (const frame of frames) {
          const event = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (event === undefined || data === undefined) continue;
          const parsed = { event, request: JSON.parse(data) as ApprovalRequest };
          seen.push(parsed);
          if (matches(parsed)) {
            buffer = frames.slice(frames.indexOf(frame) + 1).join('\n\n') + (buffer === '' ? '' : `\n\n${buffer}`);
            return parsed;
          }
        }
        const { value, done } = await reader.read();
        if (done) assert.fail(`the stream ended; seen ${JSON.stringify(seen.map((s) => s.event))}`);
        buffer += value;
      }
    },
    /** Resolves true when the server ends the stream. */
    async ended(): Promise<boolean> {
      for (;;) if ((await reader.read()).done) return true;
    },
    close: () => controller.abort(),
  };
}

describe('GET /admin/approvals/events', () => {
  test('a call is approval.requested, then approval.decided when alice approves it', async () => {
    const stream = await eventStream(alice.token);
    const call = hold('echo', { message: 'streamed' });
    const requested = await stream.next((e) => e.event === 'approval.requested' && e.request.binding.tool === 'echo' && e.request.state === 'pending');
    assert.equal((await admin(alice.token, 'POST', `/admin/approvals/${requested.request.id}/approve`)).status, 200);
    const decided = await stream.next((e) => e.request.id === requested.request.id);
    assert.deepEqual([decided.event, decided.request.decisions.map((d) => `${d.verdict} by ${d.approver}`)], ['approval.decided', ['approve by alice']]);
    // The store is read every 500 ms: by then the gateway may have forwarded the approved call, and the event says so.
    assert.ok(['approved', 'forwarded', 'completed'].includes(decided.request.state), `approved, or on its way past that: ${decided.request.state}`);
    assert.equal(text(await call), 'streamed');
    stream.close();
  });
});

describe('signed approval links', () => {
  const link = (request: ApprovalRequest, verdict: 'approve' | 'deny', expiresAt = request.expiresAt) => approvalLink(gateway.base, SECRET, { id: request.id, verdict, expiresAt });
  const page = async (url: string, method = 'GET', form?: string) => {
    const response = await fetch(url, { method, ...(form !== undefined && { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }) });
    return { status: response.status, type: response.headers.get('content-type'), frames: response.headers.get('x-frame-options'), html: await response.text() };
  };

  test('GET shows the request and a form, and decides nothing; the POST approves once; a second POST is 409', async () => {
    const call = hold('echo', { message: 'linked' });
    const request = await held('echo');
    const url = link(request, 'approve');
    const confirmation = await page(url);
    assert.equal(confirmation.status, 200, confirmation.html);
    assert.equal(confirmation.type, 'text/html; charset=utf-8');
    assert.equal(confirmation.frames, 'DENY', 'the button cannot be framed under a decoy');
    assert.match(confirmation.html, /<form method="post">/);
    assert.match(confirmation.html, /fixture echo/);
    assert.equal((await gateway.gateway.approvalDesk!.store.get(request.id))?.state, 'pending', 'a GET (a link preview, a scanner) decides nothing');
    const approved = await page(url, 'POST', 'reason=from+chat');
    assert.equal(approved.status, 200, approved.html);
    assert.match(approved.html, /<h1>Approved<\/h1>/);
    assert.equal(text(await call), 'linked');
    const decision = (await gateway.gateway.approvalDesk!.store.get(request.id))!.decisions[0];
    assert.deepEqual([decision?.approver, decision?.reason], ['link', 'from chat'], 'decided as link_approver, with the form’s reason');
    const again = await page(url, 'POST');
    assert.equal(again.status, 409, 'the link decides once');
    assert.match(again.html, /not pending/);
    assert.equal((await page(url)).status, 409, 'and then shows that it is decided');
  });

  test('a tampered or expired token, or an approve token on the deny path, is 403, and the request stays pending', async () => {
    const call = hold('echo', { message: 'refused links' });
    const request = await held('echo');
    const token = linkToken(SECRET, { id: request.id, verdict: 'approve', expiresAt: request.expiresAt });
    const tampered = `${gateway.base}/approvals/${request.id}/approve?token=${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    const cases: [string, string, RegExp][] = [
      ['tampered', tampered, /not made by this gateway, or it was changed/],
      ['expired', link(request, 'approve', Date.now() - 1), /has expired/],
      ['approve token on the deny path', `${gateway.base}/approvals/${request.id}/deny?token=${token}`, /another request or another verdict/],
      ['no token', `${gateway.base}/approvals/${request.id}/approve`, /incomplete/],
      ['another secret', approvalLink(gateway.base, 'another secret, long enough', { id: request.id, verdict: 'approve', expiresAt: request.expiresAt }), /not made by this gateway/],
    ];
    for (const [name, url, says] of cases) {
      for (const method of ['GET', 'POST']) {
        const answer = await page(url, method);
        assert.equal(answer.status, 403, `${name}, ${method}`);
        assert.match(answer.html, says, `${name}, ${method}`);
      }
    }
    assert.equal((await gateway.gateway.approvalDesk!.store.get(request.id))?.state, 'pending', 'no refused link decided it');
    assert.equal((await page(link(request, 'deny'), 'POST')).status, 200, 'the deny link denies');
    assert.match(text(await call), /was denied by link$/);
  });
});

describe('closing the gateway', () => {
  test('ends an open event stream cleanly', async () => {
    const stream = await eventStream(alice.token);
    await gateway.close();
    closed = true;
    assert.equal(await stream.ended(), true, 'the stream ends rather than breaking');
  });
});
