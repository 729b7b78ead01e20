// Audit events as a timeline: actor, JST time, action, comment, changed fields before/after,
// long texts as a line diff.
import { h } from './dom.js';
import { lineDiff } from './diff.js';
import { fieldLabel, formatDateTime } from './format.js';
import { actionLabel, stateLabel, gradeLabel, roleLabel } from './workflow.js';

function show(field, v) {
  if (v === null || v === undefined || v === '') return '（空欄）';
  if (field === 'state') return stateLabel(v);
  if (field === 'grade') return gradeLabel(v);
  if (Array.isArray(v)) return v.length ? v.join('、') : '（なし）';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function blank(v) { return v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length); }
function same(a, b) { return JSON.stringify(a ?? null) === JSON.stringify(b ?? null) || (blank(a) && blank(b)); }

function isLong(v) { return typeof v === 'string' && (v.length > 40 || v.includes('\n')); }

function changeRow(field, ch) {
  const both = ch && typeof ch === 'object' && ('before' in ch || 'after' in ch);
  const before = both ? ch.before : undefined;
  const after = both ? ch.after : ch;
  if (both && (isLong(before) || isLong(after))) {
    const diff = lineDiff(before || '', after || '');
    return h('div.change',
      h('p.change-name', fieldLabel(field), h('span.small', '（削除は「−」、追加は「＋」）')),
      h('ul.diff', { 'aria-label': `${fieldLabel(field)}の変更` }, diff.map((d) => h('li', { class: d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'same' },
        h('span.mark', { 'aria-hidden': 'true' }, d.op === '+' ? '＋' : d.op === '-' ? '−' : '　'),
        h('span.visually-hidden', d.op === '+' ? '追加: ' : d.op === '-' ? '削除: ' : ''),
        d.op === '+' ? h('ins', d.text) : d.op === '-' ? h('del', d.text) : d.text))));
  }
  return h('div.change', h('p.change-name', fieldLabel(field)),
    both ? h('p.before-after', h('span.before', show(field, before)), h('span', { 'aria-hidden': 'true' }, ' → '), h('span.visually-hidden', ' から '), h('span.after', show(field, after)))
      : h('p', show(field, after)));
}

export function timeline(events, opts = {}) {
  if (!events.length) return h('p.empty', '記録はありません。');
  return h('ol.timeline', events.map((e) => {
    const changes = e.changes && typeof e.changes === 'object' ? Object.entries(e.changes)
      .filter(([k, v]) => (k !== 'version' || opts.showVersion) && !(v && typeof v === 'object' && 'before' in v && same(v.before, v.after))) : [];
    return h('li.event', { 'data-action': e.action },
      h('p.event-head',
        h('time', { datetime: e.occurred_at }, formatDateTime(e.occurred_at)), ' ',
        h('strong.event-action', actionLabel(e.action)), ' ',
        h('span.actor', e.actor), e.actor_grant ? h('span.small', `（${grantText(e.actor_grant)}）`) : null,
        opts.entity ? h('span.small', ` ${e.entity_type}:${e.entity_id}`) : null),
      e.comment ? h('p.comment', h('span.label', 'コメント: '), e.comment) : null,
      changes.length ? h('div.changes', changes.map(([k, v]) => changeRow(k, v))) : null);
  }));
}

function grantText(g) {
  const [role, dept] = String(g).split('@');
  return dept ? `${roleLabel(role)}・${dept}` : roleLabel(role);
}
