// What the server is configured with (GET /api/v1/workflow): the grade scale, the workflow's
// states, actions and roles with their Japanese labels, and the plan's departments. Loaded once
// after sign-in and kept here; the UI holds no copy of a city's configuration.
import { get } from './api.js';

let config = null;
let loading = null;

// Loads the configuration once; later calls return what was loaded.
export function loadWorkflow() {
  if (config) return Promise.resolve(config);
  if (!loading) {
    loading = get('/workflow').then((c) => { config = c; return c; }).finally(() => { loading = null; });
  }
  return loading;
}

export function forgetWorkflow() { config = null; }

const list = (key) => (config && Array.isArray(config[key]) ? config[key] : []);
const byCode = (key, code) => list(key).find((x) => x.code === code);

export function grades() { return list('grades'); }
export function states() { return list('states'); }
export function departments() { return list('departments'); }
export function planName() { return (config && config.plan && config.plan.name) || ''; }

// Audit events that are no workflow action: their labels are the UI's own.
const EVENT_LABELS = { edit: '編集', create: '作成', import: 'インポート', open_year: '年度開始' };

// A code the configuration does not know is shown as it is.
export function stateLabel(s) { return (byCode('states', s) || {}).label || s || '—'; }
export function actionLabel(a) { return (byCode('actions', a) || {}).label || EVENT_LABELS[a] || a || '—'; }
export function roleLabel(r) { return (byCode('roles', r) || {}).label || r; }
export function gradeLabel(g) {
  if (!g) return '未評価';
  const x = byCode('grades', g);
  return x ? `${g} ${x.label}` : g;
}

// The colour class of a state or grade tag, from what the configuration says of it rather than
// its code, so that another city's states and scale are coloured too: the first state, the
// final one, those between; the scale's first grade, the one under study, the one that stops the
// measure, the others.
export function stateClass(s) {
  const x = byCode('states', s);
  if (!x) return 'state state-between';
  return `state state-${x.initial ? 'initial' : x.final ? 'final' : 'between'}`;
}
export function gradeClass(g) {
  const x = byCode('grades', g);
  if (!g || !x) return 'grade grade-none';
  if (x.discontinues) return 'grade grade-stops';
  if (x.under_study) return 'grade grade-study';
  return `grade grade-${grades()[0] === x ? 'first' : 'other'}`;
}

// Whether the action is refused without a comment (comment_required in the workflow file).
export function needsComment(a) { return Boolean((byCode('actions', a) || {}).comment_required); }
// Whether 成果 must be written for the grade.
export function resultsRequired(g) { return Boolean((byCode('grades', g) || {}).results_required); }
