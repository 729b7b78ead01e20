// The HTTP API (api/openapi.json) with the session cookie. Changes echo the session's CSRF
// token in X-CSRF-Token (the double submit of api/src/http_api.cpp); the token is kept in
// memory only, or read again from the shinchoku_csrf cookie.
import { fieldLabel } from './format.js';

let csrfToken = null;
let onUnauthorized = () => {};

export function setCsrfToken(t) { csrfToken = t || null; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function csrf() {
  if (csrfToken) return csrfToken;
  const m = /(?:^|;\s*)shinchoku_csrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : '';
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(`API ${status}${problem && problem.detail_en ? `: ${problem.detail_en}` : ''}`);
    this.status = status;
    this.problem = problem || {};
  }
  // Plain Japanese for people: the title, the Japanese detail, the field by its label.
  get japanese() {
    const p = this.problem;
    const ja = (t) => typeof t === 'string' && /[ぁ-んァ-ヶ一-龠]/.test(t);
    // The title is the HTTP reason in English; the Japanese is in detail_ja (or the first half
    // of detail, "日本語 / English").
    const detail = p.detail_ja || (ja(p.detail) ? p.detail.split(' / ')[0] : '');
    const parts = [ja(p.title) ? p.title : '', detail || defaultTitle(this.status)].filter(Boolean);
    if (p.field) parts.push(`（項目: ${fieldLabel(p.field)}）`);
    if (this.status === 422 && p.field && FIELD_HINTS[p.field]) parts.push(FIELD_HINTS[p.field]);
    return parts.join(' ');
  }
}

const FIELD_HINTS = {
  grade: '評価を選んでください。',
  actions: '取組内容を入力してください。',
  results: 'この評価では成果の入力が必要です。',
  next_steps: '今後の方針を入力してください。',
  comment: '理由のコメントを入力してください。',
};

function defaultTitle(status) {
  switch (status) {
    case 0: return 'サーバーに接続できません。ネットワークを確認してください。';
    case 401: return 'ログインが必要です。';
    case 403: return 'この操作を行う権限がありません。';
    case 404: return '見つかりません。';
    case 409: return '現在の状態ではこの操作はできません。';
    case 412: return 'ほかの人が先に変更しました。';
    case 422: return '入力内容に誤りがあります。';
    case 429: return 'しばらく待ってからもう一度お試しください。';
    case 503: return 'サーバーが混み合っているか、データベースに接続できません。しばらくしてからお試しください。';
    default: return `エラーが発生しました（${status}）。`;
  }
}

// request('GET', '/sheets', {query, body, ifMatch}) → {data, etag, status}
export async function request(method, path, opts = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [k, v] of Object.entries(opts.query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
  }
  const headers = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf();
  if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
  let res;
  try {
    res = await fetch(url, { method, headers, credentials: 'same-origin', body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined });
  } catch {
    throw new ApiError(0, null);
  }
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (res.status !== 204) {
    if (type.includes('json')) {
      try { data = await res.json(); } catch { data = null; }
    } else {
      await res.text();
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, type.includes('problem+json') || (data && data.title) ? data : null);
    if (res.status === 401 && !opts.noRedirect) onUnauthorized();
    throw err;
  }
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

export const get = async (path, query) => (await request('GET', path, { query })).data;

// Every page of a cursor list (sheets), up to `max` items.
export async function getAll(path, query, max = 2000) {
  const items = [];
  let cursor;
  do {
    const page = await get(path, { ...query, limit: 200, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
