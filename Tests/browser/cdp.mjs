// SPDX-License-Identifier: Apache-2.0
// Headless Chromium driven over the DevTools protocol, with no dependencies: launch with a
// throwaway profile, open a page, evaluate, wait (always bounded), type, screenshot, and
// collect console errors. Needs Node 20 with --experimental-websocket (global WebSocket).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

/** Launches Chromium; resolves to a Browser. `insecureTLS` only for loopback test servers. */
export async function launch({ insecureTLS = false, timeoutMs = 20000 } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mps-chromium-'));
  const args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--no-default-browser-check', '--disable-extensions', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--metrics-recording-only',
    '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0',
    `--user-data-dir=${profile}`, '--window-size=1280,900', 'about:blank'];
  if (insecureTLS) args.push('--ignore-certificate-errors');
  const proc = spawn(CHROMIUM, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err.slice(-500)}`)),
      timeoutMs);
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    proc.on('exit', (code) => { clearTimeout(timer);
        reject(new Error(`chromium exited (${code}): ${err.slice(-500)}`)); });
  });
  proc.stderr.resume();
  return new Browser(proc, port, profile);
}

export class Browser {
  constructor(proc, port, profile) {
    this.proc = proc;
    this.port = port;
    this.profile = profile;
  }

  async newPage() {
    const res = await fetch(`http://127.0.0.1:${this.port}/json/new?about:blank`, { method: 'PUT' });
    const info = await res.json();
    const page = new Page(info.webSocketDebuggerUrl);
    await page.open();
    return page;
  }

  async close() {
    const exited = new Promise((r) => { if (this.proc.exitCode !== null) r(); else this.proc.once('exit',
      r); });
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
    try {
      fs.rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch { /* a helper process may still hold files; the OS cleans tmp */ }
  }
}

export class Page {
  constructor(url) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.errors = []; // console errors, exceptions, failed loads
    this.listeners = new Map();
  }

  async open() {
    this.ws = new WebSocket(this.url);
    await new Promise((resolve, reject) => {
      this.ws.onopen = resolve;
      this.ws.onerror = () => reject(new Error('cannot reach the DevTools page socket'));
    });
    this.ws.onmessage = (ev) => this._message(JSON.parse(ev.data));
    await Promise.all(['Page.enable', 'Runtime.enable', 'Log.enable'].map((m) => this.send(m)));
    this.on('Runtime.consoleAPICalled', (p) => {
      if (p.type === 'error' || p.type === 'assert')
          this.errors.push(`console: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
    });
    this.on('Runtime.exceptionThrown', (p) => this.errors.push(
        `exception: ${p.exceptionDetails.exception?.description || p.exceptionDetails.text}`));
    this.on('Log.entryAdded', (p) => { if (p.entry.level === 'error')
        this.errors.push(`log: ${p.entry.text} ${p.entry.url || ''}`); });
  }

  on(method, fn) {
    if (!this.listeners.has(method)) this.listeners.set(method, []);
    this.listeners.get(method).push(fn);
  }

  _message(m) {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
      else p.resolve(m.result);
      return;
    }
    for (const fn of this.listeners.get(m.method) || []) fn(m.params);
  }

  send(method, params = {}, timeoutMs = 15000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.pending.delete(id); reject(new Error(`${method}: no answer`)); },
        timeoutMs);
      this.pending.set(id, { method, resolve: (v) => { clearTimeout(t); resolve(v); },
        reject: (e) => { clearTimeout(t); reject(e); } });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  async goto(url) {
    const loaded = new Promise((r) => this.on('Page.loadEventFired', r));
    await this.send('Page.navigate', { url });
    await Promise.race([loaded, new Promise((r) => setTimeout(r, 10000))]);
  }

  /** Evaluates `expr` (a string) in the page; awaits promises; returns the value. */
  async eval(expr) {
    const r = await this.send('Runtime.evaluate', { expression: expr, awaitPromise: true,
      returnByValue: true });
    if (r.exceptionDetails)
        throw new Error(`eval failed: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
    return r.result.value;
  }

  /** Polls `expr` until truthy; throws with `what` after `timeoutMs`. Returns the value. */
  async waitFor(expr, what, timeoutMs = 10000) {
    const end = Date.now() + timeoutMs;
    let last;
    while (Date.now() < end) {
      try { last = await this.eval(expr); } catch (e) { last = e.message; }
      if (last) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
  }

  async click(selector) {
    await this.eval(`(() => { const el = document.querySelector(${JSON.stringify(selector)});
      if (!el) throw new Error('no element ${selector.replace(/'/g, '')}'); el.click(); })()`);
  }

  async focus(selector) {
    await this.eval(`document.querySelector(${JSON.stringify(selector)}).focus()`);
  }

  /** Types text into the focused element as real key events. */
  async type(text) {
    for (const ch of text) {
      const key = ch === '\r' ? 'Enter' : ch;
      const code = ch === '\r' ? 'Enter' : /[a-z]/i.test(ch) ? `Key${ch.toUpperCase()}` :
          /\d/.test(ch) ? `Digit${ch}` : ch === ' ' ? 'Space' : '';
      const vk = ch === '\r' ? 13 : ch.toUpperCase().charCodeAt(0);
      await this.send('Input.dispatchKeyEvent', { type: 'keyDown', key, code, text: ch === '\r' ? '\r' : ch,
        windowsVirtualKeyCode: vk });
      await this.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code, windowsVirtualKeyCode: vk });
    }
  }

  async screenshot(file) {
    const r = await this.send('Page.captureScreenshot', { format: 'png' });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(r.data, 'base64'));
  }

  close() { try { this.ws.close(); } catch { /* gone */ } }
}
