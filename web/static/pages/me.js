// #/me — who is signed in: grants, departments, when the session ends.
import { h, table } from '../dom.js';
import { setPage } from '../ui.js';
import * as session from '../session.js';
import { formatDateTime } from '../format.js';
import { roleLabel } from '../workflow.js';

export async function mePage() {
  const me = await session.load();
  setPage('利用者情報',
    h('dl.meta',
      h('dt', 'ログインID'), h('dd', me.login),
      h('dt', '氏名'), h('dd', me.name || '—'),
      h('dt', '所属課'), h('dd', me.departments.length ? me.departments.join('、') : '（課に属さない役割）'),
      h('dt', 'セッションの期限'), h('dd', formatDateTime(me.session.expires_at)),
      h('dt', '操作がない場合の期限'), h('dd', formatDateTime(me.session.idle_expires_at))),
    h('h2', '権限'),
    table('この利用者の権限', ['役割', '課'], me.grants.map((g) => [roleLabel(g.role), g.department || '全庁'])));
}
