import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromEventStream, statelessCalls, toolCall, type JsonRpcAnswer } from '../../bench/raw-session.js';
import type { AuditSink } from '../../src/audit/audit-sink.js';
import type { DecisionEntry } from '../../src/audit/audit-record.js';
import { openAuditSink } from '../../src/audit/open-audit-sink.js';
import { verifyLog } from '../../src/audit/verify-log.js';
import { testPostgres } from '../support/postgres.js';
import { testRedis } from '../support/redis.js';
import { startFleet, type Fleet } from '../support/replicas.js';
import { EVERYTHING, grantClient } from './harness.js';

/**
 * Three `toolgate serve` processes on one PostgreSQL and one Redis, behind a round-robin balancer, as a client of
 * the fleet meets them (issue #19): one limit, approvals decided anywhere, revocation everywhere, and a replica
 * killed under load losing no audit record. Clients speak 2026-07-28 (stateless), which any replica answers.
 */

const postgres = await testPostgres();
const redis = await testRedis();
const skip = postgres.skip ?? redis.skip;

const POLICY = {
  version: '1',
  default: 'allow',
  // Full arguments in the log, so each call the upstream saw can be found there by its arguments.
  all_tools: { audit: { args: 'full' } },
  tools: {
    read_thing: { limits: [{ counter: 'reads', window: 'minute', max: 30, scope: 'grant' }] },
    write_thing: { approval: { wait: 'hold', timeout: '5m' } },
    delete_thing: { approval: { wait: 'retry', timeout: '5m' } },
  },
};

type Args = Record<string, unknown>;

interface RawAnswer {
  status: number;
  /** The replica the balancer sent it to (X-Balancer-Backend), or the replica called directly. */
  backend?: string;
  answer?: JsonRpcAnswer;
}

let id = 0;

/** One stateless tools/call over plain fetch: what a 2026-07-28 agent sends, and where the balancer sent it. */
async function rawCall(fleet: Fleet, base: string, tool: string, args: Args, token = fleet.grantToken): Promise<RawAnswer> {
  const envelope = statelessCalls(fleet.url(base, 'rec').href, tool);
  const requestId = `raw-${++id}`;
  const response = await fetch(envelope.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, ...envelope.headers },
    body: toolCall(envelope, requestId, tool, args),
  });
  const text = await response.text();
  const backend = response.headers.get('x-balancer-backend') ?? base;
  if (!response.ok) return { status: response.status, backend };
  const sse = (response.headers.get('content-type') ?? '').includes('text/event-stream');
  return { status: response.status, backend, answer: sse ? fromEventStream(text, requestId) : (JSON.parse(text) as JsonRpcAnswer) };
}

const textOf = (result: { content?: unknown } | undefined) => ((result?.content as { text?: string }[] | undefined) ?? [])[0]?.text ?? '';

async function adminApi(fleet: Fleet, base: string, method: string, path: string, body?: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${fleet.adminToken}`, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The pending approval requests of `tool`, as a replica's admin API lists them. */
async function pending(fleet: Fleet, base: string, tool: string): Promise<{ id: string }[]> {
  const { body } = await adminApi(fleet, base, 'GET', '/admin/approvals?state=pending');
  return (body.approvals as { id: string; binding: { tool: string } }[]).filter((request) => request.binding.tool === tool);
}

/** The one pending request of `tool`, once a replica's admin API lists it. */
async function onePending(fleet: Fleet, base: string, tool: string): Promise<{ id: string }> {
  for (let i = 0; i < 100; i++) {
    const found = await pending(fleet, base, tool);
    if (found.length > 0) {
      assert.equal(found.length, 1, `one pending request of ${tool}`);
      return found[0]!;
    }
    await sleep(50);
  }
  throw new Error(`${base} listed no pending request of ${tool} within 5 s`);
}

/** Every decision the audit log holds for `tool`, oldest first. */
async function decisions(sink: AuditSink, tool: string): Promise<DecisionEntry[]> {
  const found: DecisionEntry[] = [];
  let after: number | undefined;
  do {
    const page = await sink.query({ tool, kind: 'request' }, { limit: 500, ...(after !== undefined && { after }) });
    for (const { entry } of page.entries) if (entry.kind === 'decision') found.push(entry);
    after = page.next;
  } while (after !== undefined);
  return found;
}

describe('three replicas behind a round-robin balancer, on PostgreSQL and Redis', { skip }, () => {
  let fleet: Fleet;
  let audit: AuditSink;

  before(async () => {
    fleet = await startFleet({ replicas: 3, postgres: postgres.url, redis: redis.url!, policy: POLICY });
    audit = await openAuditSink(fleet.sql);
  });
  after(async () => {
    await audit?.close();
    await fleet?.stop();
  });

  test('a limit of 30 a minute admits exactly 30 of 45 concurrent calls across the replicas, and the log says which', async () => {
    const answers = await Promise.all(Array.from({ length: 45 }, (_, i) => rawCall(fleet, fleet.balancer, 'read_thing', { id: `limit-${i}` })));
    assert.deepEqual(new Set(answers.map((a) => a.backend)), new Set(fleet.replicas.map((r) => r.base)), 'the balancer spread the calls over every replica');
    const results = answers.map((a) => a.answer?.result);
    const allowed = results.filter((r) => r?.isError === undefined);
    const refused = results.filter((r) => r?.isError === true);
    assert.equal(allowed.length, 30, 'exactly the limit was admitted');
    assert.equal(refused.length, 15);
    for (const result of refused) assert.match(textOf(result), /^\[POLICY DENIED\] Rate limit reached/);
    const logged = await decisions(audit, 'read_thing');
    assert.equal(logged.filter((d) => d.decision === 'allowed').length, 30, 'thirty allowed decisions in the log');
    assert.equal(logged.filter((d) => d.decision === 'rate_limited').length, 15, 'fifteen rate-limited decisions in the log');
    assert.equal(fleet.recordedCalls().filter((call) => call.name === 'read_thing').length, 30, 'the upstreams saw the thirty admitted calls only');
  });

  test('a call held on one replica is approved through another replica’s admin API and completes where it waits', async (t) => {
    const [held, approver] = fleet.replicas;
    const client = await grantClient(fleet.url(held!.base, 'rec'), fleet.grantToken, 'auto');
    try {
      const args = { id: 'held-1' };
      const call = client.callTool({ name: 'write_thing', arguments: args });
      const request = await onePending(fleet, approver!.base, 'write_thing');
      assert.equal(fleet.recordedCalls().filter((c) => c.name === 'write_thing').length, 0, 'nothing reached the upstream while held');
      const approved = await adminApi(fleet, approver!.base, 'POST', `/admin/approvals/${request.id}/approve`, {});
      const answeredAt = performance.now();
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      const result = await call;
      const releaseMs = performance.now() - answeredAt;
      t.diagnostic(`approve answer (replica B) to the agent's result (replica A): ${releaseMs.toFixed(0)} ms`);
      assert.equal(textOf(result), JSON.stringify({ name: 'write_thing', arguments: args }), 'the held call completed with the upstream’s answer');
      assert.ok(releaseMs < 5_000, `the held call went on within 5 s of the approval (took ${releaseMs.toFixed(0)} ms)`);
      assert.equal(fleet.recordedCalls().filter((c) => c.name === 'write_thing').length, 1, 'the upstream saw the call once');
    } finally {
      await client.close();
    }
  });

  test('a grant revoked through one replica is refused by every replica on its next request', async (t) => {
    const [issuer, revoker] = fleet.replicas;
    const created = await adminApi(fleet, issuer!.base, 'POST', '/admin/grants', { label: 'revocable', servers: ['*'] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const token = created.body.token as string;
    for (const replica of fleet.replicas) assert.equal((await rawCall(fleet, replica.base, 'refund', { amount: 1 }, token)).status, 200, `${replica.base} takes the new grant`);
    const revoked = await adminApi(fleet, revoker!.base, 'DELETE', '/admin/grants/revocable');
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const revokedAt = performance.now();
    const refusedAfter = await Promise.all(
      fleet.replicas.map(async (replica) => {
        let polls = 0;
        while (performance.now() - revokedAt < 1_000) {
          polls++;
          if ((await rawCall(fleet, replica.base, 'refund', { amount: 2 }, token)).status === 401) return { ms: performance.now() - revokedAt, polls };
        }
        return undefined;
      }),
    );
    t.diagnostic(`revocation to refusal, per replica: ${refusedAfter.map((r) => (r ? `${r.ms.toFixed(1)} ms (${r.polls} request)` : 'not refused')).join(', ')}`);
    refusedAfter.forEach((refused, i) => assert.ok(refused, `replica ${i} refused the revoked grant within a second`));
    assert.ok(refusedAfter.every((r) => r!.polls === 1), 'every replica refused the first request after the revocation: nothing about grants is cached');
  });

  test('a policy changed through one replica is in force on every other replica within a second', async (t) => {
    // Ten rounds of deny, then allow, the refund tool, each written through the next replica; the last allows it again.
    const rounds = 10;
    const samples: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const writer = fleet.replicas[round % fleet.replicas.length]!;
      const deny = round % 2 === 0;
      const changed = await adminApi(fleet, writer.base, 'PUT', '/admin/policies/rec/tools/refund', deny ? { rule: 'deny', message: `off in round ${round}` } : { rule: 'allow' });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      const changedAt = performance.now();
      const inForce = await Promise.all(
        fleet.replicas
          .filter((replica) => replica !== writer)
          .map(async (replica) => {
            while (performance.now() - changedAt < 1_000) {
              const refused = (await rawCall(fleet, replica.base, 'refund', { amount: round })).answer?.result?.isError === true;
              if (refused === deny) return performance.now() - changedAt;
            }
            return undefined;
          }),
      );
      inForce.forEach((ms, i) => assert.ok(ms !== undefined, `round ${round}: replica ${i} enforced the new rule within a second`));
      samples.push(...(inForce as number[]));
    }
    samples.sort((a, b) => a - b);
    const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!.toFixed(1);
    t.diagnostic(`policy written on one replica to the rule in force on another, ${samples.length} samples: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${samples.at(-1)!.toFixed(1)} ms`);
  });

  test('kill -9 of a replica under load: no audit record lost, no error on the others, a prompt error there, and a retry-mode approval survives', async (t) => {
    const victim = fleet.replicas[2]!;
    const survivor = fleet.replicas[0]!;
    const retryArgs = { id: 'retry-1' };
    const first = await rawCall(fleet, fleet.balancer, 'delete_thing', retryArgs);
    assert.match(textOf(first.answer?.result), /^\[APPROVAL PENDING\]/, 'the retry-mode call is answered at once');

    let killedAt = Infinity;
    let loading = true;
    interface Outcome {
      startedAt: number;
      ms: number;
      backend?: string;
      ok: boolean;
    }
    const outcomes: { balanced: Outcome[]; direct: Outcome[] } = { balanced: [], direct: [] };
    const load = async (base: string, into: Outcome[], name: string) => {
      for (let i = 0; loading; i++) {
        const startedAt = performance.now();
        const answer = await rawCall(fleet, base, 'refund', { amount: 1, call: `${name}-${i}` }).catch(() => undefined);
        const ok = answer?.status === 200 && answer.answer?.result?.isError === undefined;
        into.push({ startedAt, ms: performance.now() - startedAt, backend: answer?.backend, ok });
        // A client whose replica is gone waits a little before trying again, as a real one would.
        if (!ok) await sleep(20);
      }
    };
    const clients = [
      ...Array.from({ length: 8 }, (_, i) => load(fleet.balancer, outcomes.balanced, `balanced${i}`)),
      ...Array.from({ length: 2 }, (_, i) => load(victim.base, outcomes.direct, `direct${i}`)),
    ];
    await sleep(1_500);
    await victim.kill('SIGKILL');
    // From when it was gone: a call sent a moment before may have met it dying.
    killedAt = performance.now();
    await sleep(1_500);
    loading = false;
    await Promise.all(clients);

    const failedBalanced = outcomes.balanced.filter((o) => !o.ok);
    t.diagnostic(
      `balanced calls: ${outcomes.balanced.length} (${failedBalanced.length} failed, all on the killed replica); direct to the killed one: ${outcomes.direct.filter((o) => o.ok).length} answered, ${outcomes.direct.filter((o) => !o.ok).length} failed`,
    );
    for (const failure of failedBalanced) assert.equal(failure.backend, victim.base, 'a call through the balancer failed only where it was sent to the killed replica');
    assert.ok(failedBalanced.every((o) => o.startedAt < killedAt), 'every call through the balancer that began after the kill succeeded: the dead replica is skipped');
    assert.ok(outcomes.balanced.some((o) => o.ok && o.startedAt > killedAt), 'calls through the balancer went on after the kill');
    const directFailures = outcomes.direct.filter((o) => !o.ok);
    assert.ok(directFailures.length > 0, 'the clients of the killed replica saw it go');
    const slowest = Math.max(...directFailures.map((o) => o.ms));
    t.diagnostic(`slowest failed call on the killed replica: ${slowest.toFixed(0)} ms`);
    assert.ok(slowest < 5_000, `calls in flight on the killed replica failed promptly, not hung (slowest ${slowest.toFixed(0)} ms)`);

    const seen = fleet.recordedCalls().filter((c) => c.name === 'refund' && typeof c.arguments.call === 'string');
    const logged = new Set((await decisions(audit, 'refund')).filter((d) => d.decision === 'allowed').map((d) => (d.args as Args).call));
    const lost = seen.filter((c) => !logged.has(c.arguments.call));
    t.diagnostic(`calls the upstreams saw: ${seen.length}, each with its allowed decision in the log: ${seen.length - lost.length}`);
    assert.ok(seen.length > 0, 'the upstreams saw the load');
    assert.deepEqual(lost, [], 'every call an upstream saw has its decision in the audit log');

    // It outlived the replica that may have made it: the request is in PostgreSQL.
    const request = await onePending(fleet, survivor.base, 'delete_thing');
    assert.equal((await adminApi(fleet, survivor.base, 'POST', `/admin/approvals/${request.id}/approve`, {})).status, 200);
    const retried = await rawCall(fleet, fleet.balancer, 'delete_thing', retryArgs);
    assert.equal(textOf(retried.answer?.result), JSON.stringify({ name: 'delete_thing', arguments: retryArgs }), 'the approved call goes through once, on a surviving replica');
    assert.notEqual(retried.backend, victim.base);
    assert.match(textOf((await rawCall(fleet, fleet.balancer, 'delete_thing', retryArgs)).answer?.result), /^\[APPROVAL PENDING\]/, 'and only once');
    assert.equal(fleet.recordedCalls().filter((c) => c.name === 'delete_thing').length, 1, 'the upstreams saw it once');

    const verified = await verifyLog(audit);
    assert.ok(verified.ok, `the audit chain verifies: ${JSON.stringify(verified.chain)}`);
  });
});

describe('a legacy (2025) client of three replicas, its every request on the next one', { skip }, () => {
  let fleet: Fleet;
  before(async () => {
    fleet = await startFleet({ replicas: 3, postgres: postgres.url!, redis: redis.url!, servers: { everything: { ...EVERYTHING, policy: { version: '1', default: 'allow' } } } });
  });
  after(() => fleet?.stop());

  test('one session works end to end across the replicas: calls, progress, and sampling answered through another replica', async () => {
    const client = await grantClient(fleet.url(fleet.balancer, 'everything'), fleet.grantToken);
    try {
      client.setRequestHandler('sampling/createMessage', async () => ({ model: 'test-model', role: 'assistant', content: { type: 'text', text: 'sampled by the client' } }));
      // Round robin over three: of any three requests in a row, each replica gets one.
      for (let i = 0; i < 3; i++) {
        const echo = await client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
        assert.deepEqual(echo.content, [{ type: 'text', text: `Echo: call ${i}` }], `call ${i} of the session is answered wherever it lands`);
      }
      const progress: number[] = [];
      await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, { onprogress: (update) => progress.push(update.progress) });
      assert.deepEqual(progress, [1, 2, 3], 'progress comes from the replica that runs the call');
      for (let i = 0; i < 3; i++) {
        const sampled = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 10 } });
        assert.match(JSON.stringify(sampled), /sampled by the client/, `sampling round ${i}: the client's answer, posted to the next replica, reached the one that asked`);
      }
    } finally {
      await client.close();
    }
  });
});
