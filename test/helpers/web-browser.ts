/**
 * One headless Debian Chromium for a whole browser test file, a fresh context
 * (own cookies) per person, a fake microphone playing a tone; and the checks
 * every page gets: axe-core run inside Chromium (no serious or critical
 * violations), screenshots at 360 px and 1280 px under test-artifacts/, no
 * request to another origin, no Content-Security-Policy violation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, toneFile } from './browser.js';
import { REPO_ROOT } from './server-process.js';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts', 'web');
const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface WebBrowser {
  browser: Browser;
  /** A new person (on `baseUrl`, or the browser's): own context and page, watched for foreign requests and CSP violations. */
  person(baseUrl?: string): Promise<{ context: BrowserContext; page: Page }>;
  /** Requests to another origin and CSP violations seen on any page so far. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * `hosts` maps test host names to loopback addresses (instances under test
 * host names over HTTPS with the test CA, whose certificates this browser
 * then does not check).
 */
export async function launchWebBrowser(baseUrl: string, hosts: Record<string, string> = {}): Promise<WebBrowser> {
  const toneDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tone-'));
  const rules = Object.entries(hosts).map(([host, ip]) => `MAP ${host} ${ip}`).join(',');
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 30_000,
    args: [...CHROMIUM_FLAGS, `--use-file-for-fake-audio-capture=${toneFile(toneDir)}`, ...(rules ? [`--host-resolver-rules=${rules}`] : [])],
  });
  const testHosts = Object.keys(hosts).length > 0;
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    browser,
    problems,
    async person(own = baseUrl) {
      const origin = new URL(own).origin;
      const context = await browser.newContext({
        baseURL: own, viewport: { width: 1280, height: 900 }, permissions: ['microphone', 'clipboard-read', 'clipboard-write'], ignoreHTTPSErrors: testHosts,
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('request', (req) => {
        const url = req.url();
        if (!url.startsWith(origin) && !url.startsWith('blob:') && !url.startsWith('data:')) problems.push(`request to another origin: ${url}`);
      });
      page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      return { context, page };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      fs.rmSync(toneDir, { recursive: true, force: true });
    },
  };
}

/** Gives a browser context the session cookies a test client signed in with. */
export async function signInContext(context: BrowserContext, cookieHeader: string, baseUrl: string): Promise<void> {
  await context.addCookies(cookieHeader.split('; ').map((kv) => {
    const i = kv.indexOf('=');
    return { name: kv.slice(0, i), value: kv.slice(i + 1), url: baseUrl };
  }));
}

interface AxeResult { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }

/** axe-core inside the page (evaluated, so the page's CSP does not apply to it): no serious or critical violation. */
export async function assertAccessible(page: Page, name: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => (globalThis as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run());
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`), [], `axe on ${name}`);
}

/** Screenshots of the page as it is, at 360 px and 1280 px wide (full page), then back to 1280. */
export async function screenshots(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
}

/** What the overflow check reads of the page's document (it runs in the page; the server build has no DOM types). */
interface PageDocument {
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): ArrayLike<{ tagName: string; className: string; getBoundingClientRect(): { right: number } }>;
}

/** Both checks for a page in a finished state. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await assertAccessible(page, name);
  await screenshots(page, name);
  // Narrow screens too: nothing wider than the viewport at 360 px.
  await page.setViewportSize({ width: 360, height: 900 });
  const overflow = await page.evaluate(() => {
    const { document } = globalThis as unknown as { document: PageDocument };
    return {
      width: document.documentElement.scrollWidth,
      culprits: Array.from(document.querySelectorAll('body *')).filter((e) => e.getBoundingClientRect().right > 362).slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}`),
    };
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(overflow.width <= 362, `${name}: the page is ${overflow.width} px wide at 360 px (${overflow.culprits.join(', ')})`);
}

/** The password every account made through the pages uses. */
export const PAGE_PASSWORD = 'correct horse battery';

/**
 * Signs up through the landing page (with an invite code when given), ticks
 * "saved" on the recovery codes page (`heading`: the instance name the
 * landing page must show) and goes on to the personas page;
 * answers the recovery codes shown. `shots`: check and screenshot both pages.
 */
export async function signUpOnPage(page: Page, username: string, opts: { heading?: string; invite?: string; shots?: boolean } = {}): Promise<string[]> {
  await page.goto('/');
  if (opts.heading) await page.getByRole('heading', { name: opts.heading, level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Create account' }).waitFor();
  if (opts.shots) await checkPage(page, 'landing');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PAGE_PASSWORD);
  if (opts.invite !== undefined) await page.getByLabel('Invite code').fill(opts.invite);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  if (opts.shots) await checkPage(page, 'recovery-codes');
  await page.getByLabel('I have saved my recovery codes').check();
  await page.getByRole('link', { name: 'Continue: create your first persona' }).click();
  return codes;
}

/** Creates a persona on the personas page (where sign-up leaves a person); it becomes the acting one. */
export async function createPersonaOnPage(page: Page, handle: string, name: string, shots = false): Promise<void> {
  await page.getByRole('heading', { name: 'Your personas' }).waitFor();
  if (shots) await checkPage(page, 'personas-empty');
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Display name').fill(name);
  await page.getByRole('button', { name: 'Create persona' }).click();
  await page.getByText(`Created @${handle}.`).waitFor();
  // The switcher shows who acts, on every page.
  assert.equal(await page.getByLabel('Acting as').inputValue(), handle);
}
