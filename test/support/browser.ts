import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { unavailable } from './services.js';

/** Debian's chromium, which .ci/run installs with apt-get: never a browser build downloaded by playwright. */
export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots for a person to look at after a run (gitignored). */
export const SCREENSHOTS = 'test-results/console';

/** Headless, and quiet: no GPU, and no calls home for updates, sync or field trials from a test run. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why browser tests are skipped (no Chromium), or undefined; under TOOLGATE_TEST_SERVICES=required, an error instead. */
export function browserSkip(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : unavailable(`there is no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

export interface TestBrowser {
  readonly context: BrowserContext;
  /** Removes the profile too. */
  close(): Promise<void>;
}

/** Chromium with a fresh profile (no cookie, storage or cache from another run), sized as a laptop screen. */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'toolgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 800 } });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in on the console's form, as a person does: the admin token typed, the button pressed. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AccessibilityViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. axe is evaluated by the DevTools protocol,
 * not added as a script tag, so the page's Content-Security-Policy (no inline script) stays as strict as served.
 */
export async function seriousViolations(page: Page): Promise<AccessibilityViolation[]> {
  await page.evaluate(AXE);
  const violations = (await page.evaluate(
    `axe.run(document).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))`,
  )) as AccessibilityViolation[];
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}
