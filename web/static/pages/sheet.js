// #/sheets/:id — a sheet: its place in the plan, last year beside this year, the four fields
// (editable when the API says so), the actions the API allows this user, and the conflict
// message when someone else changed the sheet first.
import { h } from '../dom.js';
import { request, get, ApiError } from '../api.js';
import { setPage, field, select, showError, showAlert, clearAlert, showStatus } from '../ui.js';
import { yearLabel, planYearKey, fieldLabel, measureName, formatDateTime } from '../format.js';
import { stateLabel, stateClass, actionLabel, gradeLabel, gradeClass, grades, needsComment, resultsRequired } from '../workflow.js';
import { commentDialog } from '../comment_dialog.js';

const FIELDS = ['grade', 'actions', 'results', 'next_steps'];

// The grade field's help, from the configured scale: its grades, and those that need 成果.
function gradeRules() {
  const scale = grades();
  const needing = scale.filter((g) => g.results_required).map((g) => g.code);
  return `評価の基準: ${scale.map((g) => `${g.code} ${g.label}`).join('・')}。`
    + `${needing.length ? `${needing.join('・')} は成果の記入が必要です。` : ''}提出には評価・取組内容・今後の方針も必要です。`;
}

// 差戻し・再開には理由のコメントが必要です。— for the allowed actions that need a comment.
function commentHint(allowed) {
  const labels = [...new Set(allowed.filter(needsComment).map(actionLabel))];
  return labels.length ? h('p.hint', `${labels.join('・')}には理由のコメントが必要です。`) : null;
}

export async function sheetPage({ params, isCurrent }) {
  const { data, etag } = await request('GET', `/sheets/${encodeURIComponent(params.id)}`);
  if (!isCurrent()) return;
  new SheetView(data, etag).render();
}

function valueOf(sheet, f) { return f === 'grade' ? sheet.grade || '' : sheet[f] || ''; }

function shorten(text, n = 60) {
  const t = (text || '').replace(/\s+/g, ' ');
  return t.length > n ? `${t.slice(0, n)}…` : t || '（空欄）';
}

class SheetView {
  constructor(sheet, etag) {
    this.base = sheet; // the sheet as the user's edits started from
    this.etag = etag || `"${sheet.version}"`;
    this.inputs = null;
  }

  // The user's values; those they did not touch are the base's.
  typed() {
    const out = {};
    for (const f of FIELDS) out[f] = this.inputs ? this.inputs[f].value : valueOf(this.base, f);
    return out;
  }

  changedFields() {
    const t = this.typed();
    return FIELDS.filter((f) => t[f] !== valueOf(this.base, f));
  }

  render(keep = null) {
    const s = this.base;
    const title = `シート${s.sheet_no} ${measureName(s.measure)}`;
    setPage(title,
      h('p.lead', `${yearLabel(s.year)}・`, h('span', { class: stateClass(s.state) }, stateLabel(s.state)), `・版 ${s.version}`,
        s.retired ? '・廃止' : '',
        ' ・ ', h('a', { href: `#/sheets/${s.id}/history` }, '変更履歴'),
        ' ・ ', h('a', { href: `#/measures/${encodeURIComponent(s.measure_id)}` }, 'この取組の年度ごとの推移'),
        ' ・ ', h('a', { href: `#/sheets?year=${s.year}` }, `${yearLabel(s.year)}のシート一覧`)),
      this.planSection(s),
      this.evaluationSection(s, keep),
      this.actionsSection(s));
  }

  planSection(s) {
    const m = s.measure;
    const current = planYearKey(s.year);
    const keys = Object.keys(m.schedule || {}).sort();
    const related = (m.related_departments || []).map((d, i) => [i ? '、' : '', d === m.lead_department ? h('strong', `${d}（取りまとめ）`) : d]);
    return h('section.card', { 'aria-labelledby': 'plan-h' },
      h('h2#plan-h', '計画上の位置づけ'),
      h('dl.meta',
        h('dt', '基本戦略'), h('dd', s.strategy),
        h('dt', '施策細目'), h('dd', s.policy),
        h('dt', '重点施策'), h('dd', s.focus || '（なし）'),
        h('dt', '重点事項・重点的取組'), h('dd', measureName(m),
          m.relisted_from ? h('span.small', `（再掲: ${m.relisted_from.title}${m.relisted_from.sheet_nos && m.relisted_from.sheet_nos.length ? `・シート${m.relisted_from.sheet_nos.join('、')}` : ''}）`) : null),
        h('dt', '掲載頁'), h('dd', m.plan_page != null ? `${m.plan_page}頁` : '—'),
        h('dt', '関係課'), h('dd', related.length ? related : '—'),
        h('dt', '実行課'), h('dd', s.departments.join('、'))),
      h('div.table-wrap', h('table.schedule',
        h('caption', '計画期間の予定（今年度に印）'),
        h('thead', h('tr', keys.map((k) => h('th', { scope: 'col', class: k === current ? 'current' : null }, k === current ? `${k}（今年度）` : k)))),
        h('tbody', h('tr', keys.map((k) => h('td', { class: k === current ? 'current' : null }, m.schedule[k] || '—')))))));
  }

  evaluationSection(s, keep) {
    this.inputs = null;
    const prev = s.previous;
    const prevBox = h('section.prev', { 'aria-labelledby': 'prev-h' },
      h('h3#prev-h', `前年度（${yearLabel(s.year - 1)}）`),
      prev
        ? [h('p', h('span.label', '評価: '), h('span', { class: gradeClass(prev.grade) }, gradeLabel(prev.grade))),
          h('p.label', '今後の方針'), h('p.text', prev.next_steps || '（空欄）')]
        : h('p', '前年度のシートはありません。'));
    let current;
    if (s.editable) {
      const values = keep || {};
      const v = (f) => (f in values ? values[f] : valueOf(s, f));
      const grade = select('grade', [['', '未評価'], ...grades().map((g) => [g.code, `${g.code} ${g.label}`])], v('grade'));
      const area = (name, rows) => h('textarea', { name, rows, value: v(name) });
      this.inputs = { grade, actions: area('actions', 6), results: area('results', 5), next_steps: area('next_steps', 5) };
      for (const f of FIELDS) this.inputs[f].value = v(f);
      const resultsNote = h('span.req', { id: 'results-req' });
      const updateRule = () => {
        resultsNote.textContent = resultsRequired(grade.value) ? '（この評価では必須）' : '';
      };
      grade.addEventListener('change', updateRule);
      updateRule();
      const resultsField = field('成果', this.inputs.results);
      resultsField.querySelector('label').append(resultsNote);
      const save = h('button', { type: 'submit' }, '保存');
      const form = h('form.sheet-form', { id: 'sheet-form', 'aria-labelledby': 'this-h' },
        field('評価', grade, gradeRules()),
        field('取組内容', this.inputs.actions),
        resultsField,
        field('今後の方針', this.inputs.next_steps),
        h('div.actions', save));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        save.disabled = true;
        try {
          if (await this.save()) { this.render(); showStatus('保存しました。'); }
        } finally { save.disabled = false; }
      });
      current = form;
    } else {
      current = h('div.readonly',
        h('p', h('span.label', '評価: '), h('span', { class: gradeClass(s.grade) }, gradeLabel(s.grade))),
        ['actions', 'results', 'next_steps'].map((f) => [h('p.label', fieldLabel(f)), h('p.text', s[f] || '（空欄）')]),
        h('p.hint', 'このシートは現在の状態ではあなたが編集できません。'));
    }
    return h('section.card', { 'aria-labelledby': 'eval-h' },
      h('h2#eval-h', '自己評価'),
      h('div.compare', h('section.this', h('h3#this-h', `今年度（${yearLabel(s.year)}）`), current), prevBox));
  }

  actionsSection(s) {
    const buttons = (s.allowed_actions || []).map((a) => h('button', {
      type: 'button', 'data-action': a, class: needsComment(a) ? 'secondary' : null, on: { click: (e) => this.act(a, e.currentTarget) },
    }, actionLabel(a)));
    return h('section.card', { 'aria-labelledby': 'act-h' },
      h('h2#act-h', '操作'),
      buttons.length ? h('div.actions', buttons) : h('p', 'あなたがこのシートに対して行える操作は、現在ありません。'),
      commentHint(s.allowed_actions || []));
  }

  // PATCH the fields the user changed; true when saved (or nothing to save).
  async save() {
    const changed = this.changedFields();
    if (!changed.length) return true;
    const t = this.typed();
    const body = Object.fromEntries(changed.map((f) => [f, f === 'grade' ? (t.grade || null) : t[f]]));
    try {
      const { data, etag } = await request('PATCH', `/sheets/${this.base.id}`, { body, ifMatch: this.etag });
      this.base = data;
      this.etag = etag || `"${data.version}"`;
      clearAlert();
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) await this.conflict(err);
      else showError(err);
      return false;
    }
  }

  async act(action, button) {
    let comment = null;
    if (needsComment(action)) {
      comment = await commentDialog(`${actionLabel(action)}の理由`, button);
      if (comment === null) return;
    }
    button.disabled = true;
    try {
      if (this.base.editable && this.changedFields().length && !(await this.save())) return;
      const { data, etag } = await request('POST', `/sheets/${this.base.id}/transitions`, {
        body: comment !== null ? { action, comment } : { action }, ifMatch: this.etag,
      });
      this.base = data;
      this.etag = etag || `"${data.version}"`;
      this.inputs = null;
      this.render();
      showStatus(`${actionLabel(action)}しました。現在の状態: ${stateLabel(data.state)}`);
      document.getElementById('main').focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) await this.conflict(err);
      else showError(err);
    } finally {
      button.disabled = false;
    }
  }

  // Someone else changed the sheet first: say what changed, and offer to load it keeping the
  // user's text.
  async conflict(err) {
    let latest;
    let latestEtag;
    let last = null;
    try {
      ({ data: latest, etag: latestEtag } = await request('GET', `/sheets/${this.base.id}`));
      const hist = await get(`/sheets/${this.base.id}/history`);
      last = hist.events.length ? hist.events[hist.events.length - 1] : null;
    } catch (e) {
      showError(e);
      return;
    }
    const mine = new Set(this.changedFields());
    const rows = [];
    for (const f of FIELDS) {
      const before = valueOf(this.base, f);
      const after = valueOf(latest, f);
      if (before !== after) {
        rows.push(h('li', h('strong', fieldLabel(f)), `: 「${f === 'grade' ? gradeLabel(before) : shorten(before)}」→「${f === 'grade' ? gradeLabel(after) : shorten(after)}」`,
          mine.has(f) ? h('span.small', '（あなたも変更中。あなたの入力を残します）') : null));
      }
    }
    if (latest.state !== this.base.state) rows.push(h('li', h('strong', '状態'), `: ${stateLabel(this.base.state)} → ${stateLabel(latest.state)}`));
    const typed = this.typed();
    const reload = h('button', {
      type: 'button', id: 'conflict-reload',
      on: {
        click: () => {
          const keep = {};
          for (const f of mine) keep[f] = typed[f];
          this.base = latest;
          this.etag = latestEtag || `"${latest.version}"`;
          this.inputs = null;
          this.render(keep);
          if (!latest.editable && mine.size) {
            showAlert(h('p', 'このシートは現在編集できない状態になっています。あなたの入力した文章を下に残します。'),
              h('div.kept', [...mine].map((f) => [h('p.label', fieldLabel(f)), h('p.text', typed[f])])));
          } else {
            showStatus(mine.size ? '最新の内容を読み込みました。あなたの入力した文章は残っています。確認して保存してください。' : '最新の内容を読み込みました。');
          }
        },
      },
    }, '最新の内容を読み込む（入力した文章は残ります）');
    showAlert(
      h('p', h('strong', 'ほかの人が先にこのシートを変更したため、保存できませんでした。'),
        last ? ` 変更者: ${last.actor}（${formatDateTime(last.occurred_at)}）` : ''),
      rows.length ? [h('p', '変更された内容:'), h('ul.changes', rows)] : h('p', `版が ${this.base.version} から ${latest.version} に進んでいます。`),
      h('p', 'あなたの入力はまだ画面に残っています。'),
      reload);
    reload.focus();
  }
}

