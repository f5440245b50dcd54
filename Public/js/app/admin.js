// SPDX-License-Identifier: Apache-2.0
// Administration pages: API keys (a new key is shown once), web users, and the MPS root
// certificate (the CA that AMT devices must trust for CIRA) for download.

import { describeError } from './errors.js';
import { dialog, h, put, Status, formatDate } from './dom.js';

function listOf(result, key) {
  if (Array.isArray(result)) return result;
  if (result && Array.isArray(result[key])) return result[key];
  if (result && Array.isArray(result.data)) return result.data;
  return [];
}

function confirm(title, text, yes) {
  return dialog(title, h('p', {}, text),
    [{ label: 'Cancel', value: false }, { label: yes, value: true, primary: true }]);
}

export function mountKeys(container, ctx) {
  const rows = h('tbody', { id: 'key-rows' });
  const name = h('input', { type: 'text', id: 'key-name', required: true, maxlength: 64,
    placeholder: 'Name, e.g. provisioning', 'aria-label': 'New key name' });
  const form = h('form', { class: 'toolbar' }, name, h('button', { type: 'submit' }, 'Create key'));
  const shown = h('div', { id: 'new-key', hidden: true });
  const status = new Status(h('p', { class: 'status' }));
  container.append(h('h2', {}, 'API keys'),
    h('p', { class: 'hint' }, 'Scripts use a key in the X-MPS-API-Key header of the REST API.'),
    form, shown, status.el,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Starts with'),
      h('th', {}, 'Created'), h('th', {}, ''))), rows));

  async function load() {
    try {
      const keys = listOf(await ctx.rpc.call('apiKeys.list'), 'keys');
      put(rows, ...keys.map((k) => h('tr', { dataset: { name: k.name } }, h('td', {}, k.name),
        h('td', { class: 'guid' }, k.prefix ? `${k.prefix}…` : ''), h('td', {}, formatDate(k.createdAt)),
        h('td', {}, h('button', { type: 'button', class: 'danger', onclick: () => revoke(k.name) },
          'Revoke')))));
      if (keys.length === 0) rows.append(h('tr', {}, h('td', { colspan: 4, class: 'empty' },
        'No API keys.')));
    } catch (e) { status.fail(describeError(e, 'Loading API keys')); }
  }
  async function revoke(keyName) {
    if (!await confirm('Revoke API key?', `Scripts using "${keyName}" will stop working at once.`,
      'Revoke')) return;
    status.busy('Revoking…');
    try {
      await ctx.rpc.call('apiKeys.revoke', { name: keyName });
      status.ok(`Key "${keyName}" revoked.`);
      load();
    } catch (e) { status.fail(describeError(e, 'Revoking the key')); }
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.busy('Creating the key…');
    try {
      const r = await ctx.rpc.call('apiKeys.create', { name: name.value.trim() });
      const value = h('input', { type: 'text', readonly: true, id: 'new-key-value', value: r.key,
        class: 'secret', 'aria-label': 'The new key' });
      put(shown, h('p', {}, `Key "${r.name}" — copy it now: it is shown only this once.`), value,
        h('button', { type: 'button', onclick: () => { put(shown); shown.hidden = true; } }, 'Done'));
      shown.hidden = false;
      value.select();
      name.value = '';
      status.clear();
      load();
    } catch (e) { status.fail(describeError(e, 'Creating the key')); }
  });
  load();
  return () => put(shown); // the key leaves the DOM with the page
}

export function mountUsers(container, ctx) {
  const rows = h('tbody', { id: 'user-rows' });
  const name = h('input', { type: 'text', id: 'user-name', required: true, autocomplete: 'off',
    placeholder: 'User name', 'aria-label': 'User name' });
  const pass = h('input', { type: 'password', id: 'user-password', required: true,
    autocomplete: 'new-password', placeholder: 'Password', 'aria-label': 'Password' });
  const form = h('form', { class: 'toolbar' }, name, pass, h('button', { type: 'submit' }, 'Add user'));
  const status = new Status(h('p', { class: 'status' }));
  container.append(h('h2', {}, 'Users'), form, status.el,
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Created'),
      h('th', {}, ''))), rows));

  async function load() {
    try {
      const users = listOf(await ctx.rpc.call('users.list'), 'users');
      put(rows, ...users.map((u) => {
        const uname = typeof u === 'string' ? u : u.name;
        const me = ctx.session && ctx.session.user === uname;
        return h('tr', { dataset: { name: uname } }, h('td', {}, uname, me ? ' (you)' : ''),
          h('td', {}, formatDate(u.createdAt)),
          h('td', {}, h('button', { type: 'button', onclick: () => setPassword(uname) }, 'Set password'),
            ' ', h('button', { type: 'button', class: 'danger', disabled: me,
              onclick: () => remove(uname) }, 'Remove')));
      }));
    } catch (e) { status.fail(describeError(e, 'Loading users')); }
  }
  async function setPassword(uname) {
    const input = h('input', { type: 'password', autocomplete: 'new-password',
      'aria-label': 'New password' });
    const ok = await dialog(`New password for ${uname}`, h('div', {}, input),
      [{ label: 'Cancel', value: false }, { label: 'Set password', value: true, primary: true }]);
    if (!ok) return;
    status.busy('Setting the password…');
    try {
      await ctx.rpc.call('users.setPassword', { name: uname, password: input.value });
      status.ok(`Password of ${uname} changed.`);
    } catch (e) { status.fail(describeError(e, 'Setting the password')); }
  }
  async function remove(uname) {
    if (!await confirm('Remove user?', `${uname} will no longer be able to log in.`, 'Remove')) return;
    try {
      await ctx.rpc.call('users.remove', { name: uname });
      status.ok(`${uname} removed.`);
      load();
    } catch (e) { status.fail(describeError(e, 'Removing the user')); }
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.busy('Adding the user…');
    try {
      await ctx.rpc.call('users.add', { name: name.value.trim(), password: pass.value });
      status.ok(`${name.value.trim()} added.`);
      name.value = '';
      pass.value = '';
      load();
    } catch (e) { status.fail(describeError(e, 'Adding the user')); }
  });
  load();
}

export function mountCertificate(container, ctx) {
  const out = h('div', { id: 'cert' });
  const status = new Status(h('p', { class: 'status' }));
  container.append(h('h2', {}, 'Root certificate'),
    h('p', { class: 'hint' }, 'AMT devices trust this CA to reach this server over CIRA ' +
      '(give it to your provisioning profile).'), out, status.el);
  status.busy('Loading…');
  ctx.rpc.call('certificates.root').then((r) => {
    status.clear();
    put(out, h('p', {}, 'SHA-256 fingerprint: ', h('code', { id: 'cert-sha256' }, r.sha256 || '')),
      h('p', {}, h('a', { class: 'button', id: 'cert-download', href: '/api/v1/ciracert',
        download: 'mps-root-cert.pem' }, 'Download PEM')),
      h('pre', { class: 'pem', id: 'cert-pem' }, r.pem || ''));
  }, (e) => status.fail(describeError(e, 'Loading the certificate')));
}
