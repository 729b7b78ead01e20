// The full cycle across three users in three browser contexts, then an auditor finds it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  until, settled, launch, signIn, open, shot, departmentSheets, actionButtons, assertNoCspViolations, USERS, YEAR,
} from '../lib/city.mjs';

let browser;
let staff;
let approver;
let coordinator;
let sheet;
const comment = '成果に利用者数などの具体的な数値を書き加えてください。';

before(async () => {
  browser = await launch();
  staff = await signIn(browser, USERS.staff);
  approver = await signIn(browser, USERS.approver);
  coordinator = await signIn(browser, USERS.coordinator);
  [sheet] = await departmentSheets(staff.page);
});
after(async () => { await browser?.close(); });

async function sheetState(page) {
  return (await page.locator('#page .lead .state').textContent()).trim();
}

test('staff finds the sheet in the list and submits it', async () => {
  const { page } = staff;
  await open(page, `#/sheets?year=${YEAR}`, 'シート一覧');
  // The footer names the configured plan (GET /api/v1/workflow), not a city written into the page.
  assert.match(await page.locator('#site-title').textContent(), /本庄市地域福祉計画 進捗状況の評価/);
  await page.getByLabel('実行課').selectOption('地域福祉課');
  await page.getByRole('button', { name: '絞り込む' }).click();
  await until(page, () => location.hash.includes('department='));
  await settled(page);
  assert.equal(await page.locator('table.sheets tbody tr').count(), await page.locator('table.sheets tbody tr', { hasText: '地域福祉課' }).count());
  await shot(page, 'sheets-list', { full: false });
  await page.locator(`a[href="#/sheets/${sheet.id}"]`).click();
  await page.locator('#sheet-form').waitFor();
  assert.equal(await sheetState(page), '作成中');
  // Tags are coloured by what the workflow says of the state (its first), not by its code.
  assert.match(await page.locator('#page .lead .state').getAttribute('class'), /\bstate-initial\b/);
  assert.match(await page.locator('table.schedule .current').first().textContent(), /R2（今年度）/);
  await page.getByLabel('評価', { exact: true }).selectOption('A');
  assert.match(await page.locator('label[for]', { hasText: '成果' }).textContent(), /必須/);
  await page.getByLabel('取組内容').fill('相談窓口の案内を全戸配布した。\n出張相談を月2回行った。');
  await page.getByLabel('成果', { exact: false }).fill('相談件数が前年度より増えた。');
  await page.getByLabel('今後の方針').fill('引き続き周知に努める。');
  await page.getByRole('button', { name: '提出' }).click();
  await page.getByText('提出しました').waitFor();
  assert.equal(await sheetState(page), '提出済み');
  assert.match(await page.locator('#page .lead .state').getAttribute('class'), /\bstate-between\b/);
  assert.deepEqual(await actionButtons(page), []);
  assertNoCspViolations(page);
});

test('the approver returns it with a comment in the dialog', async () => {
  const { page } = approver;
  await open(page, `#/sheets/${sheet.id}`, 'シート');
  assert.deepEqual((await actionButtons(page)).sort(), ['差戻し', '承認'].sort());
  // Escape closes the dialog and gives the focus back to its button
  await page.getByRole('button', { name: '差戻し' }).click();
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.action), 'return');
  await page.getByRole('button', { name: '差戻し' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'comment', 'focus in the comment');
  await dialog.getByRole('button', { name: '実行' }).click(); // empty: refused in the dialog
  await dialog.getByText('コメントを入力してください').waitFor();
  await dialog.getByLabel('コメント').fill(comment);
  await shot(page, 'return-dialog');
  await dialog.getByRole('button', { name: '実行' }).click();
  await page.getByText('差戻ししました').waitFor();
  assert.equal(await sheetState(page), '作成中');
  assertNoCspViolations(page);
});

test('staff fixes it and submits again', async () => {
  const { page } = staff;
  await open(page, `#/sheets/${sheet.id}`, 'シート');
  await page.locator('#sheet-form').waitFor();
  const results = page.locator('textarea[name="results"]');
  await results.fill(`${await results.inputValue()}\n相談件数は延べ120件（前年度比1.5倍）。`);
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByText('保存しました').waitFor();
  await page.getByRole('button', { name: '提出' }).click();
  await page.getByText('提出しました').waitFor();
  assert.equal(await sheetState(page), '提出済み');
});

test('the approver approves and the coordinator accepts', async () => {
  await open(approver.page, `#/sheets/${sheet.id}`, 'シート');
  await approver.page.getByRole('button', { name: '承認' }).click();
  await approver.page.getByText('承認しました').waitFor();
  assert.equal(await sheetState(approver.page), '課長承認済み');

  const { page } = coordinator;
  await open(page, `#/sheets/${sheet.id}`, 'シート');
  assert.deepEqual((await actionButtons(page)).sort(), ['受理', '差戻し'].sort());
  await page.getByRole('button', { name: '受理' }).click();
  await page.getByText('受理しました').waitFor();
  assert.equal(await sheetState(page), '受理済み');
  assert.deepEqual(await actionButtons(page), ['再開']);
  await shot(page, 'sheet-accepted');
  assertNoCspViolations(page);
});

test('an auditor finds that history with the return comment and every actor', async () => {
  const auditor = await signIn(browser, USERS.auditor);
  const { page } = auditor;
  // the audit search by actor and time range
  const today = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
  await open(page, '#/audit', '監査');
  await page.getByLabel('操作者（ログインID）').fill(USERS.approver);
  await page.getByLabel('開始日（この日を含む）').fill(today);
  await page.getByLabel('終了日（この日を含む）').fill(today);
  await page.getByRole('button', { name: '検索' }).click();
  await page.locator('ol.timeline').waitFor();
  const found = await page.locator('ol.timeline').textContent();
  assert.ok(found.includes(comment), 'the return comment is in the search result');
  assert.ok(found.includes(`sheet:${sheet.id}`));
  await page.getByRole('button', { name: '改ざん検査を実行' }).click();
  await page.locator('#verify-result').waitFor();
  assert.match(await page.locator('#verify-result').textContent(), /問題はありません/);
  await shot(page, 'audit');

  // the sheet's timeline
  await open(page, `#/sheets/${sheet.id}/history`, '変更履歴');
  const events = page.locator('li.event');
  const text = await page.locator('ol.timeline').textContent();
  for (const who of [USERS.staff, USERS.approver, USERS.coordinator]) assert.ok(text.includes(who), `${who} is in the history`);
  assert.ok(text.includes(comment));
  const actions = await page.locator('li.event .event-action').allTextContents();
  for (const a of ['提出', '差戻し', '承認', '受理']) assert.ok(actions.includes(a), `${a} in ${actions}`);
  assert.ok((await events.count()) >= 7);
  // the second edit of 成果 is shown as a line diff with the added line
  assert.ok(await page.locator('ul.diff li.add', { hasText: '延べ120件' }).count() >= 1);
  assert.match(text, /令和\d+年\d+月\d+日/);
  await shot(page, 'history');

  // the measure across years
  await page.getByRole('link', { name: 'シートへ戻る' }).click();
  await page.getByRole('link', { name: 'この取組の年度ごとの推移' }).click();
  await page.locator('#page h1', { hasText: '取組の推移' }).waitFor();
  const years = await page.locator('table').first().textContent();
  assert.ok(years.includes('令和元年度') && years.includes('令和2年度'));
  assertNoCspViolations(page);
  await auditor.context.close();
});
