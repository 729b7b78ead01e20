// A modal <dialog> asking for a comment (return, reopen …): resolves to the text, or null when
// cancelled. Focus goes back to the button that opened it.
import { h } from './dom.js';

let seq = 0;
export function commentDialog(title, opener) {
  return new Promise((resolve) => {
    const id = `cd${++seq}`;
    const text = h('textarea', { id: `${id}-text`, name: 'comment', rows: 5, 'aria-required': 'true', 'aria-describedby': `${id}-hint` });
    const error = h('p.error', { id: `${id}-err`, role: 'alert' });
    const cancel = h('button.secondary', { type: 'button' }, 'キャンセル');
    const dialog = h('dialog.comment', { 'aria-labelledby': `${id}-h` },
      h('form', { method: 'dialog' },
        h('h2', { id: `${id}-h` }, title),
        h('div.field', h('label', { for: text.id }, 'コメント（必須）'), text, h('p.hint', { id: `${id}-hint` }, '担当者に伝わるよう、理由を具体的に書いてください。')),
        error,
        h('div.actions', h('button', { type: 'submit', value: 'ok' }, '実行'), cancel)));
    let result = null;
    dialog.querySelector('form').addEventListener('submit', (e) => {
      if (!text.value.trim()) {
        e.preventDefault();
        error.textContent = 'コメントを入力してください。';
        text.focus();
        return;
      }
      result = text.value.trim();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener && opener.isConnected) opener.focus();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
    text.focus();
  });
}
