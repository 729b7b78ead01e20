// What a user may not do is not offered, and forced through the API it is refused; errors are
// plain Japanese; a lost session goes back to the sign-in page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { until, launch, signIn, open, api, departmentSheets, actionButtons, BASE, USERS, YEAR } from '../lib/city.mjs';

let browser;
let staff;
let sheet;

before(async () => {
  browser = await launch();
  staff = await signIn(browser, USERS.staff);
  sheet = (await departmentSheets(staff.page))[2];
  const edit = await api(staff.page, 'PATCH', `/sheets/${sheet.id}`,
    { grade: 'B', actions: '取組', results: '成果', next_steps: '方針' }, { 'If-Match': `"${sheet.version}"` });
  assert.equal(edit.status, 200, JSON.stringify(edit.body));
  const submit = await api(staff.page, 'POST', `/sheets/${sheet.id}/transitions`, { action: 'submit' }, { 'If-Match': edit.etag });
  assert.equal(submit.status, 200, JSON.stringify(submit.body));
  sheet = submit.body;
});
after(async () => { await browser?.close(); });

test('staff is not offered approve on a submitted sheet, and the API refuses it', async () => {
  const { page } = staff;
  await open(page, `#/sheets/${sheet.id}`, 'シート');
  assert.deepEqual(await actionButtons(page), []);
  assert.equal(await page.locator('#sheet-form').count(), 0, 'no form: not editable when submitted');
  const forced = await api(page, 'POST', `/sheets/${sheet.id}/transitions`, { action: 'approve' }, { 'If-Match': `"${sheet.version}"` });
  assert.ok([403, 409].includes(forced.status), `refused: ${forced.status}`);
  const edit = await api(page, 'PATCH', `/sheets/${sheet.id}`, { actions: 'こっそり' }, { 'If-Match': `"${sheet.version}"` });
  assert.ok([403, 409].includes(edit.status), `edit refused: ${edit.status}`);
});

test('an incomplete sheet is refused in plain Japanese naming the field; nothing changes', async () => {
  const { page } = staff;
  const empty = (await departmentSheets(page)).find((s) => !s.grade && !s.actions);
  await open(page, `#/sheets/${empty.id}`, 'シート');
  await page.getByRole('button', { name: '提出' }).click();
  const alert = page.getByRole('alert').filter({ hasText: /./ });
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /評価/);
  assert.ok(!/[{}"]|[A-Za-z]{4,}/.test(text), `plain Japanese: ${text}`);
  assert.equal((await page.locator('#page .lead .state').textContent()).trim(), '作成中');
});

test('the approver is offered approve and return, not accept; accept forced is refused', async () => {
  const { page, context } = await signIn(browser, USERS.approver);
  await open(page, `#/sheets/${sheet.id}`, 'シート');
  assert.deepEqual((await actionButtons(page)).sort(), ['差戻し', '承認'].sort());
  const forced = await api(page, 'POST', `/sheets/${sheet.id}/transitions`, { action: 'accept' }, { 'If-Match': `"${sheet.version}"` });
  assert.ok([403, 409].includes(forced.status), `refused: ${forced.status}`);
  await context.close();
});

test('an auditor is offered nothing and cannot edit; the API refuses', async () => {
  const { page, context } = await signIn(browser, USERS.auditor);
  await open(page, `#/sheets/${sheet.id}`, 'シート');
  assert.deepEqual(await actionButtons(page), []);
  assert.equal(await page.locator('#sheet-form').count(), 0);
  const forced = await api(page, 'POST', `/sheets/${sheet.id}/transitions`, { action: 'approve' }, { 'If-Match': `"${sheet.version}"` });
  assert.equal(forced.status, 403);
  await context.close();
});

test("another department's staff sees a plain Japanese refusal, and no CSRF header is refused", async () => {
  const { page, context } = await signIn(browser, USERS.otherStaff);
  await page.goto(`${BASE}/#/sheets/${sheet.id}`);
  const alert = page.getByRole('alert');
  await alert.filter({ hasText: /./ }).waitFor();
  const text = await alert.textContent();
  assert.match(text, /閲覧できる|権限/);
  assert.ok(!/[{}"]|[A-Za-z]{4,}/.test(text), `plain Japanese, no raw JSON: ${text}`);
  const noCsrf = await page.evaluate(async (id) => (await fetch(`/api/v1/sheets/${id}/transitions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'If-Match': '"1"' }, body: '{"action":"approve"}',
  })).status, sheet.id);
  assert.equal(noCsrf, 403);
  // the list of another department's staff leaves out what they may not read
  await open(page, `#/sheets?year=${YEAR}&department=${encodeURIComponent('地域福祉課')}&state=submitted`, 'シート一覧');
  assert.equal(await page.locator(`a[href="#/sheets/${sheet.id}"]`).count(), 0);
  await context.close();
});

test('signing out, or a session that ended, goes back to the sign-in page', async () => {
  const { page, context } = await signIn(browser, USERS.staff2);
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await until(page, () => location.hash.startsWith('#/login'));
  await page.goto(`${BASE}/#/sheets/${sheet.id}`);
  await until(page, () => location.hash.startsWith('#/login'));
  await page.getByLabel('ログインID').waitFor();
  // the session cookie is HttpOnly: the page cannot read it
  const again = await signIn(browser, USERS.staff2);
  const cookies = await again.context.cookies();
  const session = cookies.find((c) => c.name === 'shinchoku_session');
  assert.ok(session && session.httpOnly, 'the session cookie is HttpOnly');
  assert.ok(!(await again.page.evaluate(() => document.cookie)).includes('shinchoku_session'));
  assert.deepEqual(await again.page.evaluate(() => Object.keys(localStorage)), []);
  // a wrong password is told in Japanese
  const p = await context.newPage();
  await p.goto(`${BASE}/#/login`);
  await p.getByLabel('ログインID').fill(USERS.staff2);
  await p.getByLabel('パスワード').fill('wrong password 123');
  await p.getByRole('button', { name: 'ログイン' }).click();
  await p.getByRole('alert').filter({ hasText: /./ }).waitFor();
  assert.match(await p.getByRole('alert').textContent(), /[ぁ-んァ-ン一-龥]/);
  await again.context.close();
  await context.close();
});
