import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import { canRunRedisServer, dropPrefix, freshPrefix, PrivateRedis, testRedis, withPrefix } from '../support/redis.js';
import { FIXTURE, startGateway, type RunningGateway } from './harness.js';

/**
 * The web console behind a load balancer with no sticky sessions: two gateways share `store.sessions` in the real
 * Redis, and the console's requests reach either. Signing in, signing out and the throttle on wrong credentials hold
 * across them; a Redis that does not answer is a 503, never signed in and never "not signed in".
 */

const redis = await testRedis();
const prefix = freshPrefix();
const alice = mintAdminToken();
const ADMIN = { admin: { tokens: [{ label: 'alice', sha256: alice.sha256 }] } };
const inMemoryBut = (sessions: string) => ({ store: { counters: 'memory', grants: 'memory', audit: 'memory', pins: 'memory', approvals: 'memory', sessions } });

const signIn = (base: string, token: string) =>
  fetch(`${base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ token }) });

/** Signs in on `base`: the cookie to send and the CSRF value sign-in gave. */
async function signedIn(base: string): Promise<{ cookie: string; csrf: string; expiresAt: number }> {
  const response = await signIn(base, alice.token);
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = response.headers.get('set-cookie')?.split(';')[0] ?? '';
  assert.ok(cookie.startsWith('toolgate_console='), `sign-in sets the session cookie: ${cookie}`);
  const { csrf, expiresAt } = (await response.json()) as { csrf: string; expiresAt: number };
  return { cookie, csrf, expiresAt };
}

describe('console sessions shared by two replicas', { skip: redis.skip }, () => {
  let a: RunningGateway;
  let b: RunningGateway;

  before(async () => {
    const sessions = withPrefix(redis.url!, prefix);
    a = await startGateway({ fixture: FIXTURE }, { ...ADMIN, ...inMemoryBut(sessions) });
    b = await startGateway({ fixture: FIXTURE }, { ...ADMIN, ...inMemoryBut(sessions) });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    if (redis.url) await dropPrefix(redis.url, prefix);
  });

  test('signed in on one replica, the console is signed in on the other: its session, and the admin API with cookie and CSRF header', async () => {
    const { cookie, csrf, expiresAt } = await signedIn(a.base);
    const session = await fetch(`${b.base}/console/session`, { headers: { cookie } });
    assert.equal(session.status, 200, 'the other replica knows the session');
    assert.deepEqual(await session.json(), { admin: 'alice', csrf, expiresAt }, 'as sign-in gave it: the reloaded page keeps its CSRF value');
    assert.equal((await fetch(`${b.base}/admin/servers`, { headers: { cookie } })).status, 200, 'a read with the cookie alone');
    const created = await fetch(`${b.base}/admin/grants`, {
      method: 'POST',
      headers: { cookie, 'x-toolgate-csrf': csrf, origin: b.base, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'made-on-b', servers: ['fixture'] }),
    });
    assert.equal(created.status, 201, `a change with the cookie and the CSRF value sign-in gave on the other replica: ${await created.clone().text()}`);
  });

  test('signing out on the second replica ends the session on the first', async () => {
    const { cookie, csrf } = await signedIn(a.base);
    const out = await fetch(`${b.base}/console/session`, { method: 'DELETE', headers: { cookie, 'x-toolgate-csrf': csrf, origin: b.base } });
    assert.equal(out.status, 200);
    assert.equal((await fetch(`${a.base}/console/session`, { headers: { cookie } })).status, 401, 'the first replica no longer knows it');
    assert.equal((await fetch(`${a.base}/admin/servers`, { headers: { cookie } })).status, 401, 'nor does its admin API');
  });

  test('five wrong credentials on one replica make the sixth, on the other, wait', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await signIn(a.base, 'tga_wrong')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const refused = await signIn(b.base, 'tga_wrong');
    assert.equal(refused.status, 429, 'the other replica counted them');
    assert.ok(Number(refused.headers.get('retry-after')) > 0, 'the refusal says when to try again');
    assert.equal((await signIn(b.base, alice.token)).status, 429, 'even the right token waits: the address is guessing');
  });
});

describe('console sessions when the fleet’s Redis does not answer', { skip: (await canRunRedisServer()) ? undefined : 'redis-server is not installed' }, () => {
  let server: PrivateRedis;
  let gateway: RunningGateway;

  before(async () => {
    server = await PrivateRedis.start();
    gateway = await startGateway({ fixture: FIXTURE }, { ...ADMIN, ...inMemoryBut(server.url) });
  });
  after(async () => {
    await gateway?.close();
    await server?.stop();
  });

  test('is a 503 to try again, never signed in and never "not signed in"; back when Redis is', async () => {
    const { cookie, csrf } = await signedIn(gateway.base);
    await server.stop();
    const session = await fetch(`${gateway.base}/console/session`, { headers: { cookie } });
    assert.equal(session.status, 503, 'the session cannot be looked up: unavailable');
    assert.ok(Number(session.headers.get('retry-after')) > 0, 'with when to try again');
    assert.doesNotMatch(await session.text(), /127\.0\.0\.1|ECONNREFUSED/, 'the client is not told where the store is');
    assert.equal((await fetch(`${gateway.base}/admin/servers`, { headers: { cookie } })).status, 503, 'nor does the cookie open the admin API');
    assert.equal((await signIn(gateway.base, alice.token)).status, 503, 'a sign-in that cannot be counted or kept is not made');
    const out = await fetch(`${gateway.base}/console/session`, { method: 'DELETE', headers: { cookie, 'x-toolgate-csrf': csrf, origin: gateway.base } });
    assert.equal(out.status, 503, 'a sign-out that cannot end the session does not say it did');
    assert.equal((await fetch(`${gateway.base}/admin/servers`, { headers: { authorization: `Bearer ${alice.token}` } })).status, 200, 'the admin token still opens the admin API');
    await server.start();
    let again = 0;
    for (let i = 0; i < 50 && again !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = (await signIn(gateway.base, alice.token)).status;
    }
    assert.equal(again, 200, 'once Redis is back (an empty one here), signing in works again');
    assert.equal((await fetch(`${gateway.base}/console/session`, { headers: { cookie } })).status, 401, 'and the session the empty Redis lost is not signed in');
  });
});
