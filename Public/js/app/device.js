// SPDX-License-Identifier: Apache-2.0
// The device page: live status, power state and every power and boot action, AMT feature
// switches with user consent, links to SOL and KVM, disconnect and deactivate, and tabs
// (device-tabs.js) for AMT info, hardware, the logs and alarm clocks.

import { BOOT_ACTIONS, POWER_ACTIONS, accepted, actionLabel, powerStateName, returnText }
  from './power.js';
import { askConsent, OPT_IN_NAMES } from './consent.js';
import { describeError } from './errors.js';
import { dialog, h, put, Status, formatDate } from './dom.js';
import { TABS } from './device-tabs.js';

/** After an action, the power state is read again this often, this many times at most. */
export const POWER_POLL_MS = 1000;
export const POWER_POLL_TRIES = 10;

export function mount(container, ctx, guid) {
  let device = null;
  const title = h('h2', { id: 'device-title' }, guid);
  const badge = h('span', { id: 'device-status', class: 'badge' }, '…');
  const facts = h('dl', { class: 'facts' });
  const headStatus = new Status(h('p', { class: 'status' }));
  const sol = h('a', { class: 'button', href: `#/sol/${encodeURIComponent(guid)}`, id: 'open-sol' },
    'SOL terminal');
  const kvm = h('a', { class: 'button', href: `#/kvm/${encodeURIComponent(guid)}`, id: 'open-kvm' }, 'KVM');
  const disconnect = h('button', { type: 'button', id: 'disconnect' }, 'Disconnect');
  const deactivate = h('button', { type: 'button', id: 'deactivate', class: 'danger' }, 'Deactivate AMT');
  const power = powerSection(ctx, guid);
  const features = featuresSection(ctx, guid);
  const tabs = tabsSection(ctx, guid);
  container.append(
    h('p', {}, h('a', { href: '#/devices' }, '← All devices')),
    h('div', { class: 'device-head' }, title, badge),
    facts,
    h('div', { class: 'toolbar' }, sol, kvm, disconnect, deactivate),
    headStatus.el, power.el, features.el, tabs.el);

  function show(d) {
    device = d;
    title.textContent = d.hostname || d.friendlyName || d.guid;
    badge.textContent = d.connectionStatus ? 'connected' : 'offline';
    badge.className = `badge ${d.connectionStatus ? 'status-on' : 'status-off'}`;
    put(facts, ...[['GUID', d.guid], ['Friendly name', d.friendlyName], ['Tags', (d.tags || []).join(', ')],
      ['DNS suffix', d.dnsSuffix], ['MPS user', d.mpsusername],
      ['Last connected', formatDate(d.lastConnected)], ['Last disconnected', formatDate(d.lastDisconnected)]]
      .filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    for (const b of [disconnect, sol, kvm]) b.classList.toggle('disabled', !d.connectionStatus);
    disconnect.disabled = !d.connectionStatus;
  }

  async function load() {
    try {
      show(await ctx.rpc.call('devices.get', { guid }));
      if (device.connectionStatus) {
        power.refresh();
        features.refresh();
      } else {
        power.offline();
        features.offline();
      }
    } catch (e) {
      headStatus.fail(describeError(e, 'Loading the device'));
    }
  }

  disconnect.addEventListener('click', async () => {
    disconnect.disabled = true;
    headStatus.busy('Closing the device\'s CIRA connection…');
    try {
      await ctx.rpc.call('devices.disconnect', { guid });
      headStatus.ok('Disconnected. The device will reconnect on its own schedule.');
    } catch (e) {
      headStatus.fail(describeError(e, 'Disconnect'));
      disconnect.disabled = false;
    }
  });
  deactivate.addEventListener('click', async () => {
    const sure = await dialog('Deactivate AMT?', h('p', {}, 'This unprovisions Intel AMT on ' +
      `${device ? device.hostname || guid : guid} and removes it and its stored secrets from ` +
      'this server. It cannot be undone from here.'),
    [{ label: 'Keep', value: false }, { label: 'Deactivate', value: true, primary: true }]);
    if (!sure) return;
    headStatus.busy('Deactivating…');
    try {
      const r = await ctx.rpc.call('amt.deactivate', { guid });
      headStatus.ok(`Deactivate: ${r && r.status ? r.status : 'done'}.`);
    } catch (e) {
      headStatus.fail(describeError(e, 'Deactivate'));
    }
  });

  const off = ctx.onDeviceChange((p) => {
    if (!p || p.guid !== guid || !device) return;
    const was = device.connectionStatus;
    show({ ...device, ...(p.device || {}), connectionStatus: p.connectionStatus });
    if (!was && device.connectionStatus) { power.refresh(); features.refresh(); }
    if (was && !device.connectionStatus) { power.offline(); features.offline(); }
  });
  const offOpen = ctx.onReconnect(load);
  load();
  return () => { off(); offOpen(); power.stop(); };
}

function powerSection(ctx, guid) {
  const state = h('strong', { id: 'power-state' }, '…');
  const status = new Status(h('p', { class: 'status', id: 'power-status' }));
  const actions = h('select', { id: 'power-action', 'aria-label': 'Power action' },
    ...POWER_ACTIONS.map((a) => h('option', { value: a.action }, a.label)));
  const run = h('button', { type: 'button', id: 'power-run' }, 'Run');
  const boot = h('select', { id: 'boot-action', 'aria-label': 'Boot option' },
    ...BOOT_ACTIONS.map((a) => h('option', { value: a.action }, a.label)));
  const useSOL = h('input', { type: 'checkbox', id: 'boot-sol' });
  const runBoot = h('button', { type: 'button', id: 'boot-run' }, 'Boot');
  const refreshBtn = h('button', { type: 'button', id: 'power-refresh' }, 'Refresh');
  const el = h('section', { class: 'card', id: 'power' }, h('h3', {}, 'Power'),
    h('p', {}, 'Power state: ', state, ' ', refreshBtn),
    h('div', { class: 'toolbar' }, actions, run),
    h('div', { class: 'toolbar' }, boot, h('label', {}, useSOL, ' with SOL'), runBoot),
    status.el);
  let timer = null;
  let last = null;

  async function read() {
    const r = await ctx.rpc.call('amt.powerState', { guid });
    last = Number(r.powerstate);
    state.textContent = `${powerStateName(last)} (${last})`;
    state.dataset.value = String(last);
    return last;
  }

  async function refresh() {
    state.textContent = '…';
    try { await read(); } catch (e) { state.textContent = 'unknown'; status.fail(describeError(e,
      'Reading the power state')); }
  }

  function stop() { if (timer !== null) clearTimeout(timer); timer = null; }

  // Reads the state until it changes (or the tries run out), so the operator sees the result.
  function follow(before, tries = POWER_POLL_TRIES) {
    stop();
    timer = setTimeout(async () => {
      timer = null;
      try {
        const now = await read();
        if (now === before && tries > 1) follow(before, tries - 1);
      } catch { /* the device may drop off during a reset; the push tells us */ }
    }, POWER_POLL_MS);
  }

  async function act(method, params, label) {
    const buttons = [run, runBoot];
    for (const b of buttons) b.disabled = true;
    status.busy(`${label}: sending…`);
    try {
      let r = await ctx.rpc.call(method, { guid, ...params });
      if (!accepted(r) && method === 'amt.bootOptions' && /consent|OPT_?IN/i.test(returnText(r))) {
        if (await askConsent(ctx, guid, (t) => status.busy(t))) {
          r = await ctx.rpc.call(method, { guid, ...params });
        }
      }
      if (accepted(r)) {
        status.ok(`${label}: accepted by the device (${returnText(r)}).`);
        follow(last);
      } else {
        status.fail(`${label}: the device refused (${returnText(r)}).`);
      }
    } catch (e) {
      status.fail(describeError(e, label));
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  run.addEventListener('click', () => {
    const action = Number(actions.value);
    act('amt.powerAction', { action }, actionLabel(action));
  });
  runBoot.addEventListener('click', () => {
    const action = Number(boot.value);
    act('amt.bootOptions', { action, useSOL: useSOL.checked }, actionLabel(action));
  });
  refreshBtn.addEventListener('click', refresh);
  return { el, refresh, stop, offline() { stop(); state.textContent = 'unknown (device offline)'; } };
}

function featuresSection(ctx, guid) {
  const box = (id, label) => {
    const input = h('input', { type: 'checkbox', id });
    return { input, label: h('label', {}, input, ` ${label}`) };
  };
  const solBox = box('feat-sol', 'SOL');
  const iderBox = box('feat-ider', 'IDE-R');
  const kvmBox = box('feat-kvm', 'KVM');
  const consent = h('select', { id: 'feat-consent', 'aria-label': 'User consent' },
    h('option', { value: 'none' }, 'no consent needed'),
    h('option', { value: 'kvm' }, 'consent for KVM'),
    h('option', { value: 'all' }, 'consent for all redirection'));
  const optIn = h('span', { id: 'feat-optin' }, '');
  const save = h('button', { type: 'button', id: 'feat-save' }, 'Save features');
  const ask = h('button', { type: 'button', id: 'consent-ask' }, 'Request user consent');
  const status = new Status(h('p', { class: 'status', id: 'feat-status' }));
  const el = h('section', { class: 'card', id: 'features' }, h('h3', {}, 'AMT features'),
    h('div', { class: 'toolbar' }, solBox.label, iderBox.label, kvmBox.label, consent, save),
    h('p', {}, 'User consent state: ', optIn, ' ', ask), status.el);

  async function refresh() {
    status.busy('Reading features…');
    try {
      const f = await ctx.rpc.call('amt.features', { guid });
      solBox.input.checked = !!f.SOL;
      iderBox.input.checked = !!f.IDER;
      kvmBox.input.checked = !!f.KVM;
      kvmBox.input.disabled = f.kvmAvailable === false;
      kvmBox.label.title = f.kvmAvailable === false ? 'This device has no KVM' : '';
      consent.value = f.userConsent || 'none';
      optIn.textContent = OPT_IN_NAMES[f.optInState] || `state ${f.optInState}`;
      status.clear();
    } catch (e) {
      status.fail(describeError(e, 'Reading features'));
    }
  }

  save.addEventListener('click', async () => {
    save.disabled = true;
    status.busy('Saving features…');
    try {
      await ctx.rpc.call('amt.setFeatures', { guid, userConsent: consent.value,
        enableSOL: solBox.input.checked, enableIDER: iderBox.input.checked,
        enableKVM: kvmBox.input.checked });
      status.ok('Features saved.');
      refresh();
    } catch (e) {
      status.fail(describeError(e, 'Saving features'));
    } finally {
      save.disabled = false;
    }
  });
  ask.addEventListener('click', async () => {
    ask.disabled = true;
    try {
      const ok = await askConsent(ctx, guid, (t) => status.busy(t));
      if (ok) status.ok('User consent given.');
      else status.ok('User consent cancelled.');
      refresh();
    } catch (e) {
      status.fail(describeError(e, 'User consent'));
    } finally {
      ask.disabled = false;
    }
  });
  return { el, refresh, offline() { status.ok('The device is offline.'); } };
}

function tabsSection(ctx, guid) {
  const bar = h('div', { class: 'tabs', role: 'tablist' });
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel' });
  const loaded = new Map();
  const select = (tab) => {
    for (const b of bar.children) b.setAttribute('aria-selected', String(b.dataset.tab === tab.id));
    if (!loaded.has(tab.id)) {
      const el = h('div', { id: `tab-${tab.id}` });
      loaded.set(tab.id, el);
      tab.mount(el, ctx, guid);
    }
    put(panel, loaded.get(tab.id));
  };
  for (const tab of TABS) {
    bar.append(h('button', { type: 'button', role: 'tab', dataset: { tab: tab.id },
      onclick: () => select(tab) }, tab.label));
  }
  return { el: h('section', { class: 'card' }, bar, panel) };
}
