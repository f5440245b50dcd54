// SPDX-License-Identifier: Apache-2.0
// A mock MPS for the browser tests of the UI alone (the real server is exercised by
// server.test.mjs): Public/ as static files, a login page with a session cookie, the /rpc
// WebSocket with the docs/rpc.md methods over in-memory devices, and a relay that speaks
// SOL (echo with a prompt) and KVM (RFB with a Raw screen whose colour changes per key).
// Listens on 127.0.0.1 only, on an ephemeral port.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { acceptWebSocket, refuseUpgrade } from './wsserver.mjs';
import { rfbRelay, solRelay } from './mockrelay.mjs';

export const USER = 'admin';
export const PASSWORD = 'correct horse battery';
export const CONSENT_CODE = 123456;

const TYPES = { '.svg': 'image/svg+xml', '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8' };
const CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'";

export function makeDevices(n) {
  return Array.from({ length: n }, (_, i) => ({
    guid: `d3e00000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
    hostname: `demo-${String(i + 1).padStart(4, '0')}`, friendlyName: `Demo device ${i + 1}`,
    tags: ['demo', i % 2 === 0 ? 'even' : 'odd'], connectionStatus: i % 10 !== 9,
    mpsusername: `demo${i}`, dnsSuffix: null, lastConnected: '2026-01-02T03:04:05Z',
    lastDisconnected: null, deviceInfo: null,
    amt: { power: 2, userConsent: i === 1 ? 'all' : 'none', optInState: 0, SOL: true, IDER: true,
      KVM: true, alarms: [], audit: 0 },
  }));
}

export class MockServer {
  constructor({ devices = 20, publicDir }) {
    this.devices = makeDevices(devices);
    this.publicDir = publicDir;
    this.sessions = new Set();
    this.sockets = new Set(); // rpc connections {ws, session, topics}
    this.keys = [{ name: 'demo-key', prefix: 'mpsk_ab12', createdAt: '2026-01-01T00:00:00Z' }];
    this.users = [{ name: USER, createdAt: '2026-01-01T00:00:00Z' }];
    this.calls = []; // method names, for assertions
    this.server = http.createServer((q, s) => this._http(q, s).catch(() => { s.statusCode = 500; s.end(); }));
    this.server.on('upgrade', (q, sock, head) => this._upgrade(q, sock, head));
  }

  listen() {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => {
      this.port = this.server.address().port;
      resolve(`http://127.0.0.1:${this.port}`);
    }));
  }

  close() {
    for (const c of this.sockets) c.ws.close(1001);
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(r));
  }

  device(guid) { return this.devices.find((d) => d.guid === guid); }

  /** Changes a device's status and pushes devices.changed, as the server does. */
  setStatus(guid, on) {
    const d = this.device(guid);
    d.connectionStatus = on;
    this._push({ guid, connectionStatus: on, device: publicDevice(d) });
  }

  /** Ends every session: sockets close with 4401, as on expiry. */
  expireSessions() {
    this.sessions.clear();
    for (const c of [...this.sockets]) c.ws.close(4401);
  }

  _push(params) {
    const text = JSON.stringify({ jsonrpc: '2.0', method: 'devices.changed', params });
    for (const c of this.sockets) if (c.topics.has('devices')) c.ws.sendText(text);
  }

  _session(req) {
    const m = /(?:^|;\s*)mps_session=([0-9a-f]+)/.exec(req.headers.cookie || '');
    return m && this.sessions.has(m[1]) ? m[1] : null;
  }

  async _http(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    res.setHeader('Content-Security-Policy', CSP);
    if (req.method === 'GET' && url.pathname === '/login') {
      const msg = url.searchParams.has('expired') ? 'Your session has ended. Please sign in again.'
        : url.searchParams.has('loggedOut') ? 'You have signed out.' : '';
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>Sign in</title><link rel="icon" href="/favicon.svg">' +
        `<p id="message">${msg}</p>` +
        '<form method="post" action="/auth/login"><input id="username" name="username">' +
        '<input id="password" name="password" type="password"><button id="signin">Sign in</button></form>');
      return;
    }
    if (req.method === 'POST' && url.pathname === '/auth/login') {
      const form = new URLSearchParams(await body(req));
      if (form.get('username') === USER && form.get('password') === PASSWORD) {
        const token = crypto.randomBytes(16).toString('hex');
        this.sessions.add(token);
        res.writeHead(303, { Location: '/',
          'Set-Cookie': `mps_session=${token}; Path=/; HttpOnly; SameSite=Strict` });
      } else {
        res.writeHead(303, { Location: '/login' });
      }
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/auth/logout') {
      const s = this._session(req);
      if (s) this.sessions.delete(s);
      res.writeHead(204, { 'Set-Cookie': 'mps_session=; Path=/; Max-Age=0' });
      res.end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/rpc') {
      await body(req);
      res.writeHead(this._session(req) ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32004, message: 'unauthorized' } }));
      return;
    }
    if (url.pathname === '/api/v1/ider/images' || url.pathname.startsWith('/api/v1/amt/ider/')) {
      const ok = this._session(req) && (req.method === 'GET' || req.headers['x-csrf-token'] === 'csrf');
      if (ok && req.method === 'POST') this.ider = JSON.parse(await body(req)).image;
      if (ok && req.method === 'DELETE') this.ider = null;
      res.writeHead(ok ? (req.method === 'POST' ? 201 : 200) : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(req.method === 'GET' ? [{ name: 'rescue.iso', size: 52428800 }] : {}));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/api/v1/ciracert') {
      res.end(ROOT_PEM);
      return;
    }
    const rel = url.pathname === '/' ? '/index.html' : url.pathname;
    if (rel === '/index.html' && !this._session(req)) {
      res.writeHead(303, { Location: '/login' });
      res.end();
      return;
    }
    const file = path.join(this.publicDir, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(this.publicDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.setHeader('Content-Type', TYPES[path.extname(file)] || 'application/octet-stream');
    res.end(fs.readFileSync(file));
  }

  _upgrade(req, socket, head) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const session = this._session(req);
    if (!session) { refuseUpgrade(socket, 401, 'Unauthorized'); return; }
    if (url.pathname === '/rpc') {
      const ws = acceptWebSocket(req, socket, head);
      const conn = { ws, session, topics: new Set() };
      this.sockets.add(conn);
      ws.onclose = () => this.sockets.delete(conn);
      ws.onmessage = (text) => this._rpc(conn, text);
      return;
    }
    if (url.pathname === '/relay/webrelay.ashx') {
      const d = this.device(url.searchParams.get('host'));
      const mode = url.searchParams.get('mode');
      if (!d || !d.connectionStatus || !['sol', 'kvm'].includes(mode)) {
        refuseUpgrade(socket, 404, 'Not Found');
        return;
      }
      const ws = acceptWebSocket(req, socket, head);
      (mode === 'sol' ? solRelay : rfbRelay)(ws);
      return;
    }
    refuseUpgrade(socket, 404, 'Not Found');
  }

  async _rpc(conn, text) {
    let m;
    try { m = JSON.parse(text); } catch { return; }
    this.calls.push(m.method);
    let reply;
    try {
      reply = { jsonrpc: '2.0', id: m.id, result: await this._method(conn, m.method, m.params || {}) };
    } catch (e) {
      reply = { jsonrpc: '2.0', id: m.id, error: { code: e.code || -32603, message: e.message,
        data: e.data } };
    }
    if (m.id !== undefined) conn.ws.sendText(JSON.stringify(reply));
  }

  async _method(conn, method, p) {
    const err = (code, message, data) => Object.assign(new Error(message), { code, data });
    const dev = () => {
      const d = this.device(p.guid);
      if (!d) throw err(-32010, 'no such device', { field: 'guid' });
      return d;
    };
    const online = () => {
      const d = dev();
      if (!d.connectionStatus) throw err(-32001, 'device not connected');
      return d;
    };
    const ok = { ReturnValue: 0, ReturnValueStr: 'SUCCESS' };
    switch (method) {
    case 'session.get': return { user: USER, csrfToken: 'csrf', expiresAt: '2030-01-01T00:00:00Z' };
    case 'subscribe': for (const t of p.topics || []) conn.topics.add(t); return { topics: [...conn.topics] };
    case 'devices.list': {
      let list = this.devices;
      if (p.hostname) list = list.filter((d) => d.hostname.includes(p.hostname));
      if (typeof p.status === 'boolean') list = list.filter((d) => d.connectionStatus === p.status);
      if (Array.isArray(p.tags) && p.tags.length) {
        list = list.filter((d) => p.tagMatch === 'all' ? p.tags.every((t) => d.tags.includes(t))
          : p.tags.some((t) => d.tags.includes(t)));
      }
      const skip = p.skip || 0;
      return { data: list.slice(skip, skip + (p.top || 25)).map(publicDevice), totalCount: list.length };
    }
    case 'devices.get': return publicDevice(dev());
    case 'devices.stats': {
      const c = this.devices.filter((d) => d.connectionStatus).length;
      return { totalCount: this.devices.length, connectedCount: c,
        disconnectedCount: this.devices.length - c };
    }
    case 'devices.tags': return [...new Set(this.devices.flatMap((d) => d.tags))].sort();
    case 'devices.update': { const d = dev(); if (Array.isArray(p.tags)) d.tags = p.tags; return publicDevice(d); }
    case 'devices.disconnect': online(); this.setStatus(p.guid, false); return {};
    case 'amt.powerState': return { powerstate: online().amt.power };
    case 'amt.powerAction': {
      const d = online();
      const next = { 2: 2, 5: 2, 10: 2, 14: 2, 4: 4, 7: 7, 6: 6, 8: 8, 12: 8, 13: 6 }[p.action];
      if (next === undefined) throw err(-32010, 'invalid action', { field: 'action' });
      setTimeout(() => { d.amt.power = next; }, 300); // takes a moment, as on a real PC
      return ok;
    }
    case 'amt.bootOptions': { const d = online(); setTimeout(() => { d.amt.power = 2; }, 300); return ok; }
    case 'amt.features': {
      const a = online().amt;
      return { userConsent: a.userConsent, redirection: true, KVM: a.KVM, SOL: a.SOL, IDER: a.IDER,
        optInState: a.optInState, kvmAvailable: true };
    }
    case 'amt.setFeatures': {
      const a = online().amt;
      Object.assign(a, { userConsent: p.userConsent, SOL: !!p.enableSOL, IDER: !!p.enableIDER,
        KVM: !!p.enableKVM });
      return { status: 'AMT Features updated' };
    }
    case 'amt.userConsent.request': online().amt.optInState = 2; return ok;
    case 'amt.userConsent.cancel': online().amt.optInState = 0; return ok;
    case 'amt.userConsent.send': {
      const a = online().amt;
      if (Number(p.code) !== CONSENT_CODE) return { ReturnValue: 2066, ReturnValueStr: 'UNSUPPORTED' };
      a.optInState = 3;
      return ok;
    }
    case 'amt.version': online(); return { CIM_SoftwareIdentity: { responses: [
      { InstanceID: 'AMT', VersionString: '16.1.25', IsEntity: true },
      { InstanceID: 'Flash', VersionString: '16.1.25', IsEntity: true }], status: 200 },
    AMT_SetupAndConfigurationService: { response: { ProvisioningMode: 1, ProvisioningState: 2 },
      status: 200 } };
    case 'amt.generalSettings': online(); return { Body: { HostName: 'demo', DomainName: 'example.test',
      PingResponseEnabled: true } };
    case 'amt.hardwareInfo': online(); return {
      CIM_ComputerSystemPackage: { responses: [{ PlatformGUID: p.guid }], status: 200 },
      CIM_Processor: { responses: [{ Family: 198, MaxClockSpeed: 3200, Role: 'Central Processor' }],
        status: 200 },
      CIM_PhysicalMemory: { responses: [{ Capacity: 8589934592, BankLabel: 'BANK 0' }], status: 200 } };
    case 'amt.auditLog': {
      online();
      const total = 23;
      const start = p.startIndex || 0;
      const records = [];
      for (let i = start; i < Math.min(total, start + 10); i++) {
        records.push({ AuditApp: 'Remote Control', Event: `Power event ${total - i}`, Initiator: 'admin',
          Time: new Date(Date.UTC(2026, 0, 1, 0, 0, total - i)).toISOString(), NetAddress: '127.0.0.1',
            ExStr: null });
      }
      return { totalCnt: total, records };
    }
    case 'amt.eventLog': online(); return Array.from({ length: 30 }, (_,
      i) => ({ TimeStamp: new Date(Date.UTC(2026, 0, 1, i)).toISOString(),
      EventSeverity: 2, EntityStr: 'BIOS', Desc: `Event ${i + 1}` }));
    case 'amt.alarms.list': return online().amt.alarms;
    case 'amt.alarms.add': online().amt.alarms.push({ ElementName: p.ElementName, InstanceID: p.ElementName,
      StartTime: { Datetime: p.StartTime }, IntervalInMinutes: p.Interval || 0 }); return { ReturnValue: 0 };
    case 'amt.alarms.delete': { const a = online().amt;
        a.alarms = a.alarms.filter((x) => x.InstanceID !== p.name); return {}; }
    case 'apiKeys.list': return this.keys;
    case 'apiKeys.create': {
      const key = `mpsk_${crypto.randomBytes(12).toString('hex')}`;
      this.keys.push({ name: p.name, prefix: key.slice(0, 9), createdAt: new Date().toISOString() });
      return { name: p.name, key };
    }
    case 'apiKeys.revoke': this.keys = this.keys.filter((k) => k.name !== p.name); return {};
    case 'users.list': return this.users;
    case 'users.add': this.users.push({ name: p.name, createdAt: new Date().toISOString() }); return {};
    case 'users.setPassword': return {};
    case 'users.remove': this.users = this.users.filter((u) => u.name !== p.name); return {};
    case 'certificates.root': return { pem: ROOT_PEM, sha256: 'AB:CD:EF' };
    default: throw err(-32601, 'method not found');
    }
  }
}

function publicDevice(d) {
  const { amt: _amt, ...rest } = d;
  return { ...rest, tags: [...d.tags] };
}

function body(req) {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => { if (s.length < 65536) s += c; });
    req.on('end', () => resolve(s));
  });
}

const ROOT_PEM = '-----BEGIN CERTIFICATE-----\nTU9DSyBST09U\n-----END CERTIFICATE-----\n';
