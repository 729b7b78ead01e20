// Every main page: rendered without CSP violations, screenshot saved, axe-core finds no
// violations (axe is injected in a context of its own that bypasses the CSP, only for that);
// the sheet page at tablet width; the inbox and its unread count; the keyboard and focus.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  launch, signIn, open, settled, shot, api, axeCheck, watch, assertNoCspViolations, BASE, USERS, YEAR,
} from '../lib/city.mjs';

let browser;
let ids;

before(async () => {
  browser = await launch();
  const { page, context } = await signIn(browser, USERS.coordinator);
  const r = await api(page, 'GET', `/sheets?year=${YEAR}&department=${encodeURIComponent('地域福祉課')}&limit=200`);
  const sheets = r.body.items.sort((a, b) => a.sheet_no - b.sheet_no);
  const withHistory = sheets.find((s) => s.state === 'accepted') || sheets[0];
  ids = { sheet: withHistory.id, measure: withHistory.measure_id, draft: sheets.find((s) => s.state === 'draft').id };
  await context.close();
});
after(async () => { await browser?.close(); });

const pages = () => [
  { name: 'sheets', hash: `#/sheets?year=${YEAR}`, heading: 'シート一覧' },
  { name: 'sheet', hash: `#/sheets/${ids.sheet}`, heading: 'シート' },
  { name: 'history', hash: `#/sheets/${ids.sheet}/history`, heading: '変更履歴' },
  { name: 'dashboard', hash: `#/dashboard?year=${YEAR}`, heading: '集計' },
  { name: 'audit-search', hash: `#/audit?actor=${USERS.staff}`, heading: '監査' },
  { name: 'measure', hash: `#/measures/${encodeURIComponent(ids.measure)}`, heading: '取組の推移' },
  { name: 'inbox', hash: '#/inbox', heading: 'お知らせ' },
  { name: 'me', hash: '#/me', heading: '利用者情報' },
];

test('each main page renders under the CSP, with a screenshot', async () => {
  const { page, context } = await signIn(browser, USERS.coordinator);
  for (const p of pages()) {
    await open(page, p.hash, p.heading);
    assert.equal(await page.locator('#alert').textContent(), '', `${p.name}: no error shown`);
    await shot(page, `page-${p.name}`);
  }
  // the dashboard: both tables and charts, the pending C-grade list, the year-over-year table
  await open(page, `#/dashboard?year=${YEAR}`, '集計');
  assert.equal(await page.locator('svg.chart').count(), 2);
  assert.ok((await page.locator('svg.chart rect').count()) > 4);
  assert.match(await page.locator('#page').textContent(), /検討中（C）/);
  assert.match(await page.locator('#page').textContent(), /前年度からの評価の変化/);
  assert.equal(await page.locator('#close-year').count(), 0, 'not closable while sheets are open');
  assert.match(await page.locator('#page').textContent(), /受理されると年度を締められます/);
  // the downloads are plain links to the API, working with the session cookie
  await open(page, '#/audit', '監査');
  for (const id of ['dl-progress-csv', 'dl-progress-xlsx', 'dl-audit-jsonl', 'dl-audit-csv']) {
    const href = await page.locator(`#${id}`).getAttribute('href');
    const r = await page.evaluate(async (u) => { const x = await fetch(u); return { status: x.status, type: x.headers.get('Content-Type') }; }, href);
    assert.equal(r.status, 200, `${id} ${href}`);
    assert.match(r.type, id.endsWith('xlsx') ? /spreadsheetml/ : id.endsWith('jsonl') ? /ndjson|json/ : /csv/, `${id}: ${r.type}`);
  }
  // a reminder's link (<web_base_url>/sheets/ID) opens the sheet in the UI
  await page.goto(`${BASE}/sheets/${ids.sheet}`);
  await settled(page);
  assert.equal(new URL(page.url()).hash, `#/sheets/${ids.sheet}`);
  await page.locator('#page h1', { hasText: 'シート' }).waitFor();
  // a closed year says so
  await open(page, '#/dashboard?year=2019', '集計');
  assert.match(await page.locator('#page').textContent(), /締め済み/);
  assertNoCspViolations(page);
  await context.close();

  const login = watch(await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage());
  await login.goto(`${BASE}/#/login`);
  await login.getByLabel('ログインID').waitFor();
  await shot(login, 'page-login');
  assertNoCspViolations(login);
});

test('axe-core finds no accessibility violations on each main page', async () => {
  const { page, context } = await signIn(browser, USERS.coordinator, { bypassCSP: true });
  const problems = [];
  for (const p of pages()) {
    await open(page, p.hash, p.heading);
    for (const v of await axeCheck(page)) problems.push(`${p.name}: ${v}`);
  }
  // the comment dialog, open
  await open(page, `#/sheets/${ids.sheet}`, 'シート');
  const reopen = page.getByRole('button', { name: '再開' });
  if (await reopen.count()) {
    await reopen.click();
    await page.getByRole('dialog').waitFor();
    for (const v of await axeCheck(page)) problems.push(`dialog: ${v}`);
    await page.getByRole('button', { name: 'キャンセル' }).click();
  }
  // an editable sheet, as its staff sees it
  const staff = await signIn(browser, USERS.staff, { bypassCSP: true });
  await open(staff.page, `#/sheets/${ids.draft}`, 'シート');
  for (const v of await axeCheck(staff.page)) problems.push(`sheet (editable): ${v}`);
  await staff.context.close();
  await context.close();
  const anon = await (await browser.newContext({ bypassCSP: true })).newPage();
  await anon.goto(`${BASE}/#/login`);
  await anon.getByLabel('ログインID').waitFor();
  for (const v of await axeCheck(anon)) problems.push(`login: ${v}`);
  assert.deepEqual(problems, []);
});

test('the sheet page at 768 px: no sideways scrolling, the form and buttons in reach', async () => {
  const { page, context } = await signIn(browser, USERS.staff, { viewport: { width: 768, height: 1024 } });
  await open(page, `#/sheets/${ids.draft}`, 'シート');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page wider than the viewport by ${overflow}px`);
  for (const label of ['評価', '取組内容', '成果', '今後の方針']) {
    const box = await page.getByLabel(label).first().boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 768, `${label} inside the viewport`);
  }
  assert.ok(await page.getByRole('button', { name: '提出' }).isVisible());
  await shot(page, 'sheet-768');
  await open(page, `#/sheets?year=${YEAR}`, 'シート一覧');
  const listOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(listOverflow <= 0, `list wider than the viewport by ${listOverflow}px`);
  assertNoCspViolations(page);
  await context.close();
});

test('keyboard: skip link first, visible focus, the sheet form reachable by Tab', async () => {
  const { page, context } = await signIn(browser, USERS.staff);
  await open(page, `#/sheets/${ids.draft}`, 'シート');
  await page.reload();
  await page.locator('#sheet-form').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '本文へ移動');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement.name === 'actions');
  }
  assert.ok(reached, '取組内容 reached with Tab');
  await context.close();
});

test('the inbox shows reminders and the unread count in the header', async () => {
  const { page, context } = await signIn(browser, USERS.staff);
  await open(page, '#/inbox', 'お知らせ');
  const notes = page.locator('li.note.unread');
  const n = await notes.count();
  if (n === 0) {
    assert.match(await page.locator('#page').textContent(), /お知らせはありません|未読 0件/);
  } else {
    const badge = page.locator('#unread');
    await badge.filter({ hasText: /未読/ }).waitFor();
    const before = Number((await badge.textContent()).match(/\d+/)[0]);
    await notes.first().getByRole('button', { name: '既読にする' }).click();
    await page.locator('#unread').filter({ hasText: before > 1 ? `未読 ${before - 1}件` : '' }).waitFor({ state: before > 1 ? 'visible' : 'hidden' });
    await shot(page, 'page-inbox-staff');
  }
  assertNoCspViolations(page);
  await context.close();
});
