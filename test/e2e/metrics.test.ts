import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import { FIXTURE, httpClient, startGateway, until, type RunningGateway } from './harness.js';

/** `/metrics` through a real gateway, read with a Prometheus text-format parser. */

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];

async function scrape(gateway: RunningGateway, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const response = await fetch(`${gateway.base}/metrics`, { headers });
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheusTextFormat(await response.text()).map((family) => [family.name, family]));
}

/** The value of the counter or gauge series with exactly these labels (0 when there is none yet). */
function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = families.get(name);
  assert.ok(family, `${name} is exposed`);
  const series = family.metrics.find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === JSON.stringify(Object.entries(labels).sort()));
  return series ? Number(series.value) : 0;
}

/**
 * How many observations a histogram holds. The parser folds a labelled histogram's series into one set of buckets
 * (it drops their labels), so this reads a histogram that has a single series: its +Inf bucket.
 */
function observations(families: Map<string, Family>, name: string): number {
  const family = families.get(name);
  assert.equal(family?.type, 'HISTOGRAM', `${name} is a histogram`);
  assert.equal(family.metrics.length, 1);
  return Number(family.metrics[0]!.buckets!['+Inf']);
}

const text = (result: { content?: unknown }) => (result.content as { text: string }[])[0]!.text;

describe('metrics of a gateway on loopback', () => {
  let gateway: RunningGateway;
  before(async () => {
    gateway = await startGateway({
      fixture: {
        ...FIXTURE,
        policy: {
          version: '1',
          default: 'allow',
          hide: ['big'],
          tools: {
            sleep: { deny_if: [{ path: 'args.ms', op: 'gt', value: 1000 }] },
            echo: { limits: [{ counter: 'echoes', window: 'minute', max: 5 }] },
          },
        },
      },
    }, { store: 'memory' });
  });
  after(async () => {
    await gateway?.close();
  });

  test('parses as Prometheus text, and counts calls by server, tool and decision, with their outcomes and latencies', async () => {
    const client = await httpClient(gateway.url('fixture'));
    try {
      for (let i = 0; i < 6; i++) await client.callTool({ name: 'echo', arguments: { message: `m${i}` } });
      await client.callTool({ name: 'sleep', arguments: { ms: 5000 } });
      await client.callTool({ name: 'sleep', arguments: { ms: 1 } });
      await client.callTool({ name: 'big', arguments: {} });
    } finally {
      await client.close();
    }
    const metrics = await scrape(gateway);
    const calls = (tool: string, decision: string) => valueOf(metrics, 'toolgate_calls_total', { server: 'fixture', method: 'tools/call', tool, decision });
    assert.deepEqual(
      { echoAllowed: calls('echo', 'allowed'), echoLimited: calls('echo', 'rate_limited'), sleepDenied: calls('sleep', 'denied'), sleepAllowed: calls('sleep', 'allowed'), bigHidden: calls('big', 'hidden') },
      { echoAllowed: 5, echoLimited: 1, sleepDenied: 1, sleepAllowed: 1, bigHidden: 1 },
    );
    assert.equal(valueOf(metrics, 'toolgate_call_outcomes_total', { server: 'fixture', method: 'tools/call', tool: 'echo', status: 'ok' }), 5);
    assert.equal(observations(metrics, 'toolgate_gateway_seconds'), 6, 'one latency per forwarded call');
    assert.equal(observations(metrics, 'toolgate_upstream_seconds'), 6);
    // The 4th and 5th echo leave the counter of 5 at 80% or more.
    assert.equal(valueOf(metrics, 'toolgate_limit_near_total', { server: 'fixture', counter: 'echoes' }), 2);
    assert.equal(valueOf(metrics, 'toolgate_upstream_up', { server: 'fixture' }), 1);
    assert.ok(metrics.has('toolgate_process_resident_memory_bytes'), 'process metrics are exposed too');
  });

  test('the audit chain head seq is the last entry written', async () => {
    const client = await httpClient(gateway.url('fixture'), 'auto');
    try {
      await client.callTool({ name: 'sleep', arguments: { ms: 1 } });
    } finally {
      await client.close();
    }
    const log = gateway.gateway.auditLog!;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const newest = (await log.query({}, { limit: 1, order: 'desc' })).entries[0]!;
    assert.equal(valueOf(await scrape(gateway), 'toolgate_audit_head_seq'), newest.seq);
  });

  test('open legacy sessions are a gauge', async () => {
    const sessions = async () => valueOf(await scrape(gateway), 'toolgate_sessions');
    const before = await sessions();
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const opened = await fetch(gateway.url('fixture'), {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    const id = opened.headers.get('mcp-session-id')!;
    assert.equal(await sessions(), before + 1);
    assert.equal((await fetch(gateway.url('fixture'), { method: 'DELETE', headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' } })).status, 200);
    assert.equal(await sessions(), before);
  });

  test('an upstream that dies and comes back counts as a restart', async () => {
    const client = await httpClient(gateway.url('fixture'));
    try {
      const pid = Number(text(await client.callTool({ name: 'pid', arguments: {} })));
      process.kill(pid, 'SIGKILL');
      const upstream = gateway.gateway.upstreams.get('fixture')!;
      await until(() => upstream.currentState !== 'ready', 5_000, 'the upstream to go down');
      await upstream.whenReady();
      assert.equal(valueOf(await scrape(gateway), 'toolgate_upstream_restarts_total', { server: 'fixture' }), 1);
    } finally {
      await client.close();
    }
  });

  test('only GET', async () => {
    const response = await fetch(`${gateway.base}/metrics`, { method: 'POST' });
    assert.equal(response.status, 405);
  });
});

describe('who may scrape', () => {
  const { token, sha256 } = mintAdminToken();
  let gateways: RunningGateway[] = [];
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    gateways = [];
  });

  test('with metrics.token_sha256 set, a scrape without that token is a 401, and the admin token does not do', async () => {
    const admin = mintAdminToken();
    const gateway = await startGateway({ fixture: FIXTURE }, { metrics: { token_sha256: sha256 }, admin: { token_sha256: admin.sha256 }, auth: 'grants' });
    gateways.push(gateway);
    for (const headers of [{}, { authorization: `Bearer ${admin.token}` }, { authorization: `Bearer ${token.slice(0, -1)}x` }] as Record<string, string>[]) {
      const response = await fetch(`${gateway.base}/metrics`, { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer /);
    }
    await scrape(gateway, { authorization: `Bearer ${token}` });
  });

  test('off loopback without a metrics token, /metrics is refused', async () => {
    const gateway = await startGateway({ fixture: FIXTURE }, { auth: 'grants' }, { host: '0.0.0.0' });
    gateways.push(gateway);
    const response = await fetch(`http://127.0.0.1:${new URL(gateway.base).port}/metrics`);
    assert.equal(response.status, 403);
    assert.match(await response.text(), /metrics\.token_sha256/);
  });

  test('refused credentials are counted: 401 unauthenticated, 403 a server the grant may not reach', async () => {
    const gateway = await startGateway({ fixture: FIXTURE, other: FIXTURE }, { metrics: { token_sha256: sha256 }, auth: 'grants' });
    gateways.push(gateway);
    const { token: grantToken } = await gateway.gateway.grants!.create({ label: 'fixture-only', servers: ['fixture'] }, Date.now());
    const post = (server: string, authorization?: string) =>
      fetch(`${gateway.base}/mcp/${server}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(authorization && { authorization }) },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
    assert.equal((await post('fixture')).status, 401);
    assert.equal((await post('fixture', 'Bearer tgk_nonsense')).status, 401);
    assert.equal((await post('other', `Bearer ${grantToken}`)).status, 403);
    const metrics = await scrape(gateway, { authorization: `Bearer ${token}` });
    assert.equal(valueOf(metrics, 'toolgate_auth_refusals_total', { reason: 'unauthenticated' }), 2);
    assert.equal(valueOf(metrics, 'toolgate_auth_refusals_total', { reason: 'forbidden' }), 1);
  });
});
