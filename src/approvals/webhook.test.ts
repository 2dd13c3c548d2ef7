import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ApprovalRequest } from './approval.js';
import { verifyLink } from './approval-links.js';
import { verifyWebhook } from './webhook-signature.js';
import { WebhookNotifier, type WebhookOptions } from './webhook.js';

const SECRET = 'webhook-secret-for-tests';
const LINK_SECRET = 'link-secret-for-tests';
const HOUR = 3_600_000;

function approvalRequest(id: string, overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const now = Date.now();
  return {
    id,
    binding: { grant: { id: 'gr_agent', label: 'agent' }, server: 'smartlead', tool: 'create_campaign', argsDigest: 'ab'.repeat(32), policy: 'p1' },
    key: 'cd'.repeat(32),
    rule: '/tools/create_campaign/approval',
    shown: { arguments: { name: 'Spring launch' }, message: 'A campaign reaches real inboxes.' },
    approvers: ['alice'],
    quorum: 1,
    wait: 'hold',
    state: 'pending',
    createdAt: now,
    expiresAt: now + HOUR,
    decisions: [],
    updatedAt: now,
    version: 1,
    ...overrides,
  };
}

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the receiver does with its nth request: answer with a status, or never answer. */
type Script = (n: number) => number | 'hang';

interface Receiver {
  readonly url: string;
  readonly received: Received[];
  close(): Promise<void>;
}

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
});

/** A webhook receiver on 127.0.0.1 that keeps every request it reads. */
async function receiver(script: Script, port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const answer = script(received.length);
      received.push({ headers: req.headers, body });
      if (answer !== 'hang') res.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const handle: Receiver = {
    url: `http://127.0.0.1:${address.port}/hooks/toolgate`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.push(handle);
  return handle;
}

const always = (status: number): Script => () => status;
const inTurn = (...statuses: number[]): Script => (n) => statuses[Math.min(n, statuses.length - 1)]!;

/** A port nothing listens on (for now): connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A notifier with fast retries and a log kept in memory. */
function notifier(url: string, options: Partial<WebhookOptions> = {}): { notifier: WebhookNotifier; log: Array<Record<string, unknown>> } {
  const log: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug', base: undefined }, { write: (line: string) => void log.push(JSON.parse(line) as Record<string, unknown>) });
  const created = new WebhookNotifier({ url, secret: SECRET, logger, firstRetryMs: 20, maxRetryMs: 100, ...options });
  open.push(created);
  return { notifier: created, log };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the approval webhook', () => {
  test('a new request arrives signed, with links that verify, and verifyWebhook accepts the body', async () => {
    const hook = await receiver(always(200));
    const { notifier: n } = notifier(hook.url, { links: { baseUrl: 'https://toolgate.example.com', secret: LINK_SECRET } });
    const request = approvalRequest('ap_requested00000000000001');
    n.notify('approval.requested', request);
    await n.idle();

    assert.equal(hook.received.length, 1, 'one event, one POST');
    const [{ headers, body }] = hook.received as [Received];
    assert.equal(headers['content-type'], 'application/json');
    assert.match(String(headers['toolgate-event-id']), /^[0-9a-f-]{36}$/);
    const check = verifyWebhook(SECRET, headers['toolgate-signature'], body, Date.now());
    assert.ok(check.ok, `the signature verifies: ${JSON.stringify(check)}`);

    const event = JSON.parse(body) as { type: string; approval: Record<string, unknown>; links: { approve: string; deny: string } };
    assert.equal(event.type, 'approval.requested');
    assert.deepEqual(event.approval, {
      id: request.id,
      state: 'pending',
      server: 'smartlead',
      tool: 'create_campaign',
      grant: { id: 'gr_agent', label: 'agent' },
      arguments: { name: 'Spring launch' },
      message: 'A campaign reaches real inboxes.',
      rule: '/tools/create_campaign/approval',
      expiresAt: new Date(request.expiresAt).toISOString(),
      decisions: [],
    });
    for (const verdict of ['approve', 'deny'] as const) {
      const link = new URL(event.links[verdict]);
      assert.equal(link.pathname, `/approvals/${request.id}/${verdict}`);
      assert.deepEqual(verifyLink(LINK_SECRET, link.searchParams.get('token'), Date.now(), { id: request.id, verdict }), { ok: true, id: request.id, verdict });
    }
  });

  test('a decided request arrives with its decisions and no links', async () => {
    const hook = await receiver(always(204));
    const { notifier: n } = notifier(hook.url, { links: { baseUrl: 'https://toolgate.example.com', secret: LINK_SECRET } });
    const at = Date.now();
    n.notify('approval.decided', approvalRequest('ap_decided0000000000000001', { state: 'approved', decisions: [{ approver: 'alice', verdict: 'approve', reason: 'looks fine', at }] }));
    await n.idle();

    const event = JSON.parse(hook.received[0]!.body) as { type: string; approval: { state: string; decisions: unknown[] }; links?: unknown };
    assert.equal(event.type, 'approval.decided');
    assert.equal(event.approval.state, 'approved');
    assert.deepEqual(event.approval.decisions, [{ approver: 'alice', verdict: 'approve', reason: 'looks fine', at: new Date(at).toISOString() }]);
    assert.ok(!('links' in event), 'a decided request offers no links');
  });

  test('verifyWebhook refuses a tampered body, another secret, an old or a future timestamp, and a malformed header', async () => {
    const hook = await receiver(always(200));
    const { notifier: n } = notifier(hook.url);
    n.notify('approval.requested', approvalRequest('ap_tampered000000000000001'));
    await n.idle();
    const { headers, body } = hook.received[0]!;
    const header = String(headers['toolgate-signature']);
    const t = Number(/t=(\d+)/.exec(header)![1]) * 1000;

    assert.deepEqual(verifyWebhook(SECRET, header, body.replace('Spring', 'Autumn'), t), { ok: false, reason: 'bad signature' });
    assert.deepEqual(verifyWebhook('another-secret', header, body, t), { ok: false, reason: 'bad signature' });
    assert.deepEqual(verifyWebhook(SECRET, header.replace(/t=\d+/, `t=${t / 1000 + 1}`), body, t), { ok: false, reason: 'bad signature' }, 'the timestamp is signed');
    assert.deepEqual(verifyWebhook(SECRET, header, body, t + 301_000), { ok: false, reason: 'outside the tolerance' });
    assert.deepEqual(verifyWebhook(SECRET, header, body, t - 301_000), { ok: false, reason: 'outside the tolerance' });
    assert.ok(verifyWebhook(SECRET, header, body, t + 300_000).ok, 'five minutes late is still within the default tolerance');
    assert.ok(verifyWebhook(SECRET, header, Buffer.from(body), t).ok, 'the raw bytes verify as the text does');
    assert.ok(verifyWebhook(SECRET, `v1=${'0'.repeat(64)},${header}`, body, t).ok, 'any one v1 entry may match (secret rotation)');
    for (const malformed of [undefined, '', 'v1=abc', `t=${t / 1000}`, `t=soon,v1=${'0'.repeat(64)}`, header.replace(/v1=/, 'v0='), 42]) {
      assert.deepEqual(verifyWebhook(SECRET, malformed, body, t), { ok: false, reason: 'malformed' }, String(malformed));
    }
  });

  test('a receiver that is down, then up, gets the event after retries', async () => {
    const port = await closedPort();
    const { notifier: n, log } = notifier(`http://127.0.0.1:${port}/hooks/toolgate`);
    n.notify('approval.requested', approvalRequest('ap_downthenup0000000000001'));
    await waitFor(() => log.filter((entry) => entry.msg === 'approval webhook not delivered; will retry').length >= 2, 'two refused connections');
    assert.equal(log.find((entry) => entry.error !== undefined)?.error, 'ECONNREFUSED');

    const hook = await receiver(always(200), port);
    await n.idle();
    assert.equal(hook.received.length, 1, 'delivered once the receiver is up');
    assert.ok(verifyWebhook(SECRET, hook.received[0]!.headers['toolgate-signature'], hook.received[0]!.body, Date.now()).ok, 'the retried body is signed');
  });

  test('5xx and 429 are retried, with the same event id, until a 2xx', async () => {
    const hook = await receiver(inTurn(500, 429, 503, 200));
    const { notifier: n } = notifier(hook.url);
    n.notify('approval.requested', approvalRequest('ap_retried0000000000000001'));
    await n.idle();
    assert.equal(hook.received.length, 4, 'three failures, then the delivery');
    assert.equal(new Set(hook.received.map((r) => r.headers['toolgate-event-id'])).size, 1, 'every attempt is the same event');
    assert.equal(new Set(hook.received.map((r) => r.body)).size, 1, 'every attempt sends the same body');
  });

  test('a 4xx other than 429 is not retried, and is logged', async () => {
    const hook = await receiver(always(400));
    const { notifier: n, log } = notifier(hook.url);
    n.notify('approval.requested', approvalRequest('ap_refused0000000000000001'));
    await n.idle();
    await sleep(100);
    assert.equal(hook.received.length, 1, 'one attempt only');
    assert.ok(log.some((entry) => entry.level === 40 && entry.status === 400 && String(entry.msg).includes('not retried')), 'the refusal is logged as a warning');
  });

  test('a POST that gets no answer in time is retried', async () => {
    const hook = await receiver((n) => (n === 0 ? 'hang' : 200));
    const { notifier: n, log } = notifier(hook.url, { timeoutMs: 100 });
    n.notify('approval.requested', approvalRequest('ap_timedout0000000000000001'));
    await n.idle();
    assert.equal(hook.received.length, 2, 'the hung attempt and the retry');
    assert.ok(log.some((entry) => entry.error === 'no answer within 100 ms'), 'the timeout is logged');
  });

  test('a new request stops being retried once it expires, and one already expired is not sent', async () => {
    let now = Date.now();
    const hook = await receiver(always(500));
    const { notifier: n, log } = notifier(hook.url, { maxAttempts: 1_000, clock: () => now });
    n.notify('approval.requested', approvalRequest('ap_expiring000000000000001', { expiresAt: now + HOUR }));
    await waitFor(() => hook.received.length >= 2, 'two attempts');
    now += HOUR;
    await n.idle();
    const attempts = hook.received.length;
    await sleep(150);
    assert.equal(hook.received.length, attempts, 'no attempt after the expiry');
    assert.ok(attempts <= 3, `at most the attempt under way when the clock moved: ${attempts}`);
    assert.ok(log.some((entry) => entry.msg === 'approval webhook gave up on the event' && /expire/.test(String(entry.reason))), 'giving up is logged with why');

    n.notify('approval.requested', approvalRequest('ap_expired0000000000000001', { expiresAt: now - 1 }));
    await n.idle();
    assert.equal(hook.received.length, attempts, 'an expired request is not announced');
  });

  test('a decision is retried past the request expiry, up to the most attempts', async () => {
    const hook = await receiver(always(503));
    const { notifier: n } = notifier(hook.url, { maxAttempts: 3 });
    n.notify('approval.decided', approvalRequest('ap_maxattempts00000000001', { state: 'denied', expiresAt: Date.now() - 1 }));
    await n.idle();
    await sleep(100);
    assert.equal(hook.received.length, 3, 'three attempts, then no more');
  });

  test('notify returns at once and close stops the retries', async () => {
    const hook = await receiver(always(500));
    const { notifier: n } = notifier(hook.url, { firstRetryMs: 30 });
    n.notify('approval.requested', approvalRequest('ap_closed00000000000000001'));
    assert.equal(hook.received.length, 0, 'notify returned before the receiver read anything');
    assert.equal(n.pending, 1);
    await waitFor(() => hook.received.length >= 1, 'the first attempt');
    n.close();
    assert.equal(n.pending, 0, 'close ends every delivery');
    await n.idle();
    await sleep(150);
    assert.equal(hook.received.length, 1, 'no retry after close');
    n.notify('approval.requested', approvalRequest('ap_afterclose0000000000001'));
    assert.equal(n.pending, 0, 'a closed notifier queues nothing');
  });

  test('a missing secret is refused at construction, and an event that cannot be built is logged, not thrown', async () => {
    const logger = pino({ level: 'silent' });
    assert.throws(() => new WebhookNotifier({ url: 'http://127.0.0.1:1/', secret: '', logger }), /needs a secret/);
    assert.throws(() => new WebhookNotifier({ url: 'http://127.0.0.1:1/', secret: SECRET, logger, links: { baseUrl: 'https://t.example', secret: '' } }), /need a secret/);
    assert.throws(() => new WebhookNotifier({ url: 'http://127.0.0.1:1/', secret: SECRET, logger, queueCap: 0 }), /at least 1/);
    const hook = await receiver(always(200));
    const { notifier: n, log } = notifier(hook.url, { links: { baseUrl: 'https://toolgate.example.com', secret: LINK_SECRET } });
    n.notify('approval.requested', approvalRequest('not/a/link/id'));
    assert.equal(n.pending, 0, 'nothing queued');
    assert.ok(log.some((entry) => entry.level === 50 && entry.approval === 'not/a/link/id'), 'the failure is logged with the request');
  });

  test('a full queue drops the oldest event and counts it', async () => {
    const port = await closedPort();
    const { notifier: n, log } = notifier(`http://127.0.0.1:${port}/hooks/toolgate`, { queueCap: 2 });
    for (const id of ['ap_queued000000000000000001', 'ap_queued000000000000000002', 'ap_queued000000000000000003']) n.notify('approval.requested', approvalRequest(id));
    assert.equal(n.pending, 2, 'the queue holds its cap');
    assert.equal(n.dropped, 1, 'one event dropped');
    assert.ok(log.some((entry) => entry.msg === 'approval webhook queue full; oldest event dropped' && entry.approval === 'ap_queued000000000000000001'), 'the drop names the event');

    const hook = await receiver(always(200), port);
    await n.idle();
    const delivered = hook.received.map((r) => (JSON.parse(r.body) as { approval: { id: string } }).approval.id).sort();
    assert.deepEqual(delivered, ['ap_queued000000000000000002', 'ap_queued000000000000000003']);
  });
});
