/* eslint-disable @typescript-eslint/no-explicit-any -- answers off the wire are raw JSON */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startGateway, type RunningGateway } from '../e2e/harness.js';
import { Driver, MODERN } from './driver.js';
import { check, denialOf, FUZZ_POLICY, type Exchange, type Violation } from './invariants.js';
import { probe } from './messages.js';
import { answerOf } from '../support/answer.js';

/**
 * Random and mutated JSON-RPC against a gateway in front of a recording upstream, on both wires (legacy sessions and
 * stateless 2026-07-28), both endpoints (/mcp/rec and the aggregate /mcp) and the stdio endpoint. After each batch:
 * nothing the policy forbids and nothing that is not MCP reached the upstream, no 5xx, no hang, every policy decision
 * and every forwarded request is in the audit log. Violations are grouped by kind, each with its shortest message.
 *
 * Budget: TOOLGATE_FUZZ_SECONDS (default 30, the CI run); `npm run fuzz` runs ten minutes. TOOLGATE_FUZZ_SEED
 * replays a run (the seed is printed).
 */
const seconds = Number(process.env.TOOLGATE_FUZZ_SECONDS ?? 30);
const seed = process.env.TOOLGATE_FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.TOOLGATE_FUZZ_SEED);
const BATCH = { minLength: 16, maxLength: 48 };
/** Probes in flight at once (each stdio endpoint takes its lines one at a time regardless). */
const PARALLEL = 8;

describe('the gateway under fuzzed JSON-RPC', () => {
  let dir: string;
  let recordingFile: string;
  let running: RunningGateway;
  let driver: Driver;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'toolgate-fuzz-'));
    recordingFile = join(dir, 'upstream.jsonl');
    writeFileSync(recordingFile, '');
    running = await startGateway(
      { rec: { command: process.execPath, args: ['--import', 'tsx', 'test/fixtures/recording-server.ts', recordingFile], policy: FUZZ_POLICY } },
      { store: { counters: 'memory', grants: 'memory', audit: 'memory' }, auth: 'none' },
    );
    driver = new Driver(running, recordingFile);
    await driver.open();
    // What the handshake and the sessions' opening caused upstream is not the fuzzer's doing.
    driver.recording.read();
    await driver.audit.read();
  });

  after(async () => {
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('nothing forbidden or non-MCP reaches the upstream, nothing answers 5xx or hangs, every decision is audited', async () => {
    const found = new Map<string, { count: number; example: Violation; size: number }>();
    let messages = 0;
    const outcomes = new Map<string, Map<string, number>>();
    const started = Date.now();
    const record = (violation: Violation) => {
      const size = JSON.stringify(violation.exchange?.sent ?? violation.upstream ?? '').length;
      const known = found.get(violation.kind);
      if (!known) found.set(violation.kind, { count: 1, example: violation, size });
      else {
        known.count++;
        if (size < known.size) Object.assign(known, { example: violation, size });
      }
    };

    await fc.assert(
      fc.asyncProperty(fc.array(probe, BATCH), async (probes) => {
        const exchanges: Exchange[] = [];
        let next = 0;
        await Promise.all(
          Array.from({ length: PARALLEL }, async () => {
            while (next < probes.length) exchanges.push(await driver.send(probes[next++]!));
          }),
        );
        exchanges.push(await driver.sentinel());
        messages += probes.reduce((n, p) => n + (p.payload.kind === 'batch' ? p.payload.drafts.length : 1), 0);
        const upstream = driver.recording.read();
        const violations = check({ exchanges, upstream, upstreamIds: driver.recording.ids, audited: await driver.audit.read() });
        for (const violation of violations) record(attribute(violation, exchanges));
        for (const exchange of exchanges) tally(outcomes, exchange);
      }),
      { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false, seed },
    );

    const elapsed = (Date.now() - started) / 1000;
    const total = [...found.values()].reduce((n, v) => n + v.count, 0);
    console.log(`fuzz: ${messages} messages in ${elapsed.toFixed(1)} s (${Math.round(messages / elapsed)}/s), ${total} violations in ${found.size} classes, seed ${seed}`);
    console.log(`fuzz: answers by lane: ${[...outcomes].map(([lane, counts]) => `${lane} {${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}}`).join('; ')}`);
    assert.equal(found.size, 0, report(found));
  });

  test('the gateway still serves an allowed call on both wires, and the upstream was never restarted', async () => {
    const session = await driver.initialize('rec', '2025-11-25');
    const legacy = await fetch(running.url('rec'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_thing', arguments: { id: 'after' } } }),
    });
    assert.equal(legacy.status, 200);
    const legacyBody = await answerOf(legacy);
    assert.equal(legacyBody.result?.content?.[0]?.text, JSON.stringify({ name: 'read_thing', arguments: { id: 'after' } }));

    const modern = await fetch(running.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'refund' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'refund', arguments: { amount: 5 }, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } },
      }),
    });
    assert.equal(modern.status, 200);
    const modernBody = (await modern.json()) as any;
    assert.equal(modernBody.result?.content?.[0]?.text, JSON.stringify({ name: 'refund', arguments: { amount: 5 } }));

    assert.equal(running.gateway.upstreams.get('rec')?.currentState, 'ready');
    const handshakes = readFileSync(recordingFile, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"method":"initialize"'))
      .filter((line) => 'id' in (JSON.parse(line) as object));
    assert.equal(handshakes.length, 1, 'the upstream was initialized more than once: it died and was restarted');
  });
});

/** What kinds of answer each lane got, so a run shows that every wire was reached (not only refused at the door). */
function tally(outcomes: Map<string, Map<string, number>>, exchange: Exchange): void {
  let counts = outcomes.get(exchange.lane);
  if (!counts) outcomes.set(exchange.lane, (counts = new Map()));
  const kinds =
    exchange.failure !== undefined
      ? ['failed']
      : exchange.answers.length === 0
        ? [`${exchange.status} empty`]
        : exchange.answers.map((a: any) => (denialOf(a) ? 'denied' : a?.result !== undefined ? 'result' : `${exchange.status} error ${a?.error?.code}`));
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
}

/** An upstream finding names the message that caused it: the batch's exchange with the same method and name. */
function attribute(violation: Violation, exchanges: readonly Exchange[]): Violation {
  if (violation.exchange || !violation.upstream || typeof violation.upstream !== 'object') return violation;
  const line = violation.upstream as any;
  // The same method, the same kind (request or notification), and the same params but for what the gateway adds.
  const bare = (params: any) => JSON.stringify(params && typeof params === 'object' && !Array.isArray(params) ? { ...params, _meta: undefined } : params);
  const loose = (m: any) => m && typeof m === 'object' && m.method === line.method && 'id' in m === 'id' in line && JSON.stringify(m.params?.name) === JSON.stringify(line.params?.name);
  const exact = (m: any) => loose(m) && bare(m.params) === bare(line.params);
  const among = (match: (m: any) => boolean) => exchanges.filter((e) => (Array.isArray(e.sent) ? e.sent.some(match) : match(e.sent)));
  const candidates = among(exact).length > 0 ? among(exact) : among(loose);
  // A request the gateway rewrote before forwarding (logging/setLevel) matches loosely: prefer one that was answered.
  const answered = (e: Exchange) => (e.answers.some((a: any) => a?.result !== undefined) ? 0 : 1);
  candidates.sort((a, b) => answered(a) - answered(b) || JSON.stringify(a.sent).length - JSON.stringify(b.sent).length);
  return candidates[0] ? { ...violation, exchange: candidates[0] } : violation;
}

const clip = (value: unknown, max = 600) => {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
};

/** Every class found, with the shortest message that showed it: what was sent, how, the answer, what upstream saw. */
function report(found: Map<string, { count: number; example: Violation }>): string {
  const lines = [`${found.size} kinds of violation (seed ${seed}; replay with TOOLGATE_FUZZ_SEED=${seed}):`];
  for (const [kind, { count, example }] of [...found].sort((a, b) => b[1].count - a[1].count)) {
    lines.push('', `✗ ${kind}  ×${count}`);
    if (example.exchange) {
      const { lane, sent, headers, status, answers, failure } = example.exchange;
      lines.push(`    sent (${lane}): ${clip(sent)}`);
      if (headers) lines.push(`    headers: ${clip(headers, 300)}`);
      lines.push(`    answer: ${failure ?? `HTTP ${status ?? '-'} ${clip(answers)}`}`);
    }
    if (example.upstream !== undefined) lines.push(`    upstream received: ${clip(example.upstream)}`);
    if (example.detail) lines.push(`    detail: ${example.detail}`);
  }
  return lines.join('\n');
}
