import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import type { AuditRequest } from '../../src/audit/join-outcomes.js';
import type { ActivityOverview } from '../../src/observability/recent-activity.js';
import { FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/** The console's Overview and audit detail on a real gateway, after real calls through it. */

const POLICY = {
  version: '1',
  default: 'deny',
  hide: ['big'],
  tools: {
    echo: { deny_if: [{ path: 'args.message', op: 'eq', value: 'forbidden' }] },
    pid: { limits: [{ counter: 'pids', window: 'minute', max: 1, scope: 'global' }] },
  },
};

const admin = mintAdminToken();
let gateway: RunningGateway;
let client: Client;

before(async () => {
  gateway = await startGateway({ fixture: { ...FIXTURE, policy: POLICY } }, { admin: { tokens: [{ label: 'alice', sha256: admin.sha256 }] } });
  client = await httpClient(gateway.url('fixture'));
  for (const message of ['one', 'two', 'three', 'forbidden']) await client.callTool({ name: 'echo', arguments: { message } });
  for (let i = 0; i < 2; i++) await client.callTool({ name: 'pid', arguments: {} });
  await client.callTool({ name: 'big', arguments: {} });
  // Outcomes are appended off the response path: give them their turn.
  await new Promise((resolve) => setTimeout(resolve, 50));
});

after(async () => {
  await client?.close();
  await gateway?.close();
});

async function get<T>(path: string): Promise<{ status: number; body: T & { error?: string } }> {
  const response = await fetch(`${gateway.base}${path}`, { headers: { authorization: `Bearer ${admin.token}` } });
  return { status: response.status, body: (await response.json()) as T & { error?: string } };
}

test('GET /admin/overview counts the calls just made by decision, with the most called and most denied tools', async () => {
  const { status, body } = await get<ActivityOverview>('/admin/overview?minutes=5');
  assert.equal(status, 200, JSON.stringify(body));
  assert.equal(body.scope, 'replica');
  // The calls may straddle a minute: the sum over the minutes is what was decided.
  const total = (decision: 'allowed' | 'denied' | 'rate_limited' | 'hidden') => body.perMinute.reduce((sum, minute) => sum + minute[decision], 0);
  assert.deepEqual([total('allowed'), total('denied'), total('rate_limited'), total('hidden')], [4, 1, 1, 1]);
  assert.deepEqual(body.topTools, [
    { server: 'fixture', tool: 'echo', calls: 4 },
    { server: 'fixture', tool: 'pid', calls: 2 },
    { server: 'fixture', tool: 'big', calls: 1 },
  ]);
  assert.deepEqual(body.topDenied, [
    { server: 'fixture', tool: 'big', calls: 1 },
    { server: 'fixture', tool: 'echo', calls: 1 },
  ]);
});

test('GET /admin/audit/<requestId> gives one call in full: its decision and its outcome; 404 for a request never made', async () => {
  const page = await get<{ requests: AuditRequest[] }>('/admin/audit?tool=echo&order=asc');
  assert.equal(page.status, 200, JSON.stringify(page.body));
  const [first] = page.body.requests;
  const { status, body } = await get<{ request: AuditRequest }>(`/admin/audit/${encodeURIComponent(first!.requestId)}`);
  assert.equal(status, 200, JSON.stringify(body));
  assert.deepEqual(body.request, first, 'the same record the page shows');
  assert.deepEqual([body.request.decision?.decision, body.request.decision?.args, body.request.outcome?.status], ['allowed', ['message'], 'ok']);
  const denied = page.body.requests.find((request) => request.decision?.decision === 'denied')!;
  const refusal = await get<{ request: AuditRequest }>(`/admin/audit/${denied.requestId}`);
  assert.deepEqual([refusal.body.request.decision?.rule, refusal.body.request.outcome], ['/tools/echo/deny_if/0', undefined], 'a refusal has no outcome');
  const absent = await get<unknown>('/admin/audit/00000000-0000-7000-8000-000000000000');
  assert.deepEqual([absent.status, absent.body.error], [404, 'no request 00000000-0000-7000-8000-000000000000 in the audit log']);
});
