// #/login — sign in (POST /api/v1/session sets the HttpOnly session cookie).
import { h } from '../dom.js';
import { setPage, field, showError, clearAlert } from '../ui.js';
import * as session from '../session.js';
import { updateHeader } from '../app.js';

export async function loginPage({ query }) {
  if (session.current()) { location.hash = '#/sheets'; return; }
  const login = h('input', { name: 'login', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, 'ログイン');
  const form = h('form.card.narrow', { id: 'login-form' },
    field('ログインID', login), field('パスワード', password), h('div.actions', submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      await session.signIn(login.value.trim(), password.value);
      clearAlert();
      updateHeader();
      const next = query.next && query.next.startsWith('/') && !query.next.startsWith('/login') ? query.next : '/sheets';
      location.hash = `#${next}`;
    } catch (err) {
      password.value = '';
      showError(err);
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  const note = query.next ? h('p.hint', 'ログインしていないか、セッションが終了しました。ログインすると元の画面に戻ります。') : null;
  setPage('ログイン', h('p', '地域福祉計画の進捗管理にログインします。'), note, form);
  login.focus();
}
