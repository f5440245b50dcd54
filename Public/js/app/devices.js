// SPDX-License-Identifier: Apache-2.0
// The device list page: filters by host name, status and tags, server-side paging (one page
// of rows in the DOM however many devices exist), live status from `devices.changed`, and
// inline tag editing.

import { DeviceListModel, PAGE_SIZES, parseTags } from './devicelist-model.js';
import { describeError } from './errors.js';
import { h, put, Status, formatDate } from './dom.js';

/** Wait after a keystroke before asking the server (typing fast sends one query). */
export const FILTER_DEBOUNCE_MS = 120;
/** Refetches caused by pushes are coalesced to at most one per this period. */
export const PUSH_RELOAD_MS = 1000;

export function mount(container, ctx) {
  const model = new DeviceListModel({ pageSize: ctx.prefs.pageSize || 50 });
  Object.assign(model, ctx.prefs.deviceFilters || {});
  const status = new Status(h('p', { class: 'status' }));
  const host = h('input', { type: 'search', id: 'filter-host', placeholder: 'Host name contains…',
    value: model.hostname, 'aria-label': 'Filter by host name' });
  const state = h('select', { id: 'filter-status', 'aria-label': 'Filter by status' },
    ...[['all', 'All'], ['online', 'Connected'], ['offline', 'Offline']].map(([v, l]) =>
      h('option', { value: v, selected: model.status === v }, l)));
  const tagBox = h('select', { id: 'filter-tags', multiple: true, size: 3,
    'aria-label': 'Filter by tags' });
  const tagMatch = h('select', { id: 'filter-tagmatch', 'aria-label': 'Tag match' },
    h('option', { value: 'any', selected: model.tagMatch === 'any' }, 'any tag'),
    h('option', { value: 'all', selected: model.tagMatch === 'all' }, 'all tags'));
  const size = h('select', { id: 'page-size', 'aria-label': 'Rows per page' },
    ...PAGE_SIZES.map((n) => h('option', { value: n, selected: n === model.pageSize }, `${n} / page`)));
  const rows = h('tbody', { id: 'device-rows' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const count = h('span', { id: 'device-count' });
  container.append(
    h('h2', {}, 'Devices'),
    h('div', { class: 'toolbar filters' }, host, state, tagBox, tagMatch, size, count),
    h('table', { class: 'devices' },
      h('thead', {}, h('tr', {}, ...['Host name', 'Friendly name', 'GUID', 'Status', 'Tags',
        'Last connected'].map((t) => h('th', { scope: 'col' }, t)))),
      rows),
    pager, status.el);

  let seq = 0; // answers to older queries are dropped
  let debounce = null;
  let pushTimer = null;
  let pushWanted = false;
  let editing = null;

  async function load() {
    const mine = ++seq;
    ctx.prefs.deviceFilters = { hostname: model.hostname, status: model.status,
      tags: model.tags, tagMatch: model.tagMatch };
    ctx.prefs.pageSize = model.pageSize;
    status.busy('Loading devices…');
    try {
      const result = await ctx.rpc.call('devices.list', model.params());
      if (mine !== seq) return;
      model.setResult(result);
      if (model.clampPage() && model.totalCount > 0) return load();
      render();
      status.clear();
      container.dispatchEvent(new CustomEvent('rendered', { bubbles: true }));
    } catch (e) {
      if (mine === seq) status.fail(describeError(e, 'Loading the device list'));
    }
  }

  async function loadTags() {
    try {
      const tags = await ctx.rpc.call('devices.tags');
      const chosen = new Set(model.tags);
      put(tagBox, ...(Array.isArray(tags) ? tags : []).map((t) =>
        h('option', { value: t, selected: chosen.has(t) }, t)));
    } catch { /* the list still works without the tag choices */ }
  }

  function render() {
    put(rows, ...model.rows.map((d, i) => rowFor(d, i)));
    if (model.rows.length === 0) {
      rows.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No devices match.')));
    }
    count.textContent = `${model.totalCount} device${model.totalCount === 1 ? '' : 's'}`;
    renderPager();
  }

  function rowFor(d, i) {
    const link = h('a', { href: `#/device/${encodeURIComponent(d.guid)}` }, d.hostname || d.guid);
    return h('tr', { dataset: { guid: d.guid, index: String(i) } },
      h('td', {}, link), h('td', {}, d.friendlyName || ''), h('td', { class: 'guid' }, d.guid),
      statusCell(d), tagsCell(d, i), h('td', {}, formatDate(d.lastConnected)));
  }

  function statusCell(d) {
    return h('td', { class: d.connectionStatus ? 'status-on' : 'status-off' },
      d.connectionStatus ? 'connected' : 'offline');
  }

  function tagsCell(d, i) {
    const td = h('td', { class: 'tags' });
    const tags = Array.isArray(d.tags) ? d.tags : [];
    td.append(...tags.map((t) => h('span', { class: 'tag' }, t)),
      h('button', { type: 'button', class: 'link edit-tags', title: 'Edit tags',
        onclick: () => editTags(td, d, i) }, 'edit'));
    return td;
  }

  function editTags(td, d, i) {
    if (editing) return;
    const input = h('input', { type: 'text', class: 'tag-input', value: (d.tags || []).join(', '),
      'aria-label': `Tags of ${d.hostname || d.guid}` });
    const save = h('button', { type: 'submit' }, 'Save');
    const cancel = h('button', { type: 'button', onclick: () => close() }, 'Cancel');
    const form = h('form', { class: 'tag-edit' }, input, save, cancel);
    editing = form;
    const close = () => {
      editing = null;
      td.replaceWith(tagsCell(model.rows[i] || d, i));
    };
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      save.disabled = true;
      status.busy('Saving tags…');
      try {
        const updated = await ctx.rpc.call('devices.update', { guid: d.guid, tags: parseTags(input.value) });
        if (model.rows[i] && model.rows[i].guid === d.guid) {
          model.rows[i] = { ...model.rows[i], ...updated };
        }
        status.ok(`Tags of ${d.hostname || d.guid} saved.`);
        close();
        loadTags();
      } catch (e) {
        save.disabled = false;
        status.fail(describeError(e, 'Saving tags'));
      }
    });
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') close(); });
    put(td, form);
    input.focus();
  }

  function renderPager() {
    const last = model.pageCount - 1;
    const go = (p) => { model.page = Math.max(0, Math.min(last, p)); load(); };
    put(pager,
      h('button', { type: 'button', disabled: model.page === 0, onclick: () => go(0) }, '« First'),
      h('button', { type: 'button', disabled: model.page === 0, onclick: () => go(model.page - 1) }, '‹ Prev'),
      h('span', { class: 'page-of' }, `Page ${model.page + 1} of ${model.pageCount}`),
      h('button', { type: 'button', disabled: model.page >= last, onclick: () => go(model.page + 1) }, 'Next ›'),
      h('button', { type: 'button', disabled: model.page >= last, onclick: () => go(last) }, 'Last »'));
  }

  function filtersChanged(immediately) {
    model.page = 0;
    if (debounce !== null) clearTimeout(debounce);
    debounce = setTimeout(() => { debounce = null; load(); }, immediately ? 0 : FILTER_DEBOUNCE_MS);
  }

  host.addEventListener('input', () => { model.hostname = host.value; filtersChanged(false); });
  state.addEventListener('change', () => { model.status = state.value; filtersChanged(true); });
  tagBox.addEventListener('change', () => {
    model.tags = [...tagBox.selectedOptions].map((o) => o.value);
    filtersChanged(true);
  });
  tagMatch.addEventListener('change', () => { model.tagMatch = tagMatch.value; filtersChanged(true); });
  size.addEventListener('change', () => { model.pageSize = Number(size.value); filtersChanged(true); });

  function onChange(params) {
    const { row, reload } = model.applyChange(params);
    if (row >= 0 && !editing) {
      const tr = rows.querySelector(`tr[data-index="${row}"]`);
      if (tr) tr.replaceWith(rowFor(model.rows[row], row));
    }
    if (reload) schedulePushReload();
  }

  function schedulePushReload() {
    pushWanted = true;
    if (pushTimer !== null) return;
    pushTimer = setTimeout(() => {
      pushTimer = null;
      if (pushWanted && !editing) { pushWanted = false; load(); }
    }, PUSH_RELOAD_MS);
  }

  const offChange = ctx.onDeviceChange(onChange);
  const offOpen = ctx.onReconnect(() => load());
  loadTags();
  load();
  return () => {
    offChange();
    offOpen();
    seq++;
    if (debounce !== null) clearTimeout(debounce);
    if (pushTimer !== null) clearTimeout(pushTimer);
  };
}
