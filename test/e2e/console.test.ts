import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { buildConsole } from '../../console/build.js';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import { browserSkip, launchBrowser, screenshot, seriousViolations, signIn, type TestBrowser } from '../support/browser.js';
import { FIXTURE, httpClient, startGateway, type RunningGateway } from './harness.js';

/**
 * The web console in a real Chromium, in front of a real gateway, the fixture server and an SDK client as the agent:
 * signing in, the Servers page, and an approval held by the agent's call, seen live and approved on the page.
 */

const skip = browserSkip();
/** `echo` waits for a person; its arguments are shown in full, so the card can lay them out. */
const POLICY = {
  version: '1',
  default: 'allow',
  tools: { echo: { approval: { timeout: '2m' }, audit: { args: 'full' } }, pid: { approval: { timeout: '2m', quorum: 2 } } },
};
const alice = mintAdminToken();
const bob = mintAdminToken();
const ARGUMENTS = { message: 'hi', context: { ticket: 'T-1', tags: ['billing', 'urgent'] } };

let gateway: RunningGateway;
let agent: Client;
let browser: TestBrowser;
let page: Page;

before(async () => {
  if (skip) return;
  await buildConsole();
  gateway = await startGateway({ fixture: { ...FIXTURE, policy: POLICY } }, { admin: { tokens: [{ label: 'alice', sha256: alice.sha256 }, { label: 'bob', sha256: bob.sha256 }] } });
  agent = await httpClient(gateway.url('fixture'));
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await agent?.close();
  await gateway?.close();
});

/** The console's session cookie, as the browser holds it, for requests made beside the page. */
async function sessionCookie(): Promise<{ header: string; httpOnly: boolean; sameSite: string }> {
  const cookie = (await browser.context.cookies(gateway.base)).find(({ name }) => name === 'toolgate_console');
  assert.ok(cookie, 'the browser holds the console session cookie');
  return { header: `${cookie.name}=${cookie.value}`, httpOnly: cookie.httpOnly, sameSite: cookie.sameSite };
}

describe('the web console', { skip }, () => {
  test('is served with a strict Content-Security-Policy: index.html never cached, its hashed assets cached a year', async () => {
    const index = await fetch(`${gateway.base}/console`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/, 'scripts from the gateway only, none inline');
    assert.match(csp, /frame-ancestors 'none'/, 'the console cannot be framed');
    const html = await index.text();
    assert.doesNotMatch(html, /<script>|<style>|style=/, 'index.html has no inline script or style');
    const script = /src="(\/console\/assets\/console-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    assert.ok(script, `index.html names a hashed script: ${html}`);
    const asset = await fetch(gateway.base + script);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await fetch(`${gateway.base}/console/assets/..%2F..%2Fpackage.json`)).status, 404, 'only files the build wrote are served');
  });

  test('refuses a wrong admin token with a message that says so', async () => {
    await page.goto(`${gateway.base}/console`);
    assert.equal(await seriousViolations(page).then((v) => JSON.stringify(v)), '[]', 'no serious accessibility violation on the sign-in page');
    await signIn(page, mintAdminToken().token);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.textContent(), 'sign-in refused: not an admin token');
    await screenshot(page, 'sign-in-refused');
    assert.equal((await browser.context.cookies(gateway.base)).length, 0, 'a refused sign-in sets no cookie');
  });

  test('signs in with the admin token, keeps no secret in storage or the URL, and lists the servers', async () => {
    await signIn(page, alice.token);
    await page.getByRole('navigation', { name: 'Console pages' }).waitFor();
    // The console opens on the Overview.
    await page.getByRole('link', { name: 'Servers' }).click();
    const row = page.getByRole('row', { name: /fixture/ });
    await row.waitFor();
    const tools = (await agent.listTools()).tools.length;
    assert.deepEqual(await row.getByRole('cell').allTextContents(), ['Connected', 'stdio', String(tools), '0']);
    assert.match((await page.locator('.who').textContent()) ?? '', /Signed in as alice/);
    const cookie = await sessionCookie();
    assert.deepEqual([cookie.httpOnly, cookie.sameSite], [true, 'Strict'], 'the session cookie is HttpOnly and SameSite=Strict');
    const stored = (await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])')) as string;
    const sessionId = cookie.header.split('=')[1]!;
    for (const secret of [alice.token, sessionId]) {
      assert.ok(!stored.includes(secret), 'no secret in localStorage, sessionStorage or a script-readable cookie');
      assert.ok(!page.url().includes(secret), `no secret in the URL ${page.url()}`);
    }
    assert.equal(await seriousViolations(page).then((v) => JSON.stringify(v)), '[]', 'no serious accessibility violation on the Servers page');
    await screenshot(page, 'servers');
  });

  test('shows a held call within a second of the agent’s tools/call, and approving it on the page completes the call', async () => {
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByText('Nothing is waiting.').waitFor();
    // Timed in the page, when the card is put in the document: not when a locator's polling next looks.
    await page.evaluate(
      `void (window.cardShownAt = new Promise((resolve) => new MutationObserver((_, observer) => { if (document.querySelector("article")) { observer.disconnect(); resolve(Date.now()); } }).observe(document.body, { childList: true, subtree: true })))`,
    );
    const calledAt = Date.now();
    const call = agent.callTool({ name: 'echo', arguments: ARGUMENTS }, { onprogress: () => {} });
    const card = page.getByRole('article', { name: 'echo on fixture' });
    await card.waitFor({ timeout: 5_000 });
    const shownMs = ((await page.evaluate('window.cardShownAt')) as number) - calledAt;
    const args = card.locator('.value-map').first();
    assert.equal(await args.locator(':scope > div > dt').allTextContents().then((names) => names.join(',')), 'message,context', 'each argument is a term of a definition list');
    assert.equal(await args.locator('dd .value-map dt').allTextContents().then((names) => names.join(',')), 'ticket,tags', 'a nested object is laid out the same way');
    assert.deepEqual(await args.locator('ol li').allTextContents(), ['billing', 'urgent'], 'a list is a list');
    assert.match((await card.locator('time').textContent()) ?? '', /^1 min \d\d s left$/, 'the time left is counted down');
    assert.equal(await seriousViolations(page).then((v) => JSON.stringify(v)), '[]', 'no serious accessibility violation on the Approvals page');
    await screenshot(page, 'approval-pending');

    await card.getByLabel('Reason (optional)').fill('looks right');
    const approvedAt = performance.now();
    await card.getByRole('button', { name: 'Approve' }).click();
    const result = (await call) as { content: { text: string }[] };
    const releasedMs = performance.now() - approvedAt;
    assert.equal(result.content[0]!.text, 'hi', 'the agent gets the server’s answer');
    console.log(`console: held call shown ${shownMs.toFixed(0)} ms after tools/call; call completed ${releasedMs.toFixed(0)} ms after Approve was clicked`);
    assert.ok(shownMs < 1_000, `the held call appeared within 1 s (${shownMs.toFixed(0)} ms)`);
    assert.ok(releasedMs < 1_000, `the approved call completed within 1 s of the click (${releasedMs.toFixed(0)} ms)`);
    const decided = page.getByRole('region', { name: 'Recent decisions' }).getByRole('row', { name: /echo on fixture/ });
    await decided.waitFor();
    assert.match((await decided.textContent()) ?? '', /alice approved: looks right/);
    await page.getByText('Nothing is waiting.').waitFor();
    await screenshot(page, 'approval-decided');
  });

  test('under a quorum the card shows who has decided, and a reason and a denial can be given with the keyboard alone', async () => {
    const call = agent.callTool({ name: 'pid', arguments: {} }, { onprogress: () => {} });
    const card = page.getByRole('article', { name: 'pid on fixture' });
    await card.waitFor({ timeout: 5_000 });
    const bobs = { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json' };
    const listed = (await (await fetch(`${gateway.base}/admin/approvals?server=fixture`, { headers: bobs })).json()) as { approvals: { id: string }[] };
    const approved = await fetch(`${gateway.base}/admin/approvals/${listed.approvals[0]!.id}/approve`, { method: 'POST', headers: bobs, body: JSON.stringify({ reason: 'fine by me' }) });
    assert.equal(approved.status, 200, 'bob approves through the admin API');
    await card.getByText('bob approved: fine by me').waitFor();
    assert.match((await card.textContent()) ?? '', /Quorum1 of 2 approvals/, 'the card counts the approvals against the quorum');
    await card.getByText('No arguments.').waitFor({ timeout: 1_000 });
    await screenshot(page, 'approval-quorum');

    await card.getByLabel('Reason (optional)').focus();
    await page.keyboard.type('not today');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Deny', 'Tab reaches Deny after Approve');
    await page.keyboard.press('Enter');
    const result = (await call) as { isError?: boolean; content: { text: string }[] };
    assert.equal(result.isError, true, 'the denied call is answered as refused');
    assert.match(result.content[0]!.text, /not today/, 'with the reason the approver gave');
  });

  test('a cookie-authenticated request that changes state needs the CSRF header and a same-origin Origin', async () => {
    const { header } = await sessionCookie();
    const { csrf } = (await (await fetch(`${gateway.base}/console/session`, { headers: { cookie: header } })).json()) as { csrf: string };
    const post = (headers: Record<string, string>) => fetch(`${gateway.base}/admin/approvals/ap_none/deny`, { method: 'POST', headers: { cookie: header, ...headers } });
    const withoutCsrf = await post({ origin: gateway.base });
    assert.equal(withoutCsrf.status, 403);
    assert.match(((await withoutCsrf.json()) as { error: string }).error, /x-toolgate-csrf/);
    assert.equal((await post({ 'x-toolgate-csrf': 'not-the-value', origin: gateway.base })).status, 403, 'a wrong CSRF value is refused');
    assert.equal((await post({ 'x-toolgate-csrf': csrf })).status, 403, 'no Origin is refused');
    assert.equal((await post({ 'x-toolgate-csrf': csrf, origin: 'http://localhost:1' })).status, 403, 'another origin is refused');
    assert.equal((await post({ 'x-toolgate-csrf': csrf, origin: gateway.base })).status, 404, 'with both it reaches the endpoint (no such request)');
    assert.equal((await fetch(`${gateway.base}/admin/servers`, { headers: { cookie: header } })).status, 200, 'a GET needs the cookie alone');
  });

  test('signing out ends the session: the page asks to sign in, and the old cookie no longer opens the admin API', async () => {
    const { header } = await sessionCookie();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    assert.equal((await fetch(`${gateway.base}/admin/servers`, { headers: { cookie: header } })).status, 401);
  });

  test('throttles wrong credentials per address: the sixth within a minute is told to wait', async () => {
    const attempt = () => fetch(`${gateway.base}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: gateway.base }, body: JSON.stringify({ token: 'tga_wrong' }) });
    // The wrong sign-in made on the page was forgotten when alice signed in.
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt()).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 401]);
    const refused = await attempt();
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0, 'the refusal says when to try again');
  });
});

describe('the web console switched off', () => {
  let off: RunningGateway;
  before(async () => (off = await startGateway({ fixture: FIXTURE }, { admin: { tokens: [{ label: 'alice', sha256: alice.sha256 }] }, console: { enabled: false } })));
  after(() => off?.close());

  test('answers 404 on every console path, and the admin API still answers to the Bearer token', async () => {
    for (const [method, path] of [['GET', '/console'], ['GET', '/console/assets/console.js'], ['POST', '/console/session']] as const) {
      const response = await fetch(off.base + path, { method, headers: { origin: off.base } });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.match(((await response.json()) as { error: string }).error, /console\.enabled: false/);
    }
    const servers = await fetch(`${off.base}/admin/servers`, { headers: { authorization: `Bearer ${alice.token}` } });
    const body = (await servers.json()) as { servers: { name: string; transport: string; connected: boolean }[] };
    assert.deepEqual(body.servers.map(({ name, transport, connected }) => [name, transport, connected]), [['fixture', 'stdio', true]]);
  });
});
