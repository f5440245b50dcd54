// SPDX-License-Identifier: Apache-2.0
// The web UI's entry: one JSON-RPC WebSocket per tab (the browser session cookie
// authenticates it), hash routes to the pages, pushed device changes fanned out to the page
// on screen, and the way back to login when the session ends.

import { RpcClient } from './js/app/rpc.js';
import { describeError } from './js/app/errors.js';
import { mount as devicesPage } from './js/app/devices.js';
import { mount as devicePage } from './js/app/device.js';
import { mount as remotePage } from './js/app/remote.js';
import { mountKeys, mountUsers, mountCertificate } from './js/app/admin.js';

/** Where the server's login page is; `expired=1` makes it say why the user is back. */
export const LOGIN_PATH = '/login';
const STATS_MS = 1000;

const $ = (id) => document.getElementById(id);
const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const rpc = new RpcClient(`${scheme}//${location.host}/rpc`);
const changeListeners = new Set();
const reconnectListeners = new Set();
let session = null;
let unmount = null;
let statsTimer = null;

function toLogin(expired) {
  location.assign(expired ? `${LOGIN_PATH}?expired=1` : LOGIN_PATH);
}

const ctx = {
  rpc,
  prefs: {},
  get session() { return session; },
  onDeviceChange(fn) { changeListeners.add(fn); return () => changeListeners.delete(fn); },
  onReconnect(fn) { reconnectListeners.add(fn); return () => reconnectListeners.delete(fn); },
  navigate(hash) { location.hash = hash; },
};

const routes = [
  [/^#\/?(devices)?$/, 'devices', () => devicesPage],
  [/^#\/device\/([^/]+)$/, 'devices', (m) => (el, c) => devicePage(el, c, decodeURIComponent(m[1]))],
  [/^#\/(sol|kvm)\/([^/]+)$/, 'devices',
    (m) => (el, c) => remotePage(el, c, m[1], decodeURIComponent(m[2]))],
  [/^#\/keys$/, 'keys', () => mountKeys],
  [/^#\/users$/, 'users', () => mountUsers],
  [/^#\/certificate$/, 'certificate', () => mountCertificate],
];

function route() {
  if (unmount) {
    try { unmount(); } catch (e) { console.warn('unmount failed', e); }
    unmount = null;
  }
  const view = $('view');
  view.replaceChildren();
  const hash = location.hash || '#/devices';
  for (const [re, nav, page] of routes) {
    const m = hash.match(re);
    if (!m) continue;
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('current', a.dataset.route === nav);
    }
    unmount = page(m)(view, ctx) || null;
    return;
  }
  view.textContent = 'No such page.';
}

async function refreshStats() {
  statsTimer = null;
  try {
    const s = await rpc.call('devices.stats');
    $('stats').textContent = `${s.connectedCount} connected / ${s.totalCount} devices`;
  } catch { /* shown on the next success */ }
}

function scheduleStats() {
  if (statsTimer === null) statsTimer = setTimeout(refreshStats, STATS_MS);
}

function banner(text) {
  $('banner').textContent = text;
  $('banner').hidden = !text;
}

rpc.addEventListener('notification', (ev) => {
  const { method, params } = ev.detail;
  if (method !== 'devices.changed') return;
  for (const fn of changeListeners) fn(params);
  scheduleStats();
});
rpc.addEventListener('sessionended', () => toLogin(true));
let everOpen = false;
rpc.addEventListener('open', () => {
  $('link').textContent = 'live';
  $('link').className = 'link-state live';
  banner('');
  if (everOpen) {
    for (const fn of reconnectListeners) fn();
    refreshStats();
  }
  everOpen = true;
});
rpc.addEventListener('close', () => {
  if (!everOpen) probeSession();
  $('link').textContent = 'reconnecting…';
  $('link').className = 'link-state down';
  banner('The connection to the server was lost; reconnecting.');
});

$('logout').addEventListener('click', async () => {
  try {
    await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': session ? session.csrfToken : '' } });
  } catch { /* going to the login page either way */ }
  rpc.stop();
  location.assign(`${LOGIN_PATH}?loggedOut=1`);
});

// A refused upgrade (no session cookie) looks like any dropped socket; ask over HTTP.
let probing = false;
async function probeSession() {
  if (probing) return;
  probing = true;
  try {
    const res = await fetch('/rpc', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.get', params: {} }) });
    const body = await res.json().catch(() => null);
    if (res.status === 401 || (body && body.error && body.error.code === -32004)) toLogin(false);
  } catch { /* server unreachable: keep retrying the socket */ } finally {
    probing = false;
  }
}

async function start() {
  rpc.connect();
  try {
    session = await rpc.call('session.get');
  } catch (e) {
    if (e.code === -32004) return; // sessionended already sends us to login
    banner(describeError(e, 'Starting the session'));
    return;
  }
  $('user').textContent = session.user ? `Signed in as ${session.user}` : '';
  rpc.subscribe(['devices']).catch((e) => banner(describeError(e, 'Live updates')));
  refreshStats();
  window.addEventListener('hashchange', route);
  route();
}

start();
