// SPDX-License-Identifier: Apache-2.0
// What the SOL and KVM drivers share: hooking a WebSocket-like object (`send(Uint8Array)`,
// `close()`, `onmessage`, `onclose`, `onopen`, `readyState`), turning its messages into
// bytes, and reporting the end exactly once. The server's relay has already done the
// redirection session start and digest auth; the stream we see starts after that.

import { systemClock } from '../kvm/clock.js';

const OPEN = 1;

/**
 * Bytes of a WebSocket message: an ArrayBuffer or typed array, or a string whose code
 * points are the bytes (older relays send text frames; spec §1.1). Null for anything else.
 */
// TODO(#5): Blob messages are not read; sessions set binaryType to 'arraybuffer' instead.
export function messageBytes(data) {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (typeof data === 'string') return Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xFF);
  return null;
}

/**
 * Base class. Events (CustomEvent): `connect`, and `disconnect` with detail
 * `{ reason, error }` (error is false only when this side ended the session).
 */
export class RedirectionSession extends EventTarget {
  constructor(socket, clock = systemClock) {
    super();
    this.socket = socket;
    this.clock = clock;
    this.state = 'connecting';
  }

  /** Subclasses call this at the end of their constructor. */
  _attach() {
    const s = this.socket;
    if ('binaryType' in s) s.binaryType = 'arraybuffer';
    s.onmessage = (ev) => this._onMessage(ev.data);
    s.onclose = (ev) => this._onClose(ev);
    s.onerror = () => {}; // a close event always follows
    if (s.readyState === OPEN) this._begin();
    else s.onopen = () => this._begin();
  }

  /** Ends the session from this side without the protocol goodbye. */
  close() {
    this._finish('closed by user', false);
  }

  _begin() {
    if (this.state !== 'connecting') return;
    this.state = 'starting';
    this._start();
  }

  _onMessage(data) {
    if (this.state === 'closed') return;
    const bytes = messageBytes(data);
    if (!bytes || bytes.length === 0) return; // empty frames carry nothing
    try {
      this._receive(bytes);
    } catch (e) {
      this._finish(e.message, true);
    }
  }

  _onClose(ev) {
    const code = ev && ev.code !== undefined ? ` (code ${ev.code})` : '';
    this._finish(`connection closed${code}`, true);
  }

  _send(bytes) {
    if (this.state === 'closed') return;
    this.socket.send(bytes);
  }

  _finish(reason, error) {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this._stop();
    try {
      this.socket.close();
    } catch { /* already closed */ }
    this._emit('disconnect', { reason, error });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Overridden: send the first message. */
  _start() {}

  /** Overridden: handle bytes; throw Error to fail the session. */
  _receive(_bytes) {}

  /** Overridden: stop timers. */
  _stop() {}
}
