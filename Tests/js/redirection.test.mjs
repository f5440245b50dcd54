// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Framebuffer } from '../../Public/js/kvm/framebuffer.js';
import { KvmSession } from '../../Public/js/redirection/kvm.js';
import { messageBytes } from '../../Public/js/redirection/session.js';
import { SolSession } from '../../Public/js/redirection/sol.js';
import { Terminal } from '../../Public/js/term/terminal.js';
import { FakeClock, FakeSocket, concat, hex, splits, toHex } from './helpers.mjs';
import { HANDSHAKE, updateHeader, zrleRect } from './rfbserver.mjs';

function record(session) {
  const events = [];
  for (const type of ['connect', 'data', 'control', 'disconnect', 'resize', 'update', 'bell',
    'datachannel']) {
    session.addEventListener(type, (e) => events.push([type, e.detail]));
  }
  return events;
}

const SOL_REPLY = hex('21 00 00 00 01 00 00 00 10 27 10 27 64 00 00 00 10 27 64 00 00 00 00');

function solSession(options = {}) {
  const socket = new FakeSocket();
  const clock = new FakeClock();
  const sol = new SolSession(socket, { clock, ...options });
  const events = record(sol);
  return { socket, clock, sol, events };
}

describe('SOL session', () => {
  it('should start, connect and exchange data with the spec\'s exact bytes (A12, A14)', () => {
    const { socket, clock, sol, events } = solSession();
    assert.equal(socket.binaryType, 'arraybuffer');
    assert.equal(toHex(socket.take()),
      '20 00 00 00 01 00 00 00 10 27 64 00 00 00 10 27 64 00 00 00 00 00 00 00');
    socket.deliver(SOL_REPLY);
    assert.equal(toHex(socket.take()), '27 00 00 00 02 00 00 00 00 00 1b 00 00 00');
    assert.deepEqual(events, [['connect', null]]);
    sol.send(new TextEncoder().encode('ls\r'));
    assert.equal(toHex(socket.take()), '28 00 00 00 03 00 00 00 03 00 6c 73 0d');
    clock.advance(2000);
    assert.equal(toHex(socket.take()), '2b 00 00 00 04 00 00 00');
    sol.end();
    assert.equal(toHex(socket.take()), '22 00 00 00 05 00 00 00');
    socket.deliver(hex('23 00 00 00 05 00 00 00'));
    assert.equal(toHex(socket.take()), '12 00 00 00');
    assert.equal(socket.closed, true);
    assert.deepEqual(events.at(-1), ['disconnect', { reason: 'ended', error: false }]);
    clock.advance(10000);
    assert.equal(socket.sent.length, 0, 'no heartbeat after the end');
  });

  it('should deliver host data, controls and ignore heartbeats, split anywhere', () => {
    const stream = concat(SOL_REPLY,
      hex('2A 00 00 00 07 00 00 00 07 00 6C 6F 67 69 6E 3A 20'),
      hex('2B 00 00 00 04 00 00 00'), hex('25 00 00 00 01 00 00 00'),
      hex('29 00 00 00 09 00 00 00 03 04'),
      hex('2A 00 00 00 08 00 00 00 02 00 C9 BB'));
    for (const [label, chunks] of splits(stream)) {
      const { socket, sol } = solSession();
      const term = new Terminal(20, 3);
      const controls = [];
      sol.addEventListener('data', (e) => term.write(e.detail));
      sol.addEventListener('control', (e) => controls.push(e.detail));
      for (const c of chunks) socket.deliver(c);
      assert.equal(term.lineText(0).trimEnd(), 'login: ╔╗', label);
      assert.equal(controls.length, 1);
      assert.equal(controls[0].rts && controls[0].dtr && controls[0].power, true);
      assert.equal(controls[0].break, false);
      assert.equal(sol.state, 'connected', label);
    }
  });

  it('should accept text frames whose code points are the bytes', () => {
    const { socket, events } = solSession();
    socket.onmessage({ data: String.fromCharCode(...SOL_REPLY) });
    socket.onmessage({ data: '' });
    socket.onmessage({ data: String.fromCharCode(0x2A, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0xB0) });
    assert.deepEqual(events.map((e) => e[0]), ['connect', 'data']);
    assert.deepEqual(events[1][1], Uint8Array.of(0xB0));
    assert.deepEqual(messageBytes(Uint8Array.of(1, 2).subarray(1)), Uint8Array.of(2));
  });

  it('should chunk long input below MaxTxBuffer with rising sequence numbers', () => {
    const { socket, sol } = solSession({ settings: { maxTxBuffer: 100 } });
    socket.deliver(SOL_REPLY);
    socket.take();
    sol.send(new Uint8Array(200).fill(0x41));
    assert.deepEqual(socket.sent.map((m) => [m.length, m[4]]), [[100, 3], [100, 4], [30, 5]]);
  });

  it('should fail on a refused start, an unknown message or a server close', () => {
    let s = solSession();
    s.socket.deliver(hex('21 01'));
    assert.deepEqual(s.events.at(-1), ['disconnect',
      { reason: 'SOL start refused (status 1)', error: true }]);
    assert.equal(s.socket.closed, true);
    s = solSession();
    s.socket.deliver(SOL_REPLY);
    s.socket.deliver(hex('99'));
    assert.deepEqual(s.events.at(-1), ['disconnect',
      { reason: 'unexpected SOL message 0x99', error: true }]);
    s = solSession();
    s.socket.deliver(SOL_REPLY);
    s.socket.serverClose(1005);
    assert.deepEqual(s.events.at(-1), ['disconnect',
      { reason: 'connection closed (code 1005)', error: true }]);
    assert.equal(s.clock.pending, 0, 'heartbeat stopped');
  });

  it('should close after a timeout when 0x23 never comes', () => {
    const { socket, clock, sol } = solSession();
    socket.deliver(SOL_REPLY);
    sol.end();
    socket.take();
    clock.advance(2000);
    assert.equal(toHex(socket.take()), '12 00 00 00');
    assert.equal(socket.closed, true);
  });

  it('should wait for the socket to open before starting', () => {
    const socket = new FakeSocket();
    socket.readyState = 0;
    const sol = new SolSession(socket, { clock: new FakeClock() });
    assert.equal(socket.sent.length, 0);
    socket.onopen();
    assert.equal(socket.sent[0][0], 0x20);
    assert.equal(sol.state, 'starting');
  });
});

describe('KVM session', () => {
  async function serverStream() {
    const { syncFlushed } = await import('./rfbserver.mjs');
    const [z] = await syncFlushed([[1, 0x00, 0xF8]]);
    return concat(hex('41 00 00 00 00 00 00 00'), HANDSHAKE(64, 64), updateHeader(1),
      zrleRect(0, 0, 64, 64, z), hex('02'));
  }

  it('should send 0x40, switch to RFB on 0x41 and decode what follows, split anywhere',
    async () => {
      const stream = await serverStream();
      for (const [label, chunks] of splits(stream)) {
        const socket = new FakeSocket();
        const fb = new Framebuffer();
        const kvm = new KvmSession(socket, { target: fb, clock: new FakeClock() });
        const events = record(kvm);
        assert.equal(toHex(socket.take()), '40 00 00 00 00 00 00 00');
        for (const c of chunks) socket.deliver(c);
        assert.equal(toHex(socket.take()), '52 46 42 20 30 30 33 2e 30 30 38 0a 01 01 ' +
          '02 00 00 03 00 00 00 10 00 00 00 00 ff ff ff 21 03 00 00 00 00 00 00 40 00 40', label);
        assert.deepEqual(events.map((e) => e[0]), ['connect', 'update', 'bell'], label);
        assert.deepEqual(events[0][1], { width: 64, height: 64, name: 'Intel(r) AMT KVM' });
        assert.deepEqual(fb.pixel(32, 32), [248, 0, 0, 255]);
        kvm.sendKey(0x61, true);
        assert.equal(toHex(socket.take()), '04 01 00 00 00 00 00 61');
      }
    });

  it('should fail on a wrong start reply and on RFB errors', () => {
    let socket = new FakeSocket();
    let kvm = new KvmSession(socket, { target: new Framebuffer(), clock: new FakeClock() });
    let events = record(kvm);
    socket.deliver(hex('11 02 00 00'));
    assert.deepEqual(events, [['disconnect',
      { reason: 'unexpected KVM start reply 0x11', error: true }]]);
    socket = new FakeSocket();
    kvm = new KvmSession(socket, { target: new Framebuffer(), clock: new FakeClock() });
    events = record(kvm);
    socket.deliver(concat(hex('41 00 00 00 00 00 00 00'), HANDSHAKE(64, 64), hex('09')));
    assert.deepEqual(events.at(-1), ['disconnect',
      { reason: 'unknown server message type 9', error: true }]);
    assert.equal(socket.closed, true);
  });

  it('should stop requesting updates once closed', () => {
    const socket = new FakeSocket();
    const clock = new FakeClock();
    const kvm = new KvmSession(socket, { target: new Framebuffer(), clock });
    socket.deliver(concat(hex('41 00 00 00 00 00 00 00'), HANDSHAKE(64, 64), updateHeader(0)));
    kvm.close();
    socket.take();
    clock.advance(5000);
    assert.equal(socket.sent.length, 0);
    assert.equal(socket.closed, true);
  });
});
