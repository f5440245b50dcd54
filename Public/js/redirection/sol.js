// SPDX-License-Identifier: Apache-2.0
// The SOL driver after the relay's auth (spec §2.5, §4.2): StartSOLRedirection (0x20),
// its reply (0x21), then data both ways (0x28 out, 0x2A in), host controls (0x29),
// heartbeats (0x2B) and the goodbye (0x22 / 0x23, then EndRedirectionSession 0x12).

import { ByteQueue } from '../kvm/bytequeue.js';
import { RedirectionSession } from './session.js';

/** Heartbeat period once connected (MC and UITK: 2 s). */
export const HEARTBEAT_MS = 2000;
/** How long `end()` waits for EndSOLRedirectionReply before closing anyway. */
export const END_TIMEOUT_MS = 2000;

/** StartSOLRedirection parameters (the MC/UITK values, spec A12). */
export const DEFAULT_SOL_SETTINGS = Object.freeze({
  maxTxBuffer: 10000, txTimeout: 100, txOverflowTimeout: 0, hostSessionRxTimeout: 10000,
  hostFifoRxFlushTimeout: 100, heartbeat: 0,
});

const T_START = 0x20, T_START_REPLY = 0x21, T_END = 0x22, T_END_REPLY = 0x23;
const T_PONG = 0x25, T_CONTROL_27 = 0x27, T_DATA_OUT = 0x28, T_CONTROLS = 0x29;
const T_DATA_IN = 0x2A, T_HEARTBEAT = 0x2B;
const HEADER = 10; // 0x28 / 0x2A header: type, 3 zero, seq LE32, length LE16

function header(type, seq, length) {
  const out = new Uint8Array(length);
  out[0] = type;
  new DataView(out.buffer).setUint32(4, seq >>> 0, true);
  return out;
}

/** Outgoing SOL messages as pure encoders (all integers little-endian). */
export const solMessages = Object.freeze({
  start(seq, s = DEFAULT_SOL_SETTINGS) {
    const out = header(T_START, seq, 24);
    const v = new DataView(out.buffer);
    [s.maxTxBuffer, s.txTimeout, s.txOverflowTimeout, s.hostSessionRxTimeout,
      s.hostFifoRxFlushTimeout, s.heartbeat].forEach((x, i) => v.setUint16(8 + 2 * i, x, true));
    return out;
  },
  control27(seq) { // sent by MC/UITK after 0x21; meaning undocumented (spec §2.5)
    const out = header(T_CONTROL_27, seq, 14);
    out[10] = 0x1B;
    return out;
  },
  data(seq, bytes) {
    const out = header(T_DATA_OUT, seq, HEADER + bytes.length);
    new DataView(out.buffer).setUint16(8, bytes.length, true);
    out.set(bytes, HEADER);
    return out;
  },
  heartbeat(seq) { return header(T_HEARTBEAT, seq, 8); },
  end(seq) { return header(T_END, seq, 8); },
  endSession() { return Uint8Array.of(0x12, 0, 0, 0); },
});

/**
 * A SOL session. Events (CustomEvent): `connect`; `data` (detail: Uint8Array of host
 * output, for Terminal.write); `control` (detail: {control, status, rts, dtr, break,
 * txOverflow, loopback, power, rxFlushTimeout, testMode}); `disconnect` {reason, error}.
 */
export class SolSession extends RedirectionSession {
  constructor(socket, { clock, settings = DEFAULT_SOL_SETTINGS, heartbeatMs = HEARTBEAT_MS,
    sendControl27 = true } = {}) {
    super(socket, clock);
    this.settings = { ...DEFAULT_SOL_SETTINGS, ...settings };
    this._heartbeatMs = heartbeatMs;
    this._sendControl27 = sendControl27;
    this._queue = new ByteQueue();
    this._seq = 0;
    this._timer = null;
    this._attach();
  }

  /** Sends keystrokes or pasted text (bytes), chunked below MaxTxBuffer. */
  send(bytes) {
    if (this.state !== 'connected') return false;
    const chunk = Math.max(1, Math.min(this.settings.maxTxBuffer, 0xFFFF) - HEADER);
    for (let i = 0; i < bytes.length; i += chunk) {
      this._send(solMessages.data(this._nextSeq(), bytes.subarray(i, i + chunk)));
    }
    return true;
  }

  /** Ends politely: 0x22, wait for 0x23 (or a timeout), then 0x12 and close. */
  end() {
    if (this.state !== 'connected') return this.close();
    this.state = 'ending';
    this._stopTimer();
    this._send(solMessages.end(this._nextSeq()));
    this._timer = this.clock.setTimeout(() => this._goodbye(), END_TIMEOUT_MS);
  }

  _nextSeq() {
    this._seq = (this._seq + 1) >>> 0;
    return this._seq;
  }

  _start() {
    this._send(solMessages.start(this._nextSeq(), this.settings));
  }

  _receive(bytes) {
    const q = this._queue;
    q.push(bytes);
    while (q.has(1) && this.state !== 'closed') {
      if (!this._message(q)) return;
    }
  }

  // One message; false when it is incomplete.
  _message(q) {
    const type = q.peek8();
    if (this.state === 'starting') {
      if (type !== T_START_REPLY) throw new Error(`unexpected SOL message 0x${hex(type)}`);
      if (!q.has(2)) return false;
      if (q.peek8(1) !== 0) throw new Error(`SOL start refused (status ${q.peek8(1)})`);
      if (!q.has(23)) return false;
      q.skip(23);
      this.state = 'connected';
      if (this._sendControl27) this._send(solMessages.control27(this._nextSeq()));
      this._scheduleHeartbeat();
      this._emit('connect');
      return true;
    }
    switch (type) {
    case T_DATA_IN: {
      if (!q.has(HEADER)) return false;
      const len = q.peek16le(8);
      if (!q.has(HEADER + len)) return false;
      q.skip(HEADER);
      const data = q.readBytes(len);
      if (this.state === 'connected' || this.state === 'ending') this._emit('data', data);
      return true;
    }
    case T_CONTROLS:
      if (!q.has(10)) return false;
      this._emit('control', controls(q.peek8(8), q.peek8(9)));
      q.skip(10);
      return true;
    case T_HEARTBEAT: case T_PONG:
      if (!q.has(8)) return false;
      q.skip(8);
      return true;
    case T_END_REPLY:
      if (!q.has(8)) return false;
      q.skip(8);
      if (this.state !== 'ending') throw new Error('unexpected EndSOLRedirectionReply');
      this._goodbye();
      return true;
    default:
      throw new Error(`unexpected SOL message 0x${hex(type)}`);
    }
  }

  _goodbye() {
    if (this.state === 'closed') return;
    this._send(solMessages.endSession());
    this._finish('ended', false);
  }

  _scheduleHeartbeat() {
    this._timer = this.clock.setTimeout(() => {
      this._timer = null;
      if (this.state !== 'connected') return;
      this._send(solMessages.heartbeat(this._nextSeq()));
      this._scheduleHeartbeat();
    }, this._heartbeatMs);
  }

  _stopTimer() {
    if (this._timer !== null) this.clock.clearTimeout(this._timer);
    this._timer = null;
  }

  _stop() { this._stopTimer(); }
}

function controls(control, status) {
  return { control, status, rts: !!(control & 1), dtr: !!(control & 2),
    break: !!(control & 4), txOverflow: !!(status & 1), loopback: !!(status & 2),
    power: !!(status & 4), rxFlushTimeout: !!(status & 8), testMode: !!(status & 16) };
}

function hex(b) { return b.toString(16).padStart(2, '0'); }
