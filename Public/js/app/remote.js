// SPDX-License-Identifier: Apache-2.0
// The SOL terminal and KVM viewer pages. Before opening the relay they check what the
// device needs: connected, powered on (offer power-up), the feature enabled (offer to turn
// it on), and user consent (consent.js). The relay WebSocket is authenticated by the session
// cookie; the server does AMT's redirection auth, and the drivers in js/redirection start
// at SOL's 0x20 / KVM's 0x40.

import { SolSession } from '../redirection/sol.js';
import { KvmSession } from '../redirection/kvm.js';
import { Terminal } from '../term/terminal.js';
import { TerminalView } from '../term/view.js';
import { keyToBytes, pasteToBytes } from '../term/keys.js';
import { Framebuffer } from '../kvm/framebuffer.js';
import { CanvasView } from '../kvm/canvas.js';
import { KvmInput } from '../kvm/input.js';
import { ensureConsent } from './consent.js';
import { describeError } from './errors.js';
import { isOn, powerStateName } from './power.js';
import { dialog, h, Status } from './dom.js';
import { mountIder } from './ider.js';

/** The relay URL for a device and mode ('sol' | 'kvm' | 'ider'). */
export function relayUrl(loc, guid, mode) {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}/relay/webrelay.ashx?p=2&host=${encodeURIComponent(guid)}` +
    `&port=16994&mode=${mode}`;
}

const FEATURE = { sol: ['SOL', 'enableSOL'], kvm: ['KVM', 'enableKVM'], ider: ['IDER', 'enableIDER'] };

/**
 * The checks before opening `mode`. Resolves true when the relay may be opened; false when
 * the operator declined something. `report` shows progress. Throws RpcError on failures.
 */
export async function prepare(ctx, guid, mode, report) {
  report('Checking the device…');
  const device = await ctx.rpc.call('devices.get', { guid });
  if (!device.connectionStatus) throw new Error('the device is offline (no CIRA connection)');
  const power = await ctx.rpc.call('amt.powerState', { guid });
  if (!isOn(power.powerstate)) {
    const up = await dialog('The device is not running', h('p', {},
      `It is ${powerStateName(power.powerstate)}. ${mode.toUpperCase()} shows a running PC. ` +
      'Power it up first?'), [{ label: 'Continue anyway', value: false },
      { label: 'Power up', value: true, primary: true }]);
    if (up) {
      report('Powering up…');
      await ctx.rpc.call('amt.powerAction', { guid, action: 2 });
    }
  }
  const { ok, features } = await ensureConsent(ctx, guid, mode, report);
  if (!ok) return false;
  const [flag, param] = FEATURE[mode];
  if (!features[flag]) {
    const enable = await dialog(`${flag} is turned off`, h('p', {},
      `${flag} redirection is disabled on this device. Turn it on?`),
    [{ label: 'Cancel', value: false }, { label: `Enable ${flag}`, value: true, primary: true }]);
    if (!enable) return false;
    report(`Enabling ${flag}…`);
    await ctx.rpc.call('amt.setFeatures', { guid, userConsent: features.userConsent || 'none',
      enableSOL: !!features.SOL, enableIDER: !!features.IDER, enableKVM: !!features.KVM,
      [param]: true });
  }
  return true;
}

export function mount(container, ctx, mode, guid) {
  const status = new Status(h('p', { class: 'status', id: 'remote-status' }));
  const connect = h('button', { type: 'button', id: 'remote-connect' }, 'Connect');
  const end = h('button', { type: 'button', id: 'remote-end', disabled: true }, 'Disconnect');
  const tools = h('div', { class: 'toolbar' }, connect, end);
  const stage = h('div', { class: `remote-stage ${mode}` });
  container.append(
    h('p', {}, h('a', { href: `#/device/${encodeURIComponent(guid)}` }, '← Device')),
    h('h2', {}, `${mode === 'sol' ? 'Serial-over-LAN' : 'KVM'}: `, h('span', { class: 'guid' }, guid)),
    tools, status.el, stage);
  const ui = mode === 'sol' ? solUi(stage, tools) : kvmUi(stage, tools);
  const ider = mode === 'kvm' ? mountIder(container, ctx, guid) : null;
  let session = null;

  async function open() {
    connect.disabled = true;
    try {
      if (!await prepare(ctx, guid, mode, (t) => status.busy(t))) {
        status.ok('Not connected: cancelled.');
        connect.disabled = false;
        return;
      }
    } catch (e) {
      status.fail(e.code !== undefined ? describeError(e, 'Preparing the session')
        : `Cannot connect: ${e.message}.`);
      connect.disabled = false;
      return;
    }
    status.busy('Opening the relay…');
    const ws = new WebSocket(relayUrl(location, guid, mode));
    session = ui.start(ws);
    session.addEventListener('connect', () => {
      status.ok('Connected.');
      end.disabled = false;
      ui.focus();
    });
    session.addEventListener('disconnect', (ev) => {
      const { reason, error } = ev.detail;
      status[error ? 'fail' : 'ok'](error ? `Disconnected: ${reason}.` : 'Disconnected.');
      ui.stopped();
      session = null;
      end.disabled = true;
      connect.disabled = false;
    });
  }

  end.addEventListener('click', () => { if (session) mode === 'sol' ? session.end() : session.close(); });
  connect.addEventListener('click', open);
  open();
  return () => {
    if (session) session.close();
    ui.stopped();
    if (ui.dispose) ui.dispose();
    if (ider) ider();
  };
}

function solUi(stage, tools) {
  const term = new Terminal(80, 25);
  const screen = h('pre', { class: 'term', id: 'sol-screen', tabindex: 0, 'aria-label': 'Terminal' });
  const backspace = h('select', { id: 'sol-backspace', 'aria-label': 'Backspace sends' },
    h('option', { value: '8' }, 'Backspace: ^H (BIOS)'), h('option', { value: '127' }, 'Backspace: DEL (Linux)'));
  const fkeys = h('select', { id: 'sol-fkeys', 'aria-label': 'Function keys' },
    h('option', { value: 'vt100' }, 'F-keys: VT100'), h('option', { value: 'vt100+' }, 'F-keys: VT100+ (BIOS)'));
  const charset = h('select', { id: 'sol-charset', 'aria-label': 'Character set' },
    h('option', { value: 'cp437' }, 'CP437'), h('option', { value: 'utf-8' }, 'UTF-8'));
  tools.append(backspace, fkeys, charset);
  stage.append(screen);
  const view = new TerminalView(term, screen);
  view.render();
  let session = null;
  const options = () => ({ backspace: Number(backspace.value), functionKeys: fkeys.value,
    charset: charset.value, applicationCursor: term.modes.applicationCursor });
  charset.addEventListener('change', () => { term.charset = charset.value; });
  screen.addEventListener('keydown', (ev) => {
    if (!session) return;
    const bytes = keyToBytes(ev, options());
    if (!bytes) return;
    ev.preventDefault();
    session.send(bytes);
  });
  screen.addEventListener('paste', (ev) => {
    if (!session) return;
    ev.preventDefault();
    session.send(pasteToBytes(ev.clipboardData.getData('text'), options()));
  });
  term.onResponse((bytes) => { if (session) session.send(bytes); });
  return {
    start(ws) {
      session = new SolSession(ws);
      session.addEventListener('data', (ev) => { term.write(ev.detail); view.scheduleRender(); });
      return session;
    },
    focus() { screen.focus(); },
    stopped() { session = null; },
  };
}

function kvmUi(stage, tools) {
  const fb = new Framebuffer();
  const canvas = h('canvas', { id: 'kvm-canvas', tabindex: 0, 'aria-label': 'Remote screen' });
  const colour = h('select', { id: 'kvm-colour', 'aria-label': 'Colour depth' },
    h('option', { value: 'rgb565' }, '16-bit colour'), h('option', { value: 'rgb332' }, '8-bit colour (slow links)'),
    h('option', { value: 'grey8' }, '8-bit grey'), h('option', { value: 'grey4' }, '4-bit grey (slowest links)'));
  const cad = h('button', { type: 'button', id: 'kvm-cad', disabled: true }, 'Ctrl-Alt-Del');
  tools.append(colour, cad);
  stage.append(canvas);
  const view = new CanvasView(canvas, fb);
  const fit = () => view.fit();
  window.addEventListener('resize', fit);
  let session = null;
  let input = null;
  const onVisibility = () => { if (session) session.setPaused(document.hidden); };
  document.addEventListener('visibilitychange', onVisibility);
  colour.addEventListener('change', () => { if (session) session.setColourMode(colour.value); });
  cad.addEventListener('click', () => { if (input) { input.ctrlAltDel(); canvas.focus(); } });
  return {
    start(ws) {
      session = new KvmSession(ws, { target: fb, colourMode: colour.value });
      session.addEventListener('connect', () => {
        input = new KvmInput(session, canvas);
        input.attach(canvas, window);
        cad.disabled = false;
        view.draw();
      });
      session.addEventListener('resize', () => view.draw());
      return session;
    },
    focus() { canvas.focus(); },
    stopped() {
      if (input) input.detach();
      input = null;
      session = null;
      cad.disabled = true;
    },
    dispose() {
      window.removeEventListener('resize', fit);
      document.removeEventListener('visibilitychange', onVisibility);
    },
  };
}
