import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { createPublicKey } from 'node:crypto';
import { pino } from 'pino';
import { MemoryAuditSink } from '../audit/memory-sink.js';
import { generateSigningKeys } from '../audit/signing-keys.js';
import { verifyLog } from '../audit/verify-log.js';
import { DocumentError } from '../documents/errors.js';
import { LOCAL_CALLER } from '../grants/authenticator.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { StoreFailures } from '../observability/store-failures.js';
import { AuditTrail } from './audit-trail.js';
import type { Session } from './session.js';

const dir = mkdtempSync(join(tmpdir(), 'toolgate-trail-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const keys = generateSigningKeys();
const signingKey = join(dir, 'audit-signing.pem');
writeFileSync(signingKey, keys.privatePem);

const PUBLISH_EVERY_MS = 100;
const session = { caller: LOCAL_CALLER, era: 'modern' } as unknown as Session;

function trail(): { trail: AuditTrail; heads: { auditSeq: number; auditHash: string }[] } {
  const heads: { auditSeq: number; auditHash: string }[] = [];
  const lines = new Writable({ write: (chunk: Buffer, _encoding, done) => (heads.push(JSON.parse(chunk.toString()) as (typeof heads)[number]), done()) });
  const metrics = new GatewayMetrics({ upstreams: () => [], sessions: () => 0, heldForApproval: () => 0 });
  const log = pino(lines);
  return { trail: new AuditTrail(log, new StoreFailures(log, metrics), metrics, PUBLISH_EVERY_MS), heads };
}

const refuse = (audit: AuditTrail) =>
  audit.refused(audit.begin({ session, method: 'tools/call', name: 'echo', known: true, params: { arguments: {} }, channel: {} }), {
    allow: false,
    message: 'no',
    rule: '(default deny)',
    reason: 'default',
  });
const intervals = (n: number) => new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS * n));

/** Waits for the interval to do its work, however busy the machine. */
async function until(done: () => boolean): Promise<void> {
  for (const started = Date.now(); !done(); await intervals(1)) assert.ok(Date.now() - started < 10_000, 'timed out');
}

test('with a signing key, the head is signed into the log each interval it moved and at close, then logged', async () => {
  const sink = new MemoryAuditSink();
  const { trail: audit, heads } = trail();
  audit.open(sink, { signing_key: signingKey });
  await refuse(audit);
  await refuse(audit);
  await until(() => heads.length > 0);
  assert.deepEqual(sink.entries.map(({ entry }) => entry.kind), ['decision', 'decision', 'checkpoint']);
  assert.deepEqual(sink.entries[2]!.entry.kind === 'checkpoint' && sink.entries[2]!.entry.head, { seq: 2, hash: sink.entries[1]!.hash });
  assert.deepEqual(heads.map(({ auditSeq, auditHash }) => ({ auditSeq, auditHash })), [{ auditSeq: 3, auditHash: sink.entries[2]!.hash }], 'the logged head is the checkpoint');
  await intervals(3);
  assert.equal(sink.entries.length, 3, 'nothing moved: no checkpoint, no line');
  assert.equal(heads.length, 1);
  await refuse(audit);
  await audit.close();
  assert.deepEqual(sink.entries.map(({ entry }) => entry.kind).slice(3), ['decision', 'checkpoint'], 'the shutdown checkpoint');
  assert.deepEqual(heads.at(-1) && { auditSeq: heads.at(-1)!.auditSeq, auditHash: heads.at(-1)!.auditHash }, { auditSeq: 5, auditHash: sink.entries[4]!.hash });
  const verified = await verifyLog(sink, { heads: [sink.entries[4]!], publicKeys: [createPublicKey(keys.publicPem)] });
  assert.equal(verified.ok, true, JSON.stringify(verified));
});

test('without a key, only the head is logged', async () => {
  const sink = new MemoryAuditSink();
  const { trail: audit, heads } = trail();
  audit.open(sink);
  await refuse(audit);
  await audit.close();
  assert.deepEqual(sink.entries.map(({ entry }) => entry.kind), ['decision']);
  assert.equal(heads.at(-1)?.auditSeq, 1);
});

test('a signing key that cannot be read or is not Ed25519 is a configuration error naming the field', () => {
  const notKey = join(dir, 'not-a-key.pem');
  writeFileSync(notKey, 'hello');
  for (const [file, message] of [
    [join(dir, 'absent.pem'), /\/audit\/signing_key: .*absent\.pem cannot be read: ENOENT/],
    [notKey, /\/audit\/signing_key: .*not-a-key\.pem is not a PEM private key/],
  ] as const) {
    const { trail: audit } = trail();
    assert.throws(() => audit.open(new MemoryAuditSink(), { signing_key: file }), (error: unknown) => error instanceof DocumentError && message.test(error.message));
  }
});

test('a refusal by a named rule records the name beside the pointer', async () => {
  const sink = new MemoryAuditSink();
  const { trail: audit } = trail();
  audit.open(sink);
  const call = audit.begin({ session, method: 'tools/call', name: 'pay', known: true, params: { arguments: { amount: 500 } }, channel: {} });
  await audit.refused(call, { allow: false, message: 'too much', rule: '/tools/pay/require/0', name: 'max amount', reason: 'condition' });
  await refuse(audit);
  await audit.close();
  const decisions = sink.entries.flatMap(({ entry }) => (entry.kind === 'decision' ? [[entry.rule, entry.ruleName]] : []));
  assert.deepEqual(decisions, [['/tools/pay/require/0', 'max amount'], ['(default deny)', undefined]]);
});
