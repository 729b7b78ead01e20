// #/dashboard?year= — the coordinator's view: state × department and grade × strategy (tables
// and charts), the pending C-grade items, year-over-year grade changes, closing the year.
import { h, table } from '../dom.js';
import { get, request } from '../api.js';
import { setPage, field, select, showError, showStatus } from '../ui.js';
import { go } from '../router.js';
import { loadYears, defaultYear } from '../years.js';
import { stackedBars, stateColours, gradeColours } from '../chart.js';
import * as session from '../session.js';
import { yearLabel, formatDate, CHANGE_LABELS, measureName } from '../format.js';
import { stateLabel, gradeLabel, states as configuredStates, grades as configuredGrades } from '../workflow.js';

export async function dashboardPage({ query, isCurrent }) {
  const years = await loadYears();
  const year = Number(query.year) || defaultYear(years);
  const info = years.find((y) => y.year === year);
  const hasPrev = years.some((y) => y.year === year - 1);
  const canPending = session.hasRole('coordinator', 'auditor', 'admin');
  const [summary, pending, yoy] = await Promise.all([
    get('/reports/summary', { year }),
    canPending && info && info.state === 'open' ? get('/reports/pending', { year }) : null,
    hasPrev ? get('/reports/year-over-year', { from: year - 1, to: year }) : null,
  ]);
  if (!isCurrent()) return;

  const yearSel = select('year', years.map((y) => [y.year, y.label || yearLabel(y.year)]), year);
  yearSel.addEventListener('change', () => go('/dashboard', { year: yearSel.value }));
  const pickYear = h('form.filters', { 'aria-label': '年度の選択', on: { submit: (e) => { e.preventDefault(); go('/dashboard', { year: yearSel.value }); } } },
    field('年度', yearSel), h('div.actions', h('button', { type: 'submit' }, '表示')));

  // state × department
  const states = configuredStates().map((st) => st.code).filter((k) => summary.state_by_department.some((r) => r.states[k]));
  for (const r of summary.state_by_department) for (const k of Object.keys(r.states)) if (!states.includes(k)) states.push(k);
  const stateRows = summary.state_by_department.map((r) => ({ label: r.department, values: r.states }));
  const stateSection = h('section.card', { 'aria-labelledby': 'sd-h' },
    h('h2#sd-h', '課ごとの状態'),
    table(`${yearLabel(year)} 状態 × 実行課（件数）`, ['実行課', ...states.map(stateLabel), '計'],
      stateRows.map((r) => [r.label, ...states.map((k) => r.values[k] || 0), states.reduce((n, k) => n + (r.values[k] || 0), 0)]), { scroll: true }),
    stackedBars(`${yearLabel(year)} 実行課ごとの状態の件数（グラフ）`, stateRows, states, { seriesLabel: stateLabel, colours: stateColours(configuredStates()) }));

  // grade × strategy
  const grades = configuredGrades().map((g) => g.code);
  for (const r of summary.grade_by_strategy) for (const k of Object.keys(r.grades)) if (!grades.includes(k)) grades.push(k);
  const gradeRows = summary.grade_by_strategy.map((r) => ({ label: r.strategy, values: r.grades }));
  const gradeKey = (k) => (k === '' || k === 'none' || k === 'null' ? '未評価' : gradeLabel(k));
  const gradeSection = h('section.card', { 'aria-labelledby': 'gs-h' },
    h('h2#gs-h', '基本戦略ごとの評価'),
    table(`${yearLabel(year)} 評価 × 基本戦略（件数）`, ['基本戦略', ...grades.map(gradeKey), '計'],
      gradeRows.map((r) => [r.label, ...grades.map((k) => r.values[k] || 0), grades.reduce((n, k) => n + (r.values[k] || 0), 0)]), { scroll: true }),
    stackedBars(`${yearLabel(year)} 基本戦略ごとの評価の件数（グラフ）`, gradeRows, grades, { seriesLabel: gradeKey, labelWidth: 300, colours: gradeColours(configuredGrades()) }));

  // The grade the reminders follow (under_study in the plan's scale): 検討中（C）.
  const studied = configuredGrades().filter((g) => g.under_study);
  const underStudy = studied.map((g) => `${g.label}（${g.code}）`).join('・') || '追跡対象の評価';
  const underStudyLabel = studied.map((g) => g.label).join('・') || '追跡対象の評価';
  const pendingSection = pending ? h('section.card', { 'aria-labelledby': 'pd-h' },
    h('h2#pd-h', `${underStudy}のまま進んでいないシート（${pending.count}件）`),
    h('p.hint', `${formatDate(pending.as_of)}現在。営業日は土日・祝日・年末年始を除いて数えます。`),
    pending.items.length ? table(`${underStudyLabel}の案件（滞留の長い順）`, ['シート', '実行課', '状態', '評価', '前年度', '滞留（営業日）', '対応する人'],
      pending.items.map((p) => [
        h('a', { href: `#/sheets/${p.sheet_id}` }, `${yearLabel(p.year)} シート${p.sheet_no}`),
        p.departments.join('、'), p.state_label || stateLabel(p.state), gradeLabel(p.grade), gradeLabel(p.previous_grade),
        `${p.business_days_pending}日`,
        [p.must_act.map((m) => (m.stands_in_for ? `${m.login}（${m.stands_in_for}の代理）` : m.login)).join('、') || '—',
          p.gaps.length ? h('span.small', ` 担当者不在: ${p.gaps.join('、')}`) : null],
      ]), { scroll: true }) : h('p', '該当するシートはありません。')) : null;

  let yoySection = null;
  if (yoy) {
    const order = { fell: 0, rose: 1, new: 2, dropped: 3, ungraded: 4, stayed: 5 };
    const items = [...yoy.items].sort((a, b) => (order[a.change] ?? 9) - (order[b.change] ?? 9));
    const rows = table('取組ごとの評価の変化（低下・上昇を先に）', ['取組', '実行課', yearLabel(year - 1), yearLabel(year), '変化'],
      items.map((it) => [
        measureName({ number: it.number, title: it.title || it.measure }),
        it.departments.join('、'),
        it.from ? `シート${it.from.sheet_no} ${gradeLabel(it.from.grade)}` : '—',
        it.to ? `シート${it.to.sheet_no} ${gradeLabel(it.to.grade)}` : '—',
        h('span', { class: `trend trend-${it.change}` }, CHANGE_LABELS[it.change] || it.change),
      ]), { scroll: true });
    const only = h('input', { type: 'checkbox', id: 'yoy-changed', checked: true });
    const apply = () => {
      rows.querySelectorAll('tbody tr').forEach((tr, i) => { tr.hidden = only.checked && !['rose', 'fell'].includes(items[i].change); });
    };
    only.addEventListener('change', apply);
    apply();
    yoySection = h('section.card', { 'aria-labelledby': 'yy-h' },
      h('h2#yy-h', `前年度からの評価の変化（${yearLabel(year - 1)} → ${yearLabel(year)}）`),
      h('p', Object.entries(countBy(yoy.items, 'change')).map(([k, n]) => `${CHANGE_LABELS[k] || k} ${n}件`).join('・')),
      h('div.check', only, h('label', { for: only.id }, '評価が上昇・低下した取組だけ表示')),
      rows);
  }

  setPage(`集計 ${yearLabel(year)}`, pickYear, closeSection(info), stateSection, gradeSection, pendingSection, yoySection);
}

function countBy(items, key) {
  const out = {};
  for (const it of items) out[it[key]] = (out[it[key]] || 0) + 1;
  return out;
}

function closeSection(info) {
  if (!info) return null;
  const accepted = (info.counts.by_state && info.counts.by_state.accepted) || 0;
  const active = info.sheets - (info.retired || 0);
  const box = h('section.card', { 'aria-labelledby': 'close-h' }, h('h2#close-h', '年度の締め'));
  if (info.state === 'closed') {
    box.append(h('p', `${info.label || yearLabel(info.year)}は締め済みです。`));
    return box;
  }
  const left = info.not_final != null ? info.not_final : Math.max(0, active - accepted);
  box.append(h('p', `受理済み ${accepted}件 / ${active}件。`, left ? `残り${left}件が受理されると年度を締められます。` : 'すべてのシートが受理されています。'));
  const closable = info.closable != null ? info.closable : !left;
  if (closable && session.hasRole('coordinator', 'admin')) {
    const button = h('button', { type: 'button', id: 'close-year' }, '年度を締める');
    button.addEventListener('click', async () => {
      if (!window.confirm(`${info.label || yearLabel(info.year)}を締めます。締めた年度のシートは変更できなくなります。よろしいですか。`)) return;
      button.disabled = true;
      try {
        await request('POST', `/years/${info.year}/close`, { body: {} });
        showStatus(`${info.label || yearLabel(info.year)}を締めました。`);
        go('/dashboard', { year: info.year, t: Date.now() });
      } catch (err) {
        showError(err);
        button.disabled = false;
      }
    });
    box.append(button);
  }
  return box;
}
