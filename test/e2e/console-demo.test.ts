import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { browserSkip, launchBrowser, screenshot, seriousViolations, signIn, type TestBrowser } from '../support/browser.js';
import { startDemo, type DemoProcess } from '../support/demo-process.js';

/**
 * Issue #18's "done when", as a newcomer does it: `toolgate demo` (what `npm start` runs), its printed console URL
 * opened in Chromium, signed in with its printed admin token; the demo servers' tools seen, a held refund approved,
 * and the call read in the log.
 */

const skip = browserSkip();
const REFUND = { name: 'payments_create_refund', arguments: { charge_id: 'ch_demo_2', amount: 5000, reason: 'duplicate' } };

type ToolResult = { isError?: boolean; content: { text: string }[] };

let demo: DemoProcess;
let agent: Client;
let browser: TestBrowser;
let page: Page;

before(async () => {
  if (skip) return;
  demo = await startDemo(process.execPath, ['--import', 'tsx', 'src/cli/main.ts']);
  agent = new Client({ name: 'demo-agent', version: '1' });
  await agent.connect(new StreamableHTTPClientTransport(new URL(demo.urls.servers.payments!)));
  browser = await launchBrowser();
  page = await browser.context.newPage();
});

after(async () => {
  await browser?.close();
  await agent?.close();
  await demo?.stop();
});

describe('the demo, through its console', { skip }, () => {
  test('the printed URL and admin token sign in', async () => {
    await page.goto(demo.urls.console!);
    await signIn(page, demo.urls.adminToken);
    await page.getByRole('navigation', { name: 'Console pages' }).waitFor();
    assert.match((await page.locator('.who').textContent()) ?? '', /Signed in as demo-admin/);
  });

  test('the Catalogue shows both demo servers\' tools, with what each policy does: one SmartLead tool limited, the deletion hidden', async () => {
    await page.getByRole('link', { name: 'Catalogue' }).click();
    const count = page.locator('#catalogue-count');
    await count.waitFor();
    assert.match((await count.textContent()) ?? '', /of 122 matching tools|^122 matching tools/, 'the 116 SmartLead tools and the 6 payments tools');
    const effect = async (tool: string) => (await page.locator('tbody tr').filter({ has: page.locator(`th code:text-is("${tool}")`) }).locator('.effect').textContent())?.trim() ?? '';
    await page.getByLabel('Server').selectOption('payments');
    assert.match(await effect('payments_delete_customer'), /^Hidden/, 'the destructive tool is hidden');
    assert.match(await effect('payments_create_refund'), /^Approval/, 'the refund waits for a person');
    await page.getByLabel('Server').selectOption('smartlead');
    await page.getByLabel('Name or description').fill('smartlead_create_client_api_key');
    assert.match(await effect('smartlead_create_client_api_key'), /^Limited/, 'the reference policy\'s one tool, limited to 30 a minute');
    assert.equal(await seriousViolations(page).then((v) => JSON.stringify(v)), '[]', 'no serious accessibility violation on the demo\'s catalogue');
    await screenshot(page, 'demo-catalogue');
  });

  test('a held refund appears on Approvals; approved there, the agent\'s identical call goes through', async () => {
    await page.getByRole('link', { name: 'Approvals' }).click();
    await page.getByText('Nothing is waiting.').waitFor();
    // The agent sends no progress token, so the demo answers at once and lets the identical call through once approved.
    const pending = (await agent.callTool(REFUND)) as ToolResult;
    assert.ok(pending.isError, 'the first call is answered at once');
    assert.match(pending.content[0]!.text, /^\[APPROVAL PENDING\]/);
    const card = page.getByRole('article', { name: 'payments_create_refund on payments' });
    await card.waitFor({ timeout: 5_000 });
    assert.equal(await card.locator('.value-map dt').allTextContents().then((names) => names.join(',')), 'charge_id,amount,reason', 'the refund\'s arguments, laid out');
    const shownDigest = (await card.locator('.digest code').textContent()) ?? '';
    assert.match(shownDigest, /^[0-9a-f]{64}$/, 'the card shows the digest of the arguments it approves');
    await screenshot(page, 'demo-approval');
    await card.getByLabel('Reason (optional)').fill('the customer was charged twice');
    await card.getByRole('button', { name: 'Approve' }).click();
    await card.waitFor({ state: 'detached' });
    const done = (await agent.callTool(REFUND)) as ToolResult;
    assert.equal(done.isError, undefined, done.content[0]!.text);
    assert.match(done.content[0]!.text, /"status":"succeeded"/, 'the refund reached the payments server');
    const audit = await fetch(`${new URL(demo.urls.url).origin}/admin/audit?kind=approval`, { headers: { authorization: `Bearer ${demo.urls.adminToken}` } });
    const { events } = (await audit.json()) as { events: { approval?: { event: string; digest: string; by?: string } }[] };
    const approved = events.find(({ approval }) => approval?.event === 'approved')?.approval;
    assert.deepEqual([approved?.by, approved?.digest], ['demo-admin', shownDigest], 'the audit log records the approval of exactly the arguments the approver was shown');
  });

  test('the Audit page shows the refund just made', async () => {
    await page.getByRole('link', { name: 'Audit' }).click();
    const table = page.locator('table.audit');
    await table.getByRole('cell', { name: 'payments_create_refund', exact: true }).first().waitFor();
    const tools = await table.locator('tbody tr td:nth-child(4)').allTextContents();
    assert.ok(tools.filter((tool) => tool === 'payments_create_refund').length >= 2, `the held call and the approved one are in the log: ${tools.join(', ')}`);
    await screenshot(page, 'demo-audit');
  });
});
