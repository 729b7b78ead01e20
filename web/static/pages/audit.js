// #/audit?actor=&since=&until=&entity= — audit search, chain verification, downloads.
import { h, clear } from '../dom.js';
import { get } from '../api.js';
import { setPage, field, select, showError } from '../ui.js';
import { go } from '../router.js';
import { timeline } from '../events.js';
import { loadYears, defaultYear } from '../years.js';
import { jstDayStart, yearLabel, formatDateTime } from '../format.js';

function apiUrl(path, query) {
  const u = new URL(`/api/v1${path}`, location.origin);
  for (const [k, v] of Object.entries(query)) if (v) u.searchParams.set(k, v);
  return u.pathname + u.search;
}

// A date input's last day is inclusive for people; the API's until is exclusive.
function dayAfter(value) {
  if (!value) return '';
  const d = new Date(`${value}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return jstDayStart(d.toISOString().slice(0, 10));
}

export async function auditPage({ query, isCurrent }) {
  const years = await loadYears();
  const filters = { actor: query.actor || '', entity: query.entity || '', since: query.since || '', until: query.until || '' };
  const apiQuery = { actor: filters.actor, entity: filters.entity, since: jstDayStart(filters.since), until: dayAfter(filters.until) };
  const searched = Object.values(filters).some(Boolean);
  const page = searched ? await get('/audit', { ...apiQuery, limit: 200 }) : null;
  if (!isCurrent()) return;

  const actor = h('input', { name: 'actor', value: filters.actor, autocomplete: 'off' });
  const entity = h('input', { name: 'entity', value: filters.entity, autocomplete: 'off' });
  const since = h('input', { name: 'since', type: 'date', value: filters.since });
  const until = h('input', { name: 'until', type: 'date', value: filters.until });
  const form = h('form.filters', { role: 'search', 'aria-label': '監査記録の検索' },
    field('操作者（ログインID）', actor, '例: tanaka、system、cli:root'),
    field('対象', entity, '例: sheet:12、user:tanaka、sheet'),
    field('開始日（この日を含む）', since), field('終了日（この日を含む）', until),
    h('div.actions', h('button', { type: 'submit' }, '検索'), h('a.button.secondary', { href: '#/audit' }, '条件をクリア')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go('/audit', { actor: actor.value.trim(), entity: entity.value.trim(), since: since.value, until: until.value });
  });

  const results = h('section.card', { 'aria-labelledby': 'res-h' }, h('h2#res-h', '検索結果'));
  if (page) {
    const list = h('div');
    const more = h('button.secondary', { type: 'button', id: 'audit-more' }, 'さらに読み込む');
    let shown = page.items.length;
    const count = h('p', `${shown}件${page.next_cursor ? '以上' : ''}（古い順、時刻は日本時間）`);
    list.append(timeline(page.items, { entity: true }));
    let cursor = page.next_cursor;
    more.hidden = !cursor;
    more.addEventListener('click', async () => {
      try {
        const next = await get('/audit', { ...apiQuery, limit: 200, cursor });
        list.append(timeline(next.items, { entity: true }));
        shown += next.items.length;
        cursor = next.next_cursor;
        more.hidden = !cursor;
        count.textContent = `${shown}件${cursor ? '以上' : ''}（古い順、時刻は日本時間）`;
      } catch (err) { showError(err); }
    });
    results.append(count, list, more);
  } else {
    results.append(h('p', '操作者・対象・期間のいずれかを指定して検索してください。'));
  }

  const verifyOut = h('div', { 'aria-live': 'polite' });
  const verifyBtn = h('button', { type: 'button', id: 'verify' }, '改ざん検査を実行');
  verifyBtn.addEventListener('click', async () => {
    verifyBtn.disabled = true;
    clear(verifyOut).append(h('p', '検査中…'));
    try {
      const r = await get('/audit/verify');
      clear(verifyOut).append(r.ok
        ? h('p.ok', { id: 'verify-result' }, `問題はありません。${r.checked}件の記録${r.chains != null ? `（${r.chains}系列` : ''}${r.sheets != null ? `、シート${r.sheets}件` : ''}${r.chains != null ? '）' : ''}を検査し、すべて一致しました。`)
        : h('div.alert-box', { id: 'verify-result' },
          h('p', h('strong', '記録の不一致が見つかりました。')),
          h('p', `${r.checked}件を検査。対象: ${r.failure.entity_type || ''}:${r.failure.entity_id || ''}、位置 ${r.failure.position ?? '—'}、記録番号 ${r.failure.event_id ?? '—'}`),
          h('p', `${r.failure.reason || ''} ${r.failure.detail || ''}`)));
    } catch (err) {
      clear(verifyOut);
      showError(err);
    } finally { verifyBtn.disabled = false; }
  });
  const verify = h('section.card', { 'aria-labelledby': 'ver-h' },
    h('h2#ver-h', '改ざん検査'),
    h('p', '監査記録のハッシュの連鎖と、各シートの内容が記録と一致するかを検査します。'), verifyBtn, verifyOut);

  const year = defaultYear(years);
  const yearSel = select('year', years.map((y) => [y.year, y.label || yearLabel(y.year)]), year);
  const csv = h('a', { download: '', id: 'dl-progress-csv' }, '進捗状況表 CSV');
  const xlsx = h('a', { download: '', id: 'dl-progress-xlsx' }, '進捗状況表 Excel（XLSX）');
  const setYear = () => {
    csv.href = apiUrl('/reports/progress', { year: yearSel.value, format: 'csv' });
    xlsx.href = apiUrl('/reports/progress', { year: yearSel.value, format: 'xlsx' });
  };
  yearSel.addEventListener('change', setYear);
  setYear();
  const downloads = h('section.card', { 'aria-labelledby': 'dl-h' },
    h('h2#dl-h', 'ダウンロード'),
    h('div.filters', field('進捗状況表の年度', yearSel)),
    h('ul.downloads', h('li', csv), h('li', xlsx),
      h('li', h('a', { download: '', id: 'dl-audit-jsonl', href: apiUrl('/audit', { ...apiQuery, format: 'jsonl', limit: 5000 }) }, `監査記録 JSONL${searched ? '（検索条件どおり）' : '（すべて）'}`)),
      h('li', h('a', { download: '', id: 'dl-audit-csv', href: apiUrl('/audit', { ...apiQuery, format: 'csv', limit: 5000 }) }, `監査記録 CSV${searched ? '（検索条件どおり）' : '（すべて）'}`))),
    h('p.hint', `監査記録は1回に最大5000件です。${formatDateTime(new Date().toISOString())}時点。`));

  setPage('監査', form, results, verify, downloads);
}
