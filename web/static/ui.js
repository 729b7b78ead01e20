// The page's shared regions: the alert (errors, in plain Japanese), the status line, the page.
import { h, clear, append } from './dom.js';
import { ApiError } from './api.js';

const alertBox = () => document.getElementById('alert');

export function showError(err, extra = []) {
  const text = err instanceof ApiError ? err.japanese : (err && err.message) || String(err);
  if (!(err instanceof ApiError)) console.warn(err);
  clear(alertBox());
  append(alertBox(), [h('div.alert-box', h('p', text), extra)]);
  alertBox().scrollIntoView({ block: 'nearest' });
}

export function showAlert(...content) {
  clear(alertBox());
  append(alertBox(), [h('div.alert-box', content)]);
}

export function clearAlert() { clear(alertBox()); }

export function showStatus(text) {
  const el = document.getElementById('status');
  clear(el);
  if (text) el.append(h('p.ok', text));
}

export function setPage(title, ...content) {
  document.title = `${title} — 進捗`;
  const page = document.getElementById('page');
  clear(page);
  append(page, [h('h1', title), content]);
  return page;
}

// A labelled control: <div class="field"><label for=id>label</label> control hint</div>
let seq = 0;
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++seq}`;
  const hintEl = hint ? h('p.hint', { id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div.field', h('label', { for: control.id }, label), control, hintEl);
}

export function select(name, options, value) {
  return h('select', { name },
    options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(value ?? '') }, label)));
}
