import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import type { ApprovalRequest } from '../../src/approvals/approval.js';
import { FIXTURE, startGateway, type RunningGateway } from './harness.js';

/**
 * JWT subjects as approvers, on a real gateway in front of the fixture server: agents and admins sign in with one
 * identity provider (a real HTTP server publishing its key), agents for the gateway's audience and people for the
 * admin API's. An agent's token never opens the admin API, and the same person as agent and as admin cannot approve
 * their own call.
 */

const ISSUER = 'https://idp.example.test/';
const AGENTS = 'toolgate';
const ADMINS = 'toolgate-admin';
const POLICY = { version: '1', default: 'allow', tools: { echo: { approval: { timeout: '2m', approvers: ['group:finance'], quorum: 2 } } } };
const carol = mintAdminToken();

const keys = await generateKeyPair('ES256');
const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
const idp = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks));

let gateway: RunningGateway;
let agent: Client;

const sign = (subject: string, audience: string | string[]) =>
  new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(audience).setSubject(subject).setExpirationTime('5m').sign(keys.privateKey);

before(async () => {
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/jwks`;
  gateway = await startGateway(
    { fixture: { ...FIXTURE, policy: POLICY } },
    {
      auth: 'jwt',
      jwt: { issuer: ISSUER, audience: AGENTS, jwks_url: jwksUrl },
      admin: { tokens: [{ label: 'carol', sha256: carol.sha256 }], jwt: { issuer: ISSUER, audience: ADMINS, jwks_url: jwksUrl } },
      approvals: { groups: { finance: ['alice', 'bob', 'carol'] } },
    },
  );
  agent = new Client({ name: 'alice-agent', version: '1.0.0' });
  await agent.connect(new StreamableHTTPClientTransport(gateway.url('fixture'), { requestInit: { headers: { authorization: `Bearer ${await sign('alice', AGENTS)}` } } }));
});

after(async () => {
  await agent?.close();
  await gateway?.close();
  await new Promise((resolve) => idp.close(resolve));
});

async function admin(token: string, method: string, path: string): Promise<{ status: number; body: Record<string, unknown>; authenticate: string | null }> {
  const response = await fetch(`${gateway.base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, authenticate: response.headers.get('www-authenticate') };
}

async function held(): Promise<ApprovalRequest> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { body } = await admin(carol.token, 'GET', '/admin/approvals?server=fixture');
    const [found] = body.approvals as ApprovalRequest[];
    if (found) return found;
    if (Date.now() > deadline) assert.fail('expected a pending request');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("bob approves as his JWT subject and carol with her token; alice's own admin JWT cannot count toward her call", async () => {
  const call = agent.callTool({ name: 'echo', arguments: { message: 'two sign-offs' } }, { onprogress: () => {} });
  const request = await held();
  assert.equal(request.binding.grant.label, 'alice', "the requester is the agent token's subject");
  const self = await admin(await sign('alice', ADMINS), 'POST', `/admin/approvals/${request.id}/approve`);
  assert.deepEqual([self.status, self.body.error], [409, 'alice made the request, and cannot decide it']);
  const byBob = await admin(await sign('bob', ADMINS), 'POST', `/admin/approvals/${request.id}/approve`);
  assert.equal(byBob.status, 200, JSON.stringify(byBob.body));
  assert.equal((byBob.body.approval as ApprovalRequest).state, 'pending', 'one of a quorum of two');
  const again = await admin(await sign('bob', ADMINS), 'POST', `/admin/approvals/${request.id}/approve`);
  assert.equal((again.body.approval as ApprovalRequest).state, 'pending', "bob's second approval counts once");
  const byCarol = await admin(carol.token, 'POST', `/admin/approvals/${request.id}/approve`);
  assert.equal((byCarol.body.approval as ApprovalRequest).state, 'approved', JSON.stringify(byCarol.body));
  assert.deepEqual((byCarol.body.approval as ApprovalRequest).decisions.map((d) => d.approver), ['bob', 'bob', 'carol']);
  assert.equal(((await call) as { content: { text: string }[] }).content[0]!.text, 'two sign-offs');
});

test("an agent's token opens nothing on the admin API: its audience is the gateway's, or the gateway's too", async () => {
  for (const [audience, why] of [
    [AGENTS, 'the token is for another audience'],
    [[ADMINS, AGENTS], "the token is for the agents' audience too: an admin's token must be for the admin API alone"],
  ] as const) {
    const refused = await admin(await sign('alice', [...[audience].flat()]), 'GET', '/admin/approvals');
    assert.deepEqual([refused.status, refused.body.error, refused.authenticate], [401, why, 'Bearer realm="toolgate-admin", error="invalid_token"'], `aud ${String(audience)}`);
  }
  const listed = await admin(await sign('dave', ADMINS), 'GET', '/admin/grants');
  assert.equal(listed.status, 200, 'a person the identity provider signs in for the admin API is an admin');
});

test('the identity provider out of reach: a JWT gets 503 and Retry-After, nothing is let in, an admin token still works', async () => {
  const gone = createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const { port } = gone.address() as AddressInfo;
  await new Promise((resolve) => gone.close(resolve));
  const cut = await startGateway(
    { fixture: FIXTURE },
    { admin: { tokens: [{ label: 'carol', sha256: carol.sha256 }], jwt: { issuer: ISSUER, audience: ADMINS, jwks_url: `http://127.0.0.1:${port}/jwks` } } },
  );
  try {
    const down = await fetch(`${cut.base}/admin/approvals`, { headers: { authorization: `Bearer ${await sign('bob', ADMINS)}` } });
    assert.deepEqual([down.status, down.headers.get('retry-after'), ((await down.json()) as { error: string }).error], [503, '5', "the identity provider's signing keys could not be fetched"]);
    const byToken = await fetch(`${cut.base}/admin/approvals`, { headers: { authorization: `Bearer ${carol.token}` } });
    assert.equal(byToken.status, 200, 'the admin token does not depend on the identity provider');
  } finally {
    await cut.close();
  }
});
