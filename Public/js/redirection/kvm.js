// SPDX-License-Identifier: Apache-2.0
// The KVM driver after the relay's auth (spec §2.6, §4.1): send 0x40 + 7 zero bytes, wait
// for 0x41 + 7, then the stream is plain RFB, handed to RfbClient (bytes that follow the
// reply in the same message included).

import { ByteQueue } from '../kvm/bytequeue.js';
import { RfbClient } from '../kvm/rfb.js';
import { RedirectionSession } from './session.js';

const START_KVM = Uint8Array.of(0x40, 0, 0, 0, 0, 0, 0, 0);
const START_KVM_REPLY = 0x41;

/**
 * A KVM session. Options: `target` (a Framebuffer), `colourMode` ('rgb565', 'rgb332',
 * 'grey8', 'grey4'), `dataChannel`, `clock`, `updateDelay`.
 * Events (CustomEvent): `connect` {width, height, name}, `resize` {width, height},
 * `update`, `bell`, `cuttext` {text}, `datachannel` {payload}, `extcmd` {command, data},
 * `disconnect` {reason, error}.
 */
export class KvmSession extends RedirectionSession {
  constructor(socket, { target, colourMode, dataChannel, clock, updateDelay } = {}) {
    super(socket, clock);
    this._queue = new ByteQueue();
    this.rfb = new RfbClient({ send: (b) => this._send(b), target, colourMode, dataChannel,
      clock: this.clock, updateDelay, onEvent: (type, detail) => this._rfbEvent(type, detail) });
    this._attach();
  }

  sendKey(keysym, down) { return this.rfb.sendKey(keysym, down); }
  sendPointer(mask, x, y) { return this.rfb.sendPointer(mask, x, y); }
  sendKvmExtCmd(command, value) { return this.rfb.sendKvmExtCmd(command, value); }
  setColourMode(mode) { this.rfb.setColourMode(mode); }
  setPaused(paused) { this.rfb.setPaused(paused); }

  _start() {
    this._send(START_KVM);
  }

  _receive(bytes) {
    if (this.state === 'rfb') return this.rfb.receive(bytes);
    const q = this._queue;
    q.push(bytes);
    if (q.peek8() !== START_KVM_REPLY) {
      throw new Error(`unexpected KVM start reply 0x${q.peek8().toString(16)}`);
    }
    if (!q.has(8)) return;
    q.skip(8);
    this.state = 'rfb';
    const rest = q.readBytes(q.length);
    if (rest.length > 0) this.rfb.receive(rest);
  }

  _rfbEvent(type, detail) {
    this._emit(type === 'init' ? 'connect' : type, detail);
  }

  _stop() { this.rfb.close(); }
}
