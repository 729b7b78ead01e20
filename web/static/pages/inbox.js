// #/inbox — the user's reminders, newest first; each can be marked read.
import { h } from '../dom.js';
import { get, request } from '../api.js';
import { setPage, showError } from '../ui.js';
import { formatDateTime, yearLabel } from '../format.js';
import { refreshUnread } from '../app.js';

export async function inboxPage({ query, isCurrent }) {
  const unreadOnly = query.unread === 'true';
  const page = await get('/notifications', { limit: 100, unread: unreadOnly ? 'true' : null });
  if (!isCurrent()) return;
  refreshUnread();
  const unreadCount = h('span#inbox-unread', { 'data-n': page.unread }, `未読 ${page.unread}件`);
  const items = page.items.map((n) => {
    const mark = n.read_at ? null : h('button.secondary', { type: 'button', 'data-id': n.id, 'aria-label': `既読にする（シート${n.sheet_no}の通知）` }, '既読にする');
    const li = h('li', { class: n.read_at ? 'note read' : 'note unread' },
      h('p.note-head', n.read_at ? h('span.tag', '既読') : h('span.tag.new', '未読'), ' ', h('strong', n.title)),
      h('p.small', formatDateTime(n.created_at), `・${yearLabel(n.year)} `, h('a', { href: `#/sheets/${n.sheet_id}` }, `シート${n.sheet_no}を開く`)),
      h('p.text', n.body.replace(/\s*https?:\/\/\S+\/sheets\/\d+\s*$/, '')),
      mark);
    if (mark) {
      mark.addEventListener('click', async () => {
        try {
          await request('POST', `/notifications/${n.id}/read`);
          li.className = 'note read';
          li.querySelector('.tag').textContent = '既読';
          li.querySelector('.tag').classList.remove('new');
          unreadCount.textContent = `未読 ${Math.max(0, Number(unreadCount.dataset.n) - 1)}件`;
          unreadCount.dataset.n = String(Math.max(0, Number(unreadCount.dataset.n) - 1));
          mark.remove();
          refreshUnread();
        } catch (err) { showError(err); }
      });
    }
    return li;
  });
  setPage('お知らせ',
    h('p.lead', unreadCount, `・全 ${page.total}件 `,
      unreadOnly ? h('a', { href: '#/inbox' }, 'すべて表示') : h('a', { href: '#/inbox?unread=true' }, '未読だけ表示')),
    items.length ? h('ul.notes', items) : h('p.empty', 'お知らせはありません。'));
}
