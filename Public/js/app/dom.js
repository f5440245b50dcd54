// SPDX-License-Identifier: Apache-2.0
// Small DOM helpers: building elements with text only (never HTML strings), a status line
// with progress, and a modal dialog on <dialog>.

/**
 * `h('button', {type: 'button', class: 'x', onclick: fn}, 'text', child)`: attributes,
 * `on*` handlers, `dataset`/`hidden`/`value`/`checked`/`disabled` properties; children are
 * nodes or strings (as text).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (['hidden', 'value', 'checked', 'disabled', 'selected'].includes(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces `el`'s children. */
export function put(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A status line for one area: `busy(text)` shows progress, `ok(text)` / `fail(text)` the
 * outcome. `run(label, fn)` wraps an async operation, disabling `buttons` meanwhile.
 */
export class Status {
  constructor(el) { this.el = el; }

  busy(text) { this._set(text, 'status busy'); }
  ok(text) { this._set(text, 'status ok'); }
  fail(text) { this._set(text, 'status error'); }
  clear() { this._set('', 'status'); }

  _set(text, cls) {
    this.el.className = cls;
    this.el.textContent = text;
    this.el.setAttribute('role', cls.includes('error') ? 'alert' : 'status');
  }
}

/** Disables the buttons while `fn` runs; returns fn's result. */
export async function withButtons(buttons, fn) {
  for (const b of buttons) b.disabled = true;
  try {
    return await fn();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/**
 * Shows a modal dialog with `content` and `buttons` ([{label, value, primary}]). Resolves
 * to the chosen value, or null when dismissed (Escape). `onSubmit` may return false to keep
 * the dialog open (for example after a wrong code).
 */
export function dialog(title, content, buttons, { onChoose = null } = {}) {
  return new Promise((resolve) => {
    const bar = h('div', { class: 'dialog-buttons' });
    const form = h('form', { method: 'dialog' }, h('h2', {}, title), content, bar);
    const dlg = h('dialog', { class: 'modal' }, form);
    let done = false;
    const finish = (value) => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      resolve(value);
    };
    for (const b of buttons) {
      const btn = h('button', { type: b.primary ? 'submit' : 'button',
        class: b.primary ? 'primary' : '', dataset: { value: String(b.value) } }, b.label);
      btn.addEventListener('click', async (ev) => {
        ev.preventDefault();
        if (onChoose) {
          for (const x of bar.querySelectorAll('button')) x.disabled = true;
          let keep = false;
          try { keep = (await onChoose(b.value)) === false; } finally {
            for (const x of bar.querySelectorAll('button')) x.disabled = false;
          }
          if (keep) return;
        }
        finish(b.value);
      });
      bar.append(btn);
    }
    dlg.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      if (onChoose) Promise.resolve(onChoose(null)).finally(() => finish(null));
      else finish(null);
    });
    document.body.append(dlg);
    dlg.showModal();
  });
}

/** A "yyyy-mm-dd hh:mm:ss" local rendering of an ISO date, or '' for none. */
export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
