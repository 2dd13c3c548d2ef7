import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { buildConsole } from '../../console/build.js';
import { mintAdminToken } from '../../src/admin/admin-token.js';
import { browserSkip, launchBrowser, screenshot, seriousViolations, signIn, type TestBrowser } from '../support/browser.js';
import { FIXTURE, grantClient, startGateway, type RunningGateway } from './harness.js';

/**
 * The console's Overview, Audit, Grants and Policy pages in a real Chromium, in front of a real gateway (`auth:
 * grants`), the fixture server and SDK clients as agents: what the pages show is checked against the calls made.
 */

const skip = browserSkip();
/** echo's arguments are kept in full, so the audit page can show which call a record is. */
const POLICY = { version: '1', default: 'allow', tools: { echo: { audit: { args: 'full' } } } };
const ECHOES = 14;
const alice = mintAdminToken();
const file = join(mkdtempSync(join(tmpdir(), 'toolgate-console-pages-')), 'fixture.json');
writeFileSync(file, `${JSON.stringify(POLICY, null, 2)}\n`);

let gateway: RunningGateway;
let agent: Client;
let browser: TestBrowser;
let page: Page;

const noViolations = async (where: string) => assert.equal(JSON.stringify(await seriousViolations(page)), '[]', `no serious accessibility violation on ${where}`);
const echo = (client: Client, message: string) => client.callTool({ name: 'echo', arguments: { message } }) as Promise<{ isError?: boolean; content: { text: string }[] }>;

before(async () => {
  if (skip) return;
  await buildConsole();
  gateway = await startGateway({ fixture: { ...FIXTURE, policy: file } }, { auth: 'grants', admin: { tokens: [{ label: 'alice', sha256: alice.sha256 }] } });
  const { token } = await gateway.gateway.grants!.create({ label: 'agent', servers: ['*'] }, Date.now());
  agent = await grantClient(gateway.url('fixture'), token);
  // A policy change through the admin API, for the audit page to show among the calls.
  const set = await fetch(`${gateway.base}/admin/policies/fixture/tools/pid`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rule: 'deny', message: 'no process ids here' }),
  });
  assert.equal(set.status, 200, await set.text());
  // 14 calls are 28 entries: more than one page of the audit page's 25.
  for (let i = 0; i < ECHOES; i++) assert.equal((await echo(agent, `call-${i}`)).content[0]!.text, `call-${i}`);
  assert.equal(((await agent.callTool({ name: 'pid', arguments: {} })) as { isError?: boolean }).isError, true, 'pid is denied');
  browser = await launchBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.base });
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await agent?.close();
  await gateway?.close();
});

describe('the console’s pages', { skip }, () => {
  test('opens on the Overview, whose charts and tables count the calls just made', async () => {
    await page.goto(`${gateway.base}/console`);
    await signIn(page, alice.token);
    await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
    const totals = page.locator('table.totals td');
    await totals.first().waitFor();
    const counts = Object.fromEntries(await totals.evaluateAll((cells) => cells.map((cell) => [cell.getAttribute('data-decision'), Number(cell.textContent)])));
    assert.equal(counts.allowed, ECHOES, 'every echo counted as allowed');
    assert.equal(counts.denied, 1, 'the pid call counted as denied');
    const chart = page.getByRole('img', { name: /Calls per minute by decision/ });
    assert.match((await chart.getAttribute('aria-labelledby')) ?? '', /per-minute-title per-minute-desc/);
    assert.match((await page.locator('#per-minute-desc').textContent()) ?? '', new RegExp(`^${ECHOES + 1} calls in 60 minutes`));
    assert.ok((await chart.locator('rect').count()) >= 2, 'a column for the allowed calls and one for the denied');
    const topTools = page.getByRole('table', { name: 'Calls of each tool in the last hour' });
    assert.deepEqual(await topTools.getByRole('row', { name: /echo/ }).getByRole('cell').allTextContents().then((cells) => cells.slice(0, 2)), ['fixture', String(ECHOES)]);
    const topDenied = page.getByRole('table', { name: 'Calls denied, hidden or not granted in the last hour' });
    assert.deepEqual(await topDenied.getByRole('row').allTextContents().then((rows) => rows.slice(1)), ['pidfixture1'], 'only pid was denied');
    await noViolations('the Overview');
    await screenshot(page, 'overview');
  });

  test('the Audit page shows the call just made, opens its record, filters by tool and pages to older entries', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    const table = page.locator('table.audit');
    const firstRow = table.locator('tbody tr').first();
    await firstRow.waitFor();
    assert.match((await firstRow.textContent()) ?? '', /agentfixturepidDeniedno process ids here/, 'the newest entry is the pid call, denied with the policy’s message');

    await page.getByLabel('Tool').fill('echo');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await table.getByRole('cell', { name: 'pid', exact: true }).waitFor({ state: 'detached' });
    const tools = await table.locator('tbody tr td:nth-child(4)').allTextContents();
    assert.ok(tools.length > 1 && tools.every((tool) => tool === 'echo'), `only echo calls: ${tools.join(', ')}`);
    await table.getByRole('button', { name: /^Details of echo/ }).first().click();
    const detail = page.getByRole('region', { name: /^Request / });
    await detail.getByText('call-13').waitFor();
    assert.match((await detail.textContent()) ?? '', /DecisionAllowed/, 'the decision');
    assert.match((await detail.textContent()) ?? '', /Outcomeok/, 'and how the call ended');
    assert.deepEqual(await detail.locator('tbody td:nth-child(2)').allTextContents(), ['decision', 'outcome'], 'the chain links of the decision and of its outcome');
    const hashes = await detail.locator('code.hash').allTextContents();
    assert.ok(hashes.length === 4 && hashes.every((hash) => /^[0-9a-f]{64}$/.test(hash)), `each with its hash and the previous entry’s: ${hashes.join(' ')}`);
    await noViolations('the Audit page');
    await screenshot(page, 'audit-detail');
    await detail.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('button', { name: 'Older' }).click();
    await table.getByText(/page 2/).waitFor();
    await table.getByRole('button', { name: /^Details of echo/ }).last().click();
    await page.getByRole('region', { name: /^Request / }).getByText('call-0').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Older' }).isDisabled(), true, 'page 2 is the oldest');
    await screenshot(page, 'audit-older');
    await page.getByRole('button', { name: 'Newer' }).click();
    await table.getByText('The newest entries').waitFor();

    await page.getByLabel('Show').selectOption('policy');
    await page.getByLabel('Tool').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await table.getByText('Policy set (deny)').waitFor();
    assert.deepEqual(await table.locator('tbody tr td:nth-child(2)').allTextContents(), ['alice'], 'only the policy change, made by alice');
  });

  test('a grant created on the Grants page shows its token once; the copied token calls a tool; rotating and revoking refuse the old one', async () => {
    await page.getByRole('link', { name: 'Grants' }).click();
    await page.getByLabel('Label').fill('console-agent');
    await page.getByLabel('Expires after (optional)').fill('1d');
    await page.getByRole('button', { name: 'Create grant' }).click();
    const once = page.getByRole('region', { name: 'The token of console-agent' });
    await once.waitFor();
    assert.match((await once.textContent()) ?? '', /it will not be shown again/);
    const shown = (await once.locator('code.token').textContent()) ?? '';
    await once.getByRole('button', { name: 'Copy' }).click();
    await once.getByText('Copied to the clipboard.').waitFor();
    const copied = (await page.evaluate('navigator.clipboard.readText()')) as string;
    assert.equal(copied, shown, 'the clipboard holds the token shown');
    const row = page.getByRole('row', { name: /console-agent/ });
    assert.match((await row.textContent()) ?? '', /all servers/);
    await noViolations('the Grants page');
    await screenshot(page, 'grant-created');
    await once.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByText(copied).count(), 0, 'the token is gone from the page');

    const created = await grantClient(gateway.url('fixture'), copied);
    assert.equal((await echo(created, 'from the console')).content[0]!.text, 'from the console', 'the copied token works for tools/call');
    await created.close();

    await row.getByRole('button', { name: 'Rotate console-agent' }).click();
    await row.getByRole('button', { name: 'Rotate console-agent' }).click();
    const rotated = (await page.getByRole('region', { name: 'The token of console-agent' }).locator('code.token').textContent()) ?? '';
    assert.notEqual(rotated, copied, 'a new token');
    await assert.rejects(grantClient(gateway.url('fixture'), copied), /Unauthorized/, 'the old token is refused: no grace was given');
    const renewed = await grantClient(gateway.url('fixture'), rotated);
    assert.equal((await echo(renewed, 'rotated')).content[0]!.text, 'rotated');
    await page.getByRole('button', { name: 'Done' }).click();

    await row.getByRole('button', { name: 'Revoke console-agent' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm revoking console-agent' });
    assert.match((await confirm.textContent()) ?? '', /refused from its next call/);
    await confirm.getByRole('button', { name: 'Yes, revoke console-agent' }).click();
    await row.getByRole('button', { name: 'Revoke console-agent' }).waitFor({ state: 'detached' });
    await screenshot(page, 'grant-revoked');
    await assert.rejects(echo(renewed, 'after revoking'), /Unauthorized/, 'the revoked grant’s agent is refused');
    await renewed.close().catch(() => {});
  });

  test('the Policy page shows the version in force, explains a call, and a hand edit that does not validate as its reload error', async () => {
    await page.getByRole('link', { name: 'Policy' }).click();
    const { servers } = (await (await fetch(`${gateway.base}/admin/policies`, { headers: { authorization: `Bearer ${alice.token}` } })).json()) as { servers: { version: string }[] };
    const row = page.getByRole('row', { name: /^fixture/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', new RegExp(`file.*fixture\\.json.*${servers[0]!.version}.*ok$`), 'its source, version and reload');
    await page.getByRole('region', { name: 'The document in force' }).getByText('no process ids here').waitFor();

    await page.getByLabel('Tool').fill('pid');
    await page.getByLabel('Arguments (JSON)').fill('{nope');
    await page.getByRole('button', { name: 'Explain' }).click();
    await page.getByText(/^Arguments: not JSON/).waitFor();
    assert.equal(await page.getByLabel('Arguments (JSON)').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Arguments (JSON)').fill('{}');
    await page.getByRole('button', { name: 'Explain' }).click();
    const explanation = page.getByRole('region', { name: /^Decision:/ });
    await explanation.waitFor();
    assert.match((await explanation.textContent()) ?? '', /Decision: Denied.*Rule\/tools\/pid.*The agent readsno process ids here/);
    await noViolations('the Policy page');
    await screenshot(page, 'policy-explain');

    writeFileSync(file, '{ "version": "1", "default": "allow", "tools": { "echo": { "deny": "yes" } } }');
    const alert = page.getByRole('alert').filter({ hasText: 'failed to reload' });
    await alert.waitFor({ timeout: 15_000 });
    assert.match((await alert.textContent()) ?? '', new RegExp(`Version ${servers[0]!.version} stays in force.*/tools/echo/deny`));
    assert.match((await row.textContent()) ?? '', /failed$/);
    await noViolations('the Policy page with a reload error');
    await screenshot(page, 'policy-reload-error');
  });

  test('the Policy page lists the versions a change kept, and rolling back to one puts it in force for the agent\'s next call', async () => {
    const versions = page.getByRole('table', { name: /^Each version of the file that a change replaced/ });
    // Version 1 is the file as it was before the pid rule was set; the hand edit above was not made through the writer.
    const first = versions.getByRole('row', { name: /^1 / });
    await first.waitFor();
    await first.getByRole('button', { name: 'Roll back to 1' }).click();
    const status = page.getByRole('status').filter({ hasText: /^Version 1 is back in force as [0-9a-f]{12}\.$/ });
    await status.waitFor();
    const restored = /as ([0-9a-f]{12})/.exec((await status.textContent()) ?? '')![1]!;
    // At once, not at the next five-second read: the page's summary shows the version put back, and no reload error.
    await page.getByRole('row', { name: /^fixture/ }).filter({ hasText: restored }).waitFor({ timeout: 2_000 });
    assert.equal(await page.getByRole('alert').filter({ hasText: 'failed to reload' }).count(), 0, 'the reload error is gone');
    const pid = (await agent.callTool({ name: 'pid', arguments: {} })) as { isError?: boolean };
    assert.notEqual(pid.isError, true, 'the rolled-back policy, without the pid rule, is in force for the next call');
    const replaced = versions.getByRole('row', { name: /^2 / });
    assert.match((await replaced.textContent()) ?? '', /does not load/, 'the hand edit it replaced is kept too, marked as not loading');
    assert.equal(await replaced.getByRole('button').isDisabled(), true, 'a version that does not load cannot be put back');
    await noViolations('the Policy page\'s versions');
    await screenshot(page, 'policy-rolled-back');
  });
});
