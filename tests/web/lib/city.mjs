// The city that tests/web/run set up, and helpers to drive it in Chromium.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import assert from 'node:assert/strict';

export const BASE = process.env.SHINCHOKU_WEB_URL;
export const PASSWORD = process.env.SHINCHOKU_WEB_PASSWORD;
export const SHOTS = process.env.SHINCHOKU_SCREENSHOTS || path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'screenshots');
if (!BASE || !PASSWORD) throw new Error('run these tests with: bash tests/web/run BINARY');

// The users tests/web/run adds (login → what they are).
export const USERS = {
  staff: 'tanaka', // 地域福祉課 staff
  staff2: 'suzuki', // 地域福祉課 staff
  approver: 'kacho', // 地域福祉課 approver
  otherStaff: 'kiki', // 危機管理課 staff
  coordinator: 'coord',
  auditor: 'kansa',
};
export const DEPARTMENT = '地域福祉課';
export const YEAR = 2020;

export function launch() {
  return chromium.launch({
    executablePath: process.env.SHINCHOKU_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// A browser context of its own for a user, signed in through the login page. Every page of it
// records console errors, so that a test can assert that the CSP refused nothing.
export async function signIn(browser, login, opts = {}) {
  const context = await browser.newContext({
    viewport: opts.viewport || { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', bypassCSP: Boolean(opts.bypassCSP),
  });
  const page = await context.newPage();
  watch(page);
  await page.goto(`${BASE}/#/login`);
  await page.getByLabel('ログインID').fill(login);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('#logout').waitFor({ state: 'visible' });
  await until(page, () => !location.hash.startsWith('#/login'));
  return { context, page };
}

// Polls a predicate in the page (page.waitForFunction would need eval, which the CSP forbids).
export async function until(page, predicate, arg, timeout = 15000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(predicate, arg)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${predicate}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function watch(page) {
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(m.text());
  });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  return page;
}

// Console errors other than the API's refusals the test provoked (a failed fetch logs one).
export function assertNoCspViolations(page) {
  const csp = page.problems.filter((t) => /Content[- ]Security[- ]Policy|pageerror/i.test(t));
  assert.deepEqual(csp, [], `CSP violations or script errors on ${page.url()}`);
}

// Goes to a hash route and waits until the page has rendered its heading.
export async function open(page, hash, heading) {
  const target = `${BASE}/${hash}`;
  if (page.url() === target) await page.reload(); // the same hash: no hashchange, so load again
  else await page.goto(target);
  await settled(page);
  await page.locator('#page h1').filter({ hasText: heading || /./ }).first().waitFor();
}

// Until the UI has rendered the route in the address bar.
export async function settled(page) {
  await until(page, () => document.body.dataset.route === location.hash && !document.body.hasAttribute('aria-busy'));
}

export async function shot(page, name, { full = true } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: full });
}

// A call to the API from the page, with its session cookie and the CSRF header, as the UI
// would make it: { status, body }.
export async function api(page, method, apiPath, body, headers = {}) {
  return page.evaluate(async ({ method, apiPath, body, headers }) => {
    const csrf = decodeURIComponent((document.cookie.match(/(?:^|;\s*)shinchoku_csrf=([^;]*)/) || [])[1] || '');
    const res = await fetch(`/api/v1${apiPath}`, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: json, etag: res.headers.get('ETag') };
  }, { method, apiPath, body, headers });
}

// The FY2020 draft sheets of the department, by sheet number.
export async function departmentSheets(page) {
  const r = await api(page, 'GET', `/sheets?year=${YEAR}&department=${encodeURIComponent(DEPARTMENT)}&state=draft&limit=200`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.sort((a, b) => a.sheet_no - b.sheet_no);
}

export async function axeCheck(page) {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.addScriptTag({ content: source });
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

// The sheet page's action buttons, by their labels.
export async function actionButtons(page) {
  return page.locator('[data-action]').allTextContents();
}
