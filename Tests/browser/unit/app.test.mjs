// SPDX-License-Identifier: Apache-2.0
// Unit tests of the UI's DOM-free modules: the JSON-RPC client over a fake socket and clock,
// the device-list model, consent decisions, power labels and error texts.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Codes, RpcClient, RpcError, CLOSE_SESSION_ENDED } from '../../../Public/js/app/rpc.js';
import { DeviceListModel, parseTags } from '../../../Public/js/app/devicelist-model.js';
import { consentNeeded, parseConsentCode } from '../../../Public/js/app/consent.js';
import { accepted, actionLabel, powerStateName, returnText } from '../../../Public/js/app/power.js';
import { describeError, needsConsent } from '../../../Public/js/app/errors.js';

class FakeClock {
  constructor() { this.now = 0; this.timers = new Map(); this.id = 0; }
  setTimeout(fn, ms) { this.timers.set(++this.id, { at: this.now + ms, fn }); return this.id; }
  clearTimeout(id) { this.timers.delete(id); }
  advance(ms) {
    this.now += ms;
    for (const [id, t] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= this.now) { this.timers.delete(id); t.fn(); }
    }
  }
}

function fakeSockets() {
  const made = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.sent = []; made.push(this); }
    send(m) { this.sent.push(JSON.parse(m)); }
    close() {}
    open() { this.onopen(); }
    reply(m) { this.onmessage({ data: JSON.stringify(m) }); }
    drop(code) { this.onclose({ code }); }
  }
  return { made, FakeSocket };
}

function client() {
  const { made, FakeSocket } = fakeSockets();
  const clock = new FakeClock();
  const rpc = new RpcClient('ws://127.0.0.1/rpc', { WebSocket: FakeSocket, clock, callTimeoutMs: 1000 });
  return { rpc, made, clock };
}

test('calls wait for the socket, then match answers by id', async () => {
  const { rpc, made } = client();
  const a = rpc.call('devices.stats');
  const b = rpc.call('devices.get', { guid: 'x' });
  assert.equal(made.length, 1);
  made[0].open();
  assert.deepEqual(made[0].sent.map((m) => [m.id, m.method]), [[1, 'devices.stats'], [2, 'devices.get']]);
  assert.deepEqual(made[0].sent[1].params, { guid: 'x' });
  made[0].reply({ jsonrpc: '2.0', id: 2, result: { guid: 'x' } });
  made[0].reply({ jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'not connected' } });
  assert.deepEqual(await b, { guid: 'x' });
  await assert.rejects(a, (e) => e instanceof RpcError && e.code === Codes.NOT_CONNECTED);
});

test('a call with no answer times out with a readable error', async () => {
  const { rpc, made, clock } = client();
  const p = rpc.call('amt.powerState', { guid: 'g' });
  made[0].open();
  clock.advance(1000);
  await assert.rejects(p, (e) => e.code === Codes.CLIENT_TIMEOUT && /powerState/.test(e.message));
  assert.equal(describeError({ code: Codes.CLIENT_TIMEOUT }, 'Reset'),
    'Reset failed: no answer from the server in time.');
});

test('notifications are emitted; subscriptions are renewed after a reconnect', async () => {
  const { rpc, made, clock } = client();
  const seen = [];
  rpc.addEventListener('notification', (ev) => seen.push(ev.detail));
  rpc.subscribe(['devices']).catch(() => {});
  made[0].open();
  made[0].reply({ jsonrpc: '2.0', method: 'devices.changed', params: { guid: 'g',
    connectionStatus: false } });
  assert.deepEqual(seen, [{ method: 'devices.changed', params: { guid: 'g', connectionStatus: false } }]);
  made[0].drop(1006);
  clock.advance(499);
  assert.equal(made.length, 1);
  clock.advance(1);
  assert.equal(made.length, 2);
  made[1].open();
  assert.deepEqual(made[1].sent.map((m) => [m.method, m.params]), [['subscribe', { topics: ['devices'] }]]);
});

test('pending calls fail when the socket drops; close 4401 ends the session', async () => {
  const { rpc, made, clock } = client();
  let ended = 0;
  rpc.addEventListener('sessionended', () => ended++);
  const p = rpc.call('devices.list');
  made[0].open();
  made[0].drop(CLOSE_SESSION_ENDED);
  await assert.rejects(p, (e) => e.code === Codes.DISCONNECTED);
  assert.equal(ended, 1);
  clock.advance(20000);
  assert.equal(made.length, 1, 'no reconnect after the session ended');
  await assert.rejects(rpc.call('devices.list'), (e) => e.code === Codes.DISCONNECTED);
});

test('an unauthorized answer ends the session', async () => {
  const { rpc, made } = client();
  let ended = 0;
  rpc.addEventListener('sessionended', () => ended++);
  const p = rpc.call('session.get');
  made[0].open();
  made[0].reply({ jsonrpc: '2.0', id: 1, error: { code: -32004, message: 'unauthorized' } });
  await assert.rejects(p, (e) => e.code === Codes.UNAUTHORIZED);
  assert.equal(ended, 1);
});

test('garbage from the socket is ignored', async () => {
  const { rpc, made } = client();
  const p = rpc.call('devices.stats');
  made[0].open();
  made[0].onmessage({ data: 'not json{' });
  made[0].onmessage({ data: '[1, null, {"id": 99, "result": 1}]' });
  made[0].reply([{ jsonrpc: '2.0', id: 1, result: { totalCount: 3 } }]);
  assert.deepEqual(await p, { totalCount: 3 });
});

test('the device-list model builds list params from filters and pages', () => {
  const m = new DeviceListModel({ pageSize: 25 });
  assert.deepEqual(m.params(), { top: 25, skip: 0 });
  m.hostname = '  demo-1 ';
  m.status = 'offline';
  m.tags = ['lab'];
  m.tagMatch = 'all';
  m.page = 2;
  assert.deepEqual(m.params(), { top: 25, skip: 50, hostname: 'demo-1', status: false, tags: ['lab'],
    tagMatch: 'all' });
  m.setResult({ data: [], totalCount: 30 });
  assert.equal(m.pageCount, 2);
  assert.equal(m.clampPage(), true);
  assert.equal(m.page, 1);
});

test('pushed changes update rows in place or ask for a reload', () => {
  const m = new DeviceListModel();
  m.setResult({ data: [{ guid: 'a', connectionStatus: true, hostname: 'h' }], totalCount: 1 });
  assert.deepEqual(m.applyChange({ guid: 'a', connectionStatus: false }), { row: 0, reload: false });
  assert.equal(m.rows[0].connectionStatus, false);
  assert.equal(m.rows[0].hostname, 'h');
  m.status = 'online';
  m.rows[0].connectionStatus = true;
  assert.deepEqual(m.applyChange({ guid: 'a', connectionStatus: false }), { row: 0, reload: true });
  assert.deepEqual(m.applyChange({ guid: 'zz', connectionStatus: true }), { row: -1, reload: true });
  assert.deepEqual(m.applyChange({ guid: 'zz', connectionStatus: false }), { row: -1, reload: false });
  assert.deepEqual(m.applyChange(null), { row: -1, reload: false });
  assert.deepEqual(parseTags(' a, b ,,a,c '), ['a', 'b', 'c']);
});

test('consent is needed per the features and the opt-in state', () => {
  assert.equal(consentNeeded({ userConsent: 'kvm', optInState: 0 }, 'kvm'), true);
  assert.equal(consentNeeded({ userConsent: 'kvm', optInState: 0 }, 'sol'), false);
  assert.equal(consentNeeded({ userConsent: 'all', optInState: 2 }, 'sol'), true);
  assert.equal(consentNeeded({ userConsent: 'all', optInState: 3 }, 'kvm'), false);
  assert.equal(consentNeeded({ userConsent: 'all', optInState: 4 }, 'ider'), false);
  assert.equal(consentNeeded({ userConsent: 'none', optInState: 0 }, 'kvm'), false);
  assert.equal(parseConsentCode(' 012345 '), 12345);
  assert.equal(parseConsentCode('12345'), null);
  assert.equal(parseConsentCode('12a456'), null);
});

test('power labels, results and error texts', () => {
  assert.equal(powerStateName(2), 'on');
  assert.equal(powerStateName(8), 'off (soft)');
  assert.equal(powerStateName(99), 'state 99');
  assert.equal(actionLabel(101), 'Reset to BIOS setup');
  assert.equal(accepted({ ReturnValue: 0 }), true);
  assert.equal(accepted({ Body: { ReturnValue: 0 } }), true);
  assert.equal(accepted({ ReturnValue: 2, ReturnValueStr: 'NOT_READY' }), false);
  assert.equal(returnText({ Body: { ReturnValue: 2, ReturnValueStr: 'NOT_READY' } }), 'NOT_READY');
  assert.equal(describeError({ code: -32001 }, 'Power up'),
    'Power up failed: the device is offline (no CIRA connection).');
  assert.equal(describeError({ code: -32003, message: 'x', data: { detail: 'a:Fault.',
    upstreamStatus: 400 } }),
    'the device reported an error. a:Fault. (AMT answered HTTP 400)');
  assert.equal(describeError({ code: -32010, message: 'invalid action', data: { field: 'action' } }),
    'invalid action (field action).');
  assert.equal(needsConsent({ code: -32003, message: 'device error',
    data: { detail: 'user consent required' } }), true);
  assert.equal(needsConsent({ code: -32001, message: 'consent' }), false);
});
