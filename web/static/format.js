// Japanese labels and dates.

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

// The labels of the default workflow (config/workflows/default.toml) and of the external
// review one; a name the UI does not know is shown as it is.
export const STATE_LABELS = {
  draft: '作成中', submitted: '提出済み', approved: '課長承認済み', under_review: '外部評価中', accepted: '受理済み',
};
export const ACTION_LABELS = {
  submit: '提出', approve: '承認', accept: '受理', return: '差戻し', send_back: '差戻し', reopen: '再開',
  refer_back: '差戻し', conclude: '評価完了', edit: '編集', create: '作成', import: 'インポート', open_year: '年度開始',
};
// Actions that need a comment (comment_required in the workflow definition).
export const COMMENT_ACTIONS = new Set(['return', 'send_back', 'reopen', 'refer_back']);

export function stateLabel(s) { return STATE_LABELS[s] || s || '—'; }
export function actionLabel(a) { return ACTION_LABELS[a] || a || '—'; }

// Honjo's grade scale (config/honjo/plan.toml): code, label, whether 成果 is required.
export const GRADES = [
  { code: 'A', label: '達成', resultsRequired: true },
  { code: 'B', label: '未達成', resultsRequired: true },
  { code: 'C', label: '検討中', resultsRequired: false },
  { code: 'D', label: '中止', resultsRequired: false },
];
export function gradeLabel(g) {
  if (!g) return '未評価';
  const x = GRADES.find((v) => v.code === g);
  return x ? `${g} ${x.label}` : g;
}

export const ROLE_LABELS = {
  staff: '担当者', approver: '課長（承認者）', coordinator: '取りまとめ課', auditor: '監査', admin: '管理者', committee: '外部評価委員',
};
export function roleLabel(r) { return ROLE_LABELS[r] || r; }

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
