// SPDX-License-Identifier: Apache-2.0
// The device list's state without the DOM: filters -> `devices.list` params, paging, and
// folding pushed `devices.changed` notifications into the page on screen.

export const PAGE_SIZES = Object.freeze([25, 50, 100, 250]);

/** Tags as typed in an editor ("a, b ,,c") -> ['a', 'b', 'c'], duplicates dropped. */
export function parseTags(text) {
  const out = [];
  for (const t of String(text).split(',')) {
    const tag = t.trim();
    if (tag && !out.includes(tag)) out.push(tag);
  }
  return out;
}

export class DeviceListModel {
  constructor({ pageSize = 50 } = {}) {
    this.hostname = '';
    this.status = 'all'; // 'all' | 'online' | 'offline'
    this.tags = [];
    this.tagMatch = 'any';
    this.page = 0;
    this.pageSize = pageSize;
    this.rows = [];
    this.totalCount = 0;
  }

  /** Params for `devices.list` for the current filters and page. */
  params() {
    const p = { top: this.pageSize, skip: this.page * this.pageSize };
    const host = this.hostname.trim();
    if (host) p.hostname = host;
    if (this.status !== 'all') p.status = this.status === 'online';
    if (this.tags.length > 0) {
      p.tags = [...this.tags];
      p.tagMatch = this.tagMatch;
    }
    return p;
  }

  get pageCount() { return Math.max(1, Math.ceil(this.totalCount / this.pageSize)); }

  /** Takes a `devices.list` result; pulls the page back in range if the list shrank. */
  setResult(result) {
    this.rows = Array.isArray(result && result.data) ? result.data : [];
    this.totalCount = Number(result && result.totalCount) || 0;
  }

  /** True when the page is past the end (after a shrink): the caller reloads. */
  clampPage() {
    const last = this.pageCount - 1;
    if (this.page > last) {
      this.page = last;
      return true;
    }
    return false;
  }

  /**
   * Folds a `devices.changed` notification in. Returns `{row, reload}`: `row` is the index
   * of a row updated in place (or -1), `reload` says the page no longer matches the filters
   * (a device entered or left the status filter, or an unknown device appeared).
   */
  applyChange(params) {
    if (!params || typeof params.guid !== 'string') return { row: -1, reload: false };
    const i = this.rows.findIndex((d) => d.guid === params.guid);
    const status = typeof params.connectionStatus === 'boolean' ? params.connectionStatus : null;
    const filtered = this.status !== 'all';
    if (i < 0) {
      // Someone else's page; matters only if it now matches a status filter we show.
      const wanted = this.status === 'online' ? status === true : status === false;
      return { row: -1, reload: filtered && wanted };
    }
    const updated = { ...this.rows[i], ...(params.device || {}) };
    if (status !== null) updated.connectionStatus = status;
    this.rows[i] = updated;
    const matches = !filtered || updated.connectionStatus === (this.status === 'online');
    return { row: i, reload: !matches };
  }
}
