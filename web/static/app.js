// Start: who is signed in, the header, and the hash routes.
import { setUnauthorizedHandler, get } from './api.js';
import * as session from './session.js';
import { route, parse, match, go } from './router.js';
import { clearAlert, showError, showStatus, setPage } from './ui.js';
import { h } from './dom.js';
import { loginPage } from './pages/login.js';
import { mePage } from './pages/me.js';
import { sheetsPage } from './pages/sheets.js';
import { sheetPage } from './pages/sheet.js';
import { historyPage } from './pages/history.js';
import { dashboardPage } from './pages/dashboard.js';
import { auditPage } from './pages/audit.js';
import { measurePage } from './pages/measure.js';
import { inboxPage } from './pages/inbox.js';
import { loadWorkflow, forgetWorkflow, planName } from './workflow.js';

route('/login', loginPage);
route('/me', mePage);
route('/sheets', sheetsPage);
route('/sheets/:id', sheetPage);
route('/sheets/:id/history', historyPage);
route('/dashboard', dashboardPage);
route('/audit', auditPage);
route('/measures/:id', measurePage);
route('/inbox', inboxPage);

function toLogin() {
  session.forget();
  forgetWorkflow();
  updateHeader();
  const { path } = parse();
  if (path !== '/login') go('/login', { next: location.hash.replace(/^#/, '') || '/sheets' });
}
setUnauthorizedHandler(toLogin);

// The reminders link to <web_base_url>/sheets/<id>; the server answers any such path with this
// page: take it as the hash route.
if (location.pathname !== '/' && location.pathname !== '/index.html') {
  const hash = location.hash || `#${location.pathname}${location.search}`;
  history.replaceState(null, '', `/${hash}`);
}

export function updateHeader() {
  const me = session.current();
  const nav = document.getElementById('nav');
  nav.hidden = !me;
  // The skip link moves focus without touching the hash (the hash is the route).
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('main').focus();
});

document.getElementById('logout').hidden = !me;
  if (!me) return;
  for (const a of nav.querySelectorAll('[data-roles]')) {
    a.parentElement.hidden = !session.hasRole(...a.dataset.roles.split(' '));
  }
  document.getElementById('me-link').textContent = me.name || me.login;
  refreshUnread();
}

export async function refreshUnread() {
  const badge = document.getElementById('unread');
  try {
    const page = await get('/notifications', { unread: 'true', limit: 1 });
    badge.textContent = page.unread > 0 ? `未読 ${page.unread}件` : '';
    badge.hidden = !(page.unread > 0);
  } catch {
    badge.hidden = true;
  }
}

function markNav(path) {
  for (const a of document.querySelectorAll('#nav a')) {
    const on = path.startsWith(`/${a.dataset.nav}`) || (a.dataset.nav === 'sheets' && path.startsWith('/measures'));
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

let renderSeq = 0;
// body[aria-busy] while a page renders; data-route names the hash last rendered (tests wait on it).
async function render() {
  const seq = ++renderSeq;
  document.body.setAttribute('aria-busy', 'true');
  try {
    await renderRoute(seq);
  } finally {
    if (seq === renderSeq) {
      document.body.dataset.route = location.hash;
      document.body.removeAttribute('aria-busy');
    }
  }
}

async function renderRoute(seq) {
  const { path, query } = parse();
  if (!session.current() && path !== '/login') {
    try {
      await session.load();
      updateHeader();
    } catch {
      if (seq === renderSeq) toLogin();
      return;
    }
  }
  if (path === '/' || path === '') { go('/sheets'); return; }
  // The configuration's labels, grades and departments (GET /api/v1/workflow), once per sign-in.
  if (session.current() && path !== '/login') {
    try {
      await loadWorkflow();
      // The plan's own name (the configuration's), not a city written into the page.
      document.getElementById('site-title').textContent = `shinchoku — ${planName()} 進捗状況の評価`;
    } catch (err) {
      if (seq === renderSeq && !(err && err.status === 401)) showError(err);
      return;
    }
  }
  const found = match(path);
  clearAlert();
  showStatus('');
  markNav(path);
  if (!found) {
    setPage('ページが見つかりません', h('p', h('a', { href: '#/sheets' }, 'シート一覧へ戻る')));
    return;
  }
  try {
    await found.handler({ params: found.params, query, isCurrent: () => seq === renderSeq });
  } catch (err) {
    if (seq === renderSeq && !(err && err.status === 401)) showError(err);
  }
  if (seq === renderSeq && session.current() && path !== '/inbox') refreshUnread();
}

document.getElementById('logout').addEventListener('click', async () => {
  try { await session.signOut(); } catch { /* the session is gone either way */ }
  forgetWorkflow();
  updateHeader();
  go('/login');
});

window.addEventListener('hashchange', () => {
  render().then(() => {
    const main = document.getElementById('main');
    if (!main.contains(document.activeElement) || document.activeElement === document.body) main.focus({ preventScroll: true });
  });
});
render();
