// SPDX-License-Identifier: Apache-2.0
// The device page's tabs, each loaded when first opened: AMT version and general settings,
// hardware inventory, audit log (paged on the server), event log (paged here), alarm clocks.

import { describeError } from './errors.js';
import { h, put, Status, formatDate } from './dom.js';

export const EVENTS_PER_PAGE = 25;

/** Scalar properties of a WS-MAN instance as [name, text] pairs (objects/arrays skipped). */
export function scalarPairs(obj) {
  if (!obj || typeof obj !== 'object') return [];
  return Object.entries(obj).filter(([, v]) => v !== null && typeof v !== 'object' ||
    Array.isArray(v) && v.every((x) => typeof x !== 'object'))
    .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]);
}

function kvTable(pairs) {
  return h('table', { class: 'kv' }, h('tbody', {},
    ...pairs.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', {}, v)))));
}

function table(columns, rows, cls = '') {
  return h('table', { class: cls }, h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', {}, c.label)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...columns.map((c) => h('td', {}, c.get(r)))))));
}

/** Runs `fn` with a progress line in `el`; shows a readable error on failure. */
async function loading(el, what, fn) {
  const status = new Status(h('p', { class: 'status' }));
  el.append(status.el);
  status.busy(`Loading ${what}…`);
  try {
    await fn();
    status.clear();
  } catch (e) {
    status.fail(describeError(e, `Loading ${what}`));
  }
  return status;
}

function mountInfo(el, ctx, guid) {
  const out = h('div');
  el.append(out);
  loading(el, 'AMT information', async () => {
    const [version, general] = await Promise.all([
      ctx.rpc.call('amt.version', { guid }), ctx.rpc.call('amt.generalSettings', { guid })]);
    const ids = (version.CIM_SoftwareIdentity && version.CIM_SoftwareIdentity.responses) || [];
    const setup = (version.AMT_SetupAndConfigurationService &&
      version.AMT_SetupAndConfigurationService.response) || {};
    const amt = ids.find((x) => x.InstanceID === 'AMT');
    put(out, h('h4', {}, 'Version'),
      h('p', { id: 'amt-version' }, amt ? `Intel AMT ${amt.VersionString}` : 'AMT version not reported'),
      kvTable(ids.map((x) => [x.InstanceID, x.VersionString])),
      h('h4', {}, 'Setup and configuration'), kvTable(scalarPairs(setup)),
      h('h4', {}, 'General settings'), kvTable(scalarPairs(general && general.Body)));
  });
}

function mountHardware(el, ctx, guid) {
  const out = h('div', { id: 'hardware' });
  el.append(out);
  loading(el, 'hardware inventory', async () => {
    const info = await ctx.rpc.call('amt.hardwareInfo', { guid });
    const parts = [];
    for (const [cls, part] of Object.entries(info || {})) {
      const items = part && Array.isArray(part.responses) ? part.responses : [];
      if (items.length === 0) continue;
      parts.push(h('h4', {}, cls.replace(/^CIM_/, '')));
      for (const item of items) parts.push(kvTable(scalarPairs(item)));
    }
    put(out, ...(parts.length ? parts : [h('p', {}, 'The device reported no hardware.')]));
  });
}

function mountAudit(el, ctx, guid) {
  const out = h('div', { id: 'audit' });
  const pager = h('nav', { class: 'pager' });
  el.append(out, pager);
  let start = 0;
  let status = null;
  const cols = [
    { label: 'Time', get: (r) => formatDate(r.Time) },
    { label: 'Application', get: (r) => r.AuditApp },
    { label: 'Event', get: (r) => r.Event },
    { label: 'Initiator', get: (r) => r.Initiator },
    { label: 'Address', get: (r) => r.NetAddress || '' },
    { label: 'Details', get: (r) => r.ExStr || '' },
  ];
  async function load() {
    if (status) status.el.remove();
    status = await loading(el, 'the audit log', async () => {
      const r = await ctx.rpc.call('amt.auditLog', { guid, startIndex: start });
      const records = Array.isArray(r.records) ? r.records : [];
      const total = Number(r.totalCnt) || 0;
      put(out, h('p', {}, `${total} records, newest first; showing ${total ? start + 1 : 0}` +
        `–${start + records.length}.`), table(cols, records, 'log'));
      put(pager,
        h('button', { type: 'button', disabled: start === 0,
          onclick: () => { start = Math.max(0, start - 10); load(); } }, '‹ Newer'),
        h('button', { type: 'button', disabled: start + records.length >= total || records.length === 0,
          onclick: () => { start += records.length; load(); } }, 'Older ›'));
    });
  }
  load();
}

function mountEvents(el, ctx, guid) {
  const out = h('div', { id: 'events' });
  const pager = h('nav', { class: 'pager' });
  el.append(out, pager);
  let records = [];
  let page = 0;
  const cols = [
    { label: 'Time', get: (r) => formatDate(r.TimeStamp) },
    { label: 'Severity', get: (r) => String(r.EventSeverity) },
    { label: 'Entity', get: (r) => r.EntityStr || '' },
    { label: 'Description', get: (r) => r.Desc || '' },
  ];
  function render() {
    const pages = Math.max(1, Math.ceil(records.length / EVENTS_PER_PAGE));
    page = Math.min(page, pages - 1);
    const slice = records.slice(page * EVENTS_PER_PAGE, (page + 1) * EVENTS_PER_PAGE);
    put(out, h('p', {}, `${records.length} events.`), table(cols, slice, 'log'));
    put(pager,
      h('button', { type: 'button', disabled: page === 0, onclick: () => { page--; render(); } }, '‹ Prev'),
      h('span', {}, `Page ${page + 1} of ${pages}`),
      h('button', { type: 'button', disabled: page >= pages - 1, onclick: () => { page++; render(); } }, 'Next ›'));
  }
  loading(el, 'the event log', async () => {
    const r = await ctx.rpc.call('amt.eventLog', { guid });
    records = Array.isArray(r) ? r : [];
    render();
  });
}

/** A datetime-local value -> ISO-8601 with the local offset as UTC ("...Z"), or null. */
export function localToIso(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function mountAlarms(el, ctx, guid) {
  const list = h('div', { id: 'alarms' });
  const name = h('input', { type: 'text', id: 'alarm-name', required: true, maxlength: 32, placeholder: 'Name' });
  const startAt = h('input', { type: 'datetime-local', id: 'alarm-start', required: true });
  const interval = h('input', { type: 'number', id: 'alarm-interval', min: 0, max: 525600, value: 0 });
  const once = h('input', { type: 'checkbox', id: 'alarm-once', checked: true });
  const status = new Status(h('p', { class: 'status', id: 'alarm-status' }));
  const form = h('form', { class: 'toolbar' }, name, startAt,
    h('label', {}, 'repeat every ', interval, ' min'), h('label', {}, once, ' delete when done'),
    h('button', { type: 'submit' }, 'Add alarm'));
  el.append(list, form, status.el);
  async function load() {
    try {
      const alarms = await ctx.rpc.call('amt.alarms.list', { guid });
      const rows = Array.isArray(alarms) ? alarms : [];
      put(list, rows.length === 0 ? h('p', {}, 'No alarm clocks.') : table([
        { label: 'Name', get: (a) => a.ElementName || a.InstanceID },
        { label: 'Start', get: (a) => formatDate(a.StartTime && (a.StartTime.Datetime || a.StartTime)) },
        { label: 'Every (min)', get: (a) => String(a.IntervalInMinutes ?? a.InternalInMinutes ?? 0) },
        { label: '', get: (a) => h('button', { type: 'button', class: 'link', onclick: () => remove(a) }, 'delete') },
      ], rows));
    } catch (e) {
      status.fail(describeError(e, 'Loading alarms'));
    }
  }
  async function remove(a) {
    status.busy('Deleting the alarm…');
    try {
      await ctx.rpc.call('amt.alarms.delete', { guid, name: a.InstanceID || a.ElementName });
      status.ok('Alarm deleted.');
      load();
    } catch (e) { status.fail(describeError(e, 'Deleting the alarm')); }
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const start = localToIso(startAt.value);
    if (!start) { status.fail('Choose a start time.'); return; }
    status.busy('Adding the alarm…');
    try {
      await ctx.rpc.call('amt.alarms.add', { guid, ElementName: name.value.trim(), StartTime: start,
        Interval: Number(interval.value) || 0, DeleteOnCompletion: once.checked });
      status.ok('Alarm added.');
      name.value = '';
      load();
    } catch (e) { status.fail(describeError(e, 'Adding the alarm')); }
  });
  load();
}

export const TABS = Object.freeze([
  { id: 'info', label: 'AMT info', mount: mountInfo },
  { id: 'hardware', label: 'Hardware', mount: mountHardware },
  { id: 'audit', label: 'Audit log', mount: mountAudit },
  { id: 'events', label: 'Event log', mount: mountEvents },
  { id: 'alarms', label: 'Alarm clocks', mount: mountAlarms },
]);
