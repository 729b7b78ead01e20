// #/sheets?year=&department=&state=&grade=&q=&sort= — the sheets of a year, filtered.
import { h, table } from '../dom.js';
import { getAll } from '../api.js';
import { setPage, field, select } from '../ui.js';
import { go } from '../router.js';
import { loadYears, defaultYear } from '../years.js';
import { yearLabel, measureName } from '../format.js';
import { stateLabel, stateClass, gradeLabel, gradeClass, states, grades, departments as configuredDepartments } from '../workflow.js';

export async function sheetsPage({ query, isCurrent }) {
  const years = await loadYears();
  const year = Number(query.year) || defaultYear(years);
  const filters = { year, department: query.department || '', state: query.state || '', grade: query.grade || '', q: query.q || '' };
  const sort = query.sort === 'desc' ? 'desc' : 'asc';
  const items = await getAll('/sheets', filters);
  // The plan's departments, in the configuration's order (GET /api/v1/workflow).
  const departments = configuredDepartments().map((d) => d.name);
  if (!isCurrent()) return;
  items.sort((a, b) => (sort === 'asc' ? a.sheet_no - b.sheet_no : b.sheet_no - a.sheet_no));

  const yearSel = select('year', years.map((y) => [y.year, `${y.label || yearLabel(y.year)}${y.state === 'closed' ? '（締め済み）' : ''}`]), year);
  const deptSel = select('department', [['', 'すべての課'], ...departments.map((d) => [d, d])], filters.department);
  const stateSel = select('state', [['', 'すべての状態'], ...states().map((st) => [st.code, st.label])], filters.state);
  const gradeSel = select('grade', [['', 'すべての評価'], ...grades().map((g) => [g.code, `${g.code} ${g.label}`])], filters.grade);
  const text = h('input', { type: 'search', name: 'q', value: filters.q });
  const form = h('form.filters', { role: 'search', 'aria-label': 'シートの絞り込み' },
    field('年度', yearSel), field('実行課', deptSel), field('状態', stateSel), field('評価', gradeSel),
    field('語句', text, '取組内容・成果・今後の方針・取組名を検索'),
    h('div.actions', h('button', { type: 'submit' }, '絞り込む'), h('a.button.secondary', { href: `#/sheets?year=${year}` }, '条件をクリア')));
  const submit = () => go('/sheets', {
    year: yearSel.value, department: deptSel.value, state: stateSel.value, grade: gradeSel.value, q: text.value.trim(), sort: sort === 'desc' ? 'desc' : '',
  });
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  yearSel.addEventListener('change', () => { deptSel.value = ''; submit(); });

  const byState = {};
  const byGrade = {};
  for (const s of items) {
    byState[s.state] = (byState[s.state] || 0) + 1;
    byGrade[s.grade || ''] = (byGrade[s.grade || ''] || 0) + 1;
  }
  const counts = h('section.counts', { 'aria-labelledby': 'counts-h' },
    h('h2#counts-h', `件数（${items.length}件）`),
    h('div.count-groups',
      h('div', h('h3', '状態ごと'), h('dl.count-list',
        [...states().map((st) => st.code), ...Object.keys(byState).filter((k) => !states().some((st) => st.code === k))].filter((k) => byState[k]).map((k) => [h('dt', stateLabel(k)), h('dd', `${byState[k]}件`)]))),
      h('div', h('h3', '評価ごと'), h('dl.count-list',
        [...grades().map((g) => g.code), ...Object.keys(byGrade).filter((k) => k && !grades().some((g) => g.code === k)), ''].filter((k) => byGrade[k]).map((k) => [h('dt', gradeLabel(k)), h('dd', `${byGrade[k]}件`)])))));

  const sortButton = h('button.sort', {
    type: 'button', on: { click: () => go('/sheets', { ...filters, sort: sort === 'asc' ? 'desc' : '' }) },
  }, 'シート番号', h('span', { 'aria-hidden': 'true' }, sort === 'asc' ? ' ▲' : ' ▼'), h('span.visually-hidden', sort === 'asc' ? '（昇順。押すと降順）' : '（降順。押すと昇順）'));
  const list = items.length
    ? h('div.table-wrap', h('table.sheets',
      h('caption', `${yearLabel(year)}のシート`),
      h('thead', h('tr',
        h('th', { scope: 'col', 'aria-sort': sort === 'asc' ? 'ascending' : 'descending' }, sortButton),
        h('th', { scope: 'col' }, '取組'), h('th', { scope: 'col' }, '実行課'), h('th', { scope: 'col' }, '状態'), h('th', { scope: 'col' }, '評価'))),
      h('tbody', items.map((s) => h('tr',
        h('td.num', s.sheet_no),
        h('td', h('a', { href: `#/sheets/${s.id}` }, measureName(s.measure) || `シート${s.sheet_no}`), h('div.small', s.policy)),
        h('td', s.departments.join('、')),
        h('td', h('span', { class: stateClass(s.state) }, stateLabel(s.state))),
        h('td', h('span', { class: gradeClass(s.grade) }, gradeLabel(s.grade))))))))
    : h('p.empty', '条件に合うシートはありません。');
  setPage(`シート一覧 ${yearLabel(year)}`, form, counts, list);
}

