// Who is signed in (GET /api/v1/me), kept for the pages; nothing of it is stored in the browser.
import { get, request, setCsrfToken } from './api.js';

let me = null;

export function current() { return me; }

export async function load() {
  me = await get('/me');
  setCsrfToken(me.csrf_token);
  return me;
}

export async function signIn(login, password) {
  const { data } = await request('POST', '/session', { body: { login, password }, noRedirect: true });
  setCsrfToken(data.csrf_token);
  return load();
}

export async function signOut() {
  try { await request('DELETE', '/session', { noRedirect: true }); } finally { forget(); }
}

export function forget() {
  me = null;
  setCsrfToken(null);
}

export function hasRole(...roles) {
  return Boolean(me && me.grants.some((g) => roles.includes(g.role)));
}
