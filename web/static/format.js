// Japanese labels and dates (the configured labels of states, actions, grades and roles: workflow.js).

// Fiscal years are stored as the Gregorian year they start in: 2019 → 令和元年度.
export function yearLabel(year) {
  const y = Number(year);
  if (y >= 2019) return `令和${y === 2019 ? '元' : y - 2018}年度`;
  if (y >= 1989) return `平成${y === 1989 ? '元' : y - 1988}年度`;
  return `${y}年度`;
}

// The plan's year (R1 … R5) of a fiscal year: 2019 → R1.
export function planYearKey(year) {
  return `R${Number(year) - 2018}`;
}

const dateFmt = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { era: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'Asia/Tokyo' });
const timeFmt = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Tokyo', hour12: false,
});

// 令和2年4月1日
export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : dateFmt.format(d);
}

// 令和2年4月1日 9:05
export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : timeFmt.format(d);
}

// A date input's value (YYYY-MM-DD) as the start of that day in JST.
export function jstDayStart(value) {
  return value ? `${value}T00:00:00+09:00` : '';
}

// The labels of states, actions, grades and roles are the server's configuration: workflow.js.

export const FIELD_LABELS = {
  grade: '評価', actions: '取組内容', results: '成果', next_steps: '今後の方針', state: '状態', version: '版',
  comment: 'コメント', login: 'ログインID', password: 'パスワード', year: '年度', actor: '操作者', since: '開始日', until: '終了日',
  departments: '実行課', sheet_no: 'シート番号', retired: '廃止', measure: '取組', fiscal_year: '年度', entity: '対象',
};
export function fieldLabel(f) { return FIELD_LABELS[f] || f; }

export const CHANGE_LABELS = { rose: '上昇', fell: '低下', stayed: '変化なし', new: '新規', dropped: '終了', ungraded: '未評価' };

export function measureName(m) {
  if (!m) return '';
  return m.number != null ? `${m.number} ${m.title}` : m.title;
}
