// #/measures/:id — one measure across the years: its sheets and every event of them.
import { h, table } from '../dom.js';
import { get } from '../api.js';
import { setPage } from '../ui.js';
import { timeline } from '../events.js';
import { yearLabel, measureName } from '../format.js';
import { stateLabel, gradeLabel } from '../workflow.js';

export async function measurePage({ params, isCurrent }) {
  const id = encodeURIComponent(params.id);
  const [m, hist] = await Promise.all([get(`/measures/${id}`), get(`/measures/${id}/history`)]);
  if (!isCurrent()) return;
  const sheets = [...m.sheets].sort((a, b) => a.year - b.year || a.sheet_no - b.sheet_no);
  const first = sheets[0];
  setPage(`取組の推移 ${measureName(m)}`,
    first ? h('p.lead', `${first.strategy} ／ ${first.policy}${first.focus ? ` ／ ${first.focus}` : ''}`) : null,
    h('section.card', { 'aria-labelledby': 'ms-h' },
      h('h2#ms-h', '年度ごとのシート'),
      sheets.length ? table('年度ごとの状態・評価・今後の方針', ['年度', 'シート', '実行課', '状態', '評価', '今後の方針'],
        sheets.map((s) => [yearLabel(s.year), h('a', { href: `#/sheets/${s.id}` }, `シート${s.sheet_no}`), s.departments.join('、'),
          stateLabel(s.state), gradeLabel(s.grade), h('span.clip', s.next_steps || '（空欄）')]), { scroll: true })
        : h('p', '閲覧できるシートはありません。')),
    h('section.card', { 'aria-labelledby': 'mh-h' },
      h('h2#mh-h', `変更履歴（${hist.events.length}件、古い順）`),
      timeline(hist.events, { entity: true })));
}
