// Two browsers edit one sheet: the second save gets the conflict message and keeps its text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, open, shot, departmentSheets, assertNoCspViolations, USERS } from '../lib/city.mjs';

let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the second save is told what changed and keeps its text through the reload', async () => {
  const first = await signIn(browser, USERS.staff);
  const second = await signIn(browser, USERS.staff2);
  const sheet = (await departmentSheets(first.page))[1];
  await open(first.page, `#/sheets/${sheet.id}`, 'シート');
  await open(second.page, `#/sheets/${sheet.id}`, 'シート');

  // both start typing; the first saves first
  await first.page.getByLabel('評価', { exact: true }).selectOption('C');
  await first.page.getByLabel('取組内容').fill('田中が書いた取組内容。');
  const mine = '鈴木が書いた取組内容。\n二行目もある。';
  await second.page.getByLabel('取組内容').fill(mine);
  await second.page.getByLabel('今後の方針').fill('鈴木の方針。');
  await first.page.getByRole('button', { name: '保存' }).click();
  await first.page.getByText('保存しました').waitFor();

  const { page } = second;
  await page.getByRole('button', { name: '保存' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'ほかの人が先に' });
  await alert.waitFor();
  const message = await alert.textContent();
  assert.match(message, /保存できませんでした/);
  assert.match(message, /tanaka/, 'who changed it');
  assert.match(message, /評価/);
  assert.match(message, /取組内容/);
  assert.ok(!/[{}]/.test(message), 'no raw JSON');
  assert.equal(await page.getByLabel('取組内容').inputValue(), mine, 'the typed text is still there');
  await shot(page, 'conflict');

  await page.getByRole('button', { name: /最新の内容を読み込む/ }).click();
  await page.getByText('あなたの入力した文章は残っています').waitFor();
  assert.equal(await page.getByLabel('取組内容').inputValue(), mine, 'kept through the reload');
  assert.equal(await page.getByLabel('今後の方針').inputValue(), '鈴木の方針。');
  assert.equal(await page.getByLabel('評価', { exact: true }).inputValue(), 'C', "the other's grade, which this user did not touch");
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByText('保存しました').waitFor();

  // the first browser, still on the old version, now conflicts in its turn
  await first.page.getByLabel('今後の方針').fill('田中の方針。');
  await first.page.getByRole('button', { name: '保存' }).click();
  await first.page.getByRole('alert').filter({ hasText: 'ほかの人が先に' }).waitFor();
  assert.match(await first.page.getByRole('alert').textContent(), /suzuki/);
  assert.equal(await first.page.getByLabel('今後の方針').inputValue(), '田中の方針。');
  assertNoCspViolations(first.page);
  assertNoCspViolations(page);
});
