// #/sheets/:id/history — the sheet's audit events, oldest first.
import { h } from '../dom.js';
import { get } from '../api.js';
import { setPage } from '../ui.js';
import { timeline } from '../events.js';
import { yearLabel, measureName } from '../format.js';

export async function historyPage({ params, isCurrent }) {
  const id = encodeURIComponent(params.id);
  const [sheet, hist] = await Promise.all([get(`/sheets/${id}`), get(`/sheets/${id}/history`)]);
  if (!isCurrent()) return;
  setPage(`変更履歴 シート${sheet.sheet_no} ${measureName(sheet.measure)}`,
    h('p.lead', `${yearLabel(sheet.year)}・`, h('a', { href: `#/sheets/${sheet.id}` }, 'シートへ戻る'), `・${hist.events.length}件（古い順、時刻は日本時間）`),
    timeline(hist.events));
}
