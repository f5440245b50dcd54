// SPDX-License-Identifier: Apache-2.0
// The web UI against the real server: .build/debug/mps with a temporary data dir, one web
// user, two devices simulated by separate .build/debug/amt-sim processes (so one can be
// stopped), TLS with the generated root (Chromium ignores certificate errors; loopback only).
// Skips with a message while the server lacks what the UI needs (web login, /rpc, relay).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launch } from './cdp.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const MPS = path.join(root, '.build/debug/mps');
const SIM = path.join(root, '.build/debug/amt-sim');
const ARTIFACTS = path.join(here, 'artifacts');
const USER = 'operator';
const PASSWORD = 'browser-test-Passw0rd!';
const GUIDS = ['b0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002'];

function why() {
  if (!fs.existsSync(MPS) || !fs.existsSync(SIM)) return 'build .build/debug/mps and amt-sim first';
  if (!fs.existsSync(process.env.CHROMIUM || '/usr/bin/chromium')) return 'chromium is not installed';
  const help = spawnSync(MPS, ['--help'], { encoding: 'utf8', timeout: 10000 }).stdout || '';
  if (!/user add/.test(help)) return 'the server has no `mps user add` yet (web login, #4)';
  return null;
}
const reason = why();
if (reason) console.log(`# SKIP real-server browser tests: ${reason}`);
const skip = reason || false;

const procs = [];
let dir, env, base, browser, page, sims = [];

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1',
      () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function start(cmd, args, name) {
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  p.output = '';
  p.stdout.on('data', (d) => { p.output += d; });
  p.stderr.on('data', (d) => { p.output += d; });
  p.name = name;
  procs.push(p);
  return p;
}

function stop(p) {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) { resolve(); return; }
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => { clearTimeout(t); resolve(); });
    p.kill('SIGTERM');
  });
}

async function until(fn, what, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if (await fn()) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mps-ui-'));
  const [web, cira] = [await freePort(), await freePort()];
  env = { PATH: process.env.PATH, HOME: dir, MPS_DATA_DIR: path.join(dir, 'data'), MPS_WEB_PORT: String(web),
    MPS_PORT: String(cira), MPS_LISTEN_ADDRESS: '127.0.0.1', MPS_WEB_LISTEN_ADDRESS: '127.0.0.1',
    MPS_PUBLIC_DIR: path.join(root, 'Public'), MPS_MIGRATIONS_DIR: path.join(root, 'migrations'),
    MPS_TEMPLATES_DIR: path.join(root, 'templates') };
  const run = (args, input) => {
    const r = spawnSync(MPS, args, { env, input, encoding: 'utf8', timeout: 30000 });
    assert.equal(r.status, 0, `mps ${args.join(' ')}: ${r.stderr}`);
  };
  run(['--migrate']);
  run(['user', 'add', USER], `${PASSWORD}\n${PASSWORD}\n`);
  const fleet = GUIDS.map((guid, i) => ({ guid, hostname: `browser-${i + 1}`, tags: ['browser'],
    mpsUsername: `sim${i}`, mpsPassword: `Sim-pass-${i}-${dir.length}x`, amtUsername: 'admin',
      amtPassword: `Amt-Pass-${i}!x` }));
  fleet.forEach((d, i) => fs.writeFileSync(path.join(dir, `fleet${i}.json`), JSON.stringify([d]),
    { mode: 0o600 }));
  fs.writeFileSync(path.join(dir, 'fleet.json'), JSON.stringify(fleet), { mode: 0o600 });
  run(['device', 'import', path.join(dir, 'fleet.json')]);
  // The IDE-R image library: one 1 MiB image the device will read sectors from.
  fs.mkdirSync(path.join(dir, 'data', 'images'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'data', 'images', 'rescue.img'), Buffer.alloc(1 << 20, 0x5a));
  const server = start(MPS, [], 'mps');
  base = `https://127.0.0.1:${web}`;
  await until(() => /mps started/.test(server.output), 'the server to start');
  sims = fleet.map((_, i) => start(SIM, ['--mps', `127.0.0.1:${cira}`, '--fleet', path.join(dir,
    `fleet${i}.json`)], `sim${i}`));
  browser = await launch({ insecureTLS: true });
  page = await browser.newPage();
});

after(async () => {
  if (page) page.close();
  if (browser) await browser.close();
  for (const p of procs.reverse()) await stop(p);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Waits for the relay session; skips the test when the server has no relay yet. */
async function relayOrSkip(t) {
  const status = `document.getElementById('remote-status').textContent`;
  await page.waitFor(`${status} === 'Connected.' || ${status}.startsWith('Disconnected') ||
    ${status}.startsWith('Cannot')`, 'the relay session', 20000);
  const text = await page.eval(status);
  if (text !== 'Connected.' && /code 1006/.test(text)) {
    t.skip(`the relay refused the upgrade (${text}); relay endpoint not on this server yet (#5)`);
    return false;
  }
  assert.equal(text, 'Connected.');
  return true;
}

const row = (g) => `document.querySelector('tr[data-guid="${g}"] td:nth-child(4)')?.textContent`;

test('log in and see the simulated devices live', { skip }, async () => {
  await page.goto(`${base}/`);
  await page.waitFor(`location.pathname === '/login'`, 'the login page');
  await page.eval(`document.getElementById('username').value = ${JSON.stringify(USER)};
    document.getElementById('password').value = ${JSON.stringify(PASSWORD)};
    document.querySelector('form').submit()`);
  await page.waitFor(`${row(GUIDS[0])} === 'connected' && ${row(GUIDS[1])} === 'connected'`,
    'both devices connected', 30000);
});

test('device page: a power action and the new state', { skip }, async () => {
  await page.eval(`location.hash = '#/device/${GUIDS[0]}'`);
  await page.waitFor(`document.getElementById('power-state')?.dataset.value === '2'`, 'power on', 20000);
  await page.eval(`document.getElementById('power-action').value = '8'`);
  await page.click('#power-run');
  await page.waitFor(`document.getElementById('power-state').dataset.value === '8'`, 'power off', 20000);
  await page.screenshot(path.join(ARTIFACTS, 'device.png'));
  await page.eval(`document.getElementById('power-action').value = '2'`);
  await page.click('#power-run');
  await page.waitFor(`document.getElementById('power-state').dataset.value === '2'`, 'power on again', 20000);
});

test('SOL asks for user consent, shows the prompt and echoes a command', { skip }, async (t) => {
  await page.eval(`location.hash = '#/sol/${GUIDS[0]}'`);
  // The simulated device requires consent for everything, as AMT in client control mode
  // does: the code appears on the device's "screen", which the simulator logs.
  await page.waitFor(`document.getElementById('consent-code')`, 'the consent dialog', 20000);
  let code = null;
  await until(() => (code = /device screen.*?\b(\d{6})\b/s.exec(sims[0].output)?.[1]), 'the code on screen');
  await page.eval(`document.getElementById('consent-code').value = '${code}'`);
  await page.click('dialog .dialog-buttons button.primary');
  if (!await relayOrSkip(t)) return;
  await page.waitFor(`document.getElementById('sol-screen').textContent.includes('amt-sim>')`, 'the prompt',
    10000);
  await page.focus('#sol-screen');
  await page.type('hello\r');
  await page.waitFor(`document.getElementById('sol-screen').textContent.includes('hello')`, 'the echo',
    10000);
  await page.click('#remote-end');
});

test('KVM shows the screen and a key changes it', { skip }, async (t) => {
  await page.eval(`location.hash = '#/kvm/${GUIDS[0]}'`);
  if (!await relayOrSkip(t)) return;
  const lit = `(() => { const c = document.getElementById('kvm-canvas'); if (!c.width) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] | d[i + 1] | d[i + 2]) n++; return n; })()`;
  await page.waitFor(`${lit} > 100`, 'a drawn screen', 15000);
  const before = await page.eval(lit);
  await page.focus('#kvm-canvas');
  await page.type('WWWW');
  await page.waitFor(`${lit} !== ${before}`, 'the screen to change after keys', 10000);
  await page.screenshot(path.join(ARTIFACTS, 'kvm.png'));
});

test('IDE-R: the KVM page lists the image library, starts and stops a session', { skip }, async () => {
  const picker = `document.getElementById('ider-image')`;
  await page.waitFor(`${picker}?.options.length === 1 && !${picker}.disabled`, 'the image list', 15000);
  assert.equal(await page.eval(`${picker}.options[0].textContent`), 'rescue.img (1 MiB)');
  const status = `document.getElementById('ider-status').textContent`;
  const ider = `fetch('/api/v1/devices/redirectstatus/${GUIDS[0]}', { credentials: 'same-origin' })
    .then((r) => r.json()).then((j) => j.isIDERConnected)`;
  await page.click('#ider-start');
  await page.waitFor(`${status} === 'IDE-R is serving rescue.img.'`, 'IDE-R started', 20000);
  await until(async () => await page.eval(ider) === true, 'the redirect status to show IDE-R');
  await page.click('#ider-stop');
  await page.waitFor(`${status} === 'IDE-R stopped.'`, 'IDE-R stopped', 20000);
  await until(async () => await page.eval(ider) === false, 'the redirect status to clear');
});

test('a stopped simulator shows as offline (pushed)', { skip }, async () => {
  await page.eval(`location.hash = '#/devices'`);
  await page.waitFor(`${row(GUIDS[1])} === 'connected'`, 'the list');
  await stop(sims[1]);
  await page.waitFor(`${row(GUIDS[1])} === 'offline'`, 'the pushed offline status', 20000);
});

test('no console errors; log out', { skip }, async () => {
  // A refused relay upgrade logs a WebSocket error; that case is reported by the skips above.
  assert.deepEqual(page.errors.filter((e) => !/webrelay/.test(e)), []);
  await page.click('#logout');
  await page.waitFor(`location.pathname === '/login'`, 'the login page');
});
