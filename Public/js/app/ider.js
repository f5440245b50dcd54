// SPDX-License-Identifier: Apache-2.0
// IDE-R on the KVM page: the server serves a disk image from its image library to the device
// (relay branch: `GET /api/v1/ider/images`, `POST|DELETE /api/v1/amt/ider/{guid}`), so the
// picker lists the server's images and Start/Stop call those routes with the session cookie
// and the CSRF token.
// Run against the real server by Tests/browser/server.test.mjs. There is no upload of a local
// image: the operator fills the library on the server (`<data dir>/images/`).

import { h, put, Status } from './dom.js';

/** A readable message for a failed IDE-R call (statuses per the relay branch). */
export function iderErrorText(status, body) {
  const detail = body && (body.errorDescription || body.error || body.message);
  switch (status) {
  case 400: return `the request was refused${detail ? ` (${detail})` : ''}`;
  case 401: return 'your session has ended; please log in again';
  case 404: return detail ? String(detail) : 'no such image, or the device is offline';
  case 409: return 'IDE-R is already running on this device';
  case 502: return `the device failed${detail ? `: ${detail}` : ''}`;
  default: return `HTTP ${status}${detail ? ` (${detail})` : ''}`;
  }
}

async function call(ctx, method, url, body) {
  const headers = { 'X-CSRF-Token': ctx.session ? ctx.session.csrfToken : '' };
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, credentials: 'same-origin', headers,
    body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(iderErrorText(res.status, data));
  return data;
}

export function mountIder(container, ctx, guid) {
  const picker = h('select', { id: 'ider-image', 'aria-label': 'Disk image', disabled: true });
  const start = h('button', { type: 'button', id: 'ider-start', disabled: true }, 'Start IDE-R');
  const stop = h('button', { type: 'button', id: 'ider-stop' }, 'Stop IDE-R');
  const status = new Status(h('p', { class: 'status', id: 'ider-status' }));
  container.append(h('section', { class: 'card', id: 'ider' }, h('h3', {}, 'IDE-R (remote disk)'),
    h('p', { class: 'hint' }, 'Mounts an image from the server\'s image library on the device; ' +
      'then use a boot option "… to IDE-R CD" on the device page.'),
    h('div', { class: 'toolbar' }, picker, start, stop), status.el));
  const path = `/api/v1/amt/ider/${encodeURIComponent(guid)}`;

  call(ctx, 'GET', '/api/v1/ider/images').then((images) => {
    const list = Array.isArray(images) ? images : [];
    put(picker, ...list.map((i) => h('option', { value: i.name }, `${i.name} (${Math.round(i.size / 1048576)} MiB)`)));
    picker.disabled = start.disabled = list.length === 0;
    if (list.length === 0) status.ok('The server\'s image library is empty.');
  }, (e) => status.fail(`IDE-R is not available: ${e.message}.`));

  start.addEventListener('click', async () => {
    start.disabled = true;
    status.busy(`Starting IDE-R with ${picker.value}…`);
    try {
      await call(ctx, 'POST', path, { image: picker.value });
      status.ok(`IDE-R is serving ${picker.value}.`);
    } catch (e) { status.fail(`Starting IDE-R failed: ${e.message}.`); } finally { start.disabled = false; }
  });
  stop.addEventListener('click', async () => {
    status.busy('Stopping IDE-R…');
    try {
      await call(ctx, 'DELETE', path);
      status.ok('IDE-R stopped.');
    } catch (e) { status.fail(`Stopping IDE-R failed: ${e.message}.`); }
  });
  return () => {};
}
