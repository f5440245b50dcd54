// SPDX-License-Identifier: Apache-2.0
// RFB client state machine for Intel AMT's dialect (spec §2.6, §4.1 step 4 on): version,
// security None, ClientInit, ServerInit, then updates. It does no I/O: bytes come in through
// `receive`, bytes go out through the injected `send`, and pixels land in the injected
// framebuffer target. Every state waits for whole messages, so input may split anywhere.

import { ByteQueue } from './bytequeue.js';
import { systemClock } from './clock.js';
import { RawDecoder } from './decoders/raw.js';
import { ZrleDecoder } from './decoders/zrle.js';
import { RfbError } from './errors.js';
import { dataChannelText, kvmExtCmdText, parseCutText } from './intel.js';
import { Encoding, messages } from './messages.js';
import { FORMATS, parsePixelFormat, pixelConverter, samePixelFormat } from './pixelformat.js';

/** Delay between a finished update and the next request (spec: 0–50 ms). */
export const UPDATE_DELAY_MS = 15;
/** Request cadence while paused (tab hidden): slow, but AMT keeps seeing requests. */
export const PAUSED_UPDATE_DELAY_MS = 1000;
/** Bounds on server-supplied sizes. */
export const MAX_DIMENSION = 8192;
export const MAX_NAME_LENGTH = 4096;
export const MAX_CUT_TEXT = 1 << 20;

const SECURITY_NONE = 1;

/**
 * Events, through `onEvent(type, detail)`:
 * - `init` {width, height, name}: ServerInit was handled;
 * - `resize` {width, height}: DesktopSize;
 * - `update`: a whole FramebufferUpdate was decoded;
 * - `bell`;
 * - `cuttext` {text}, `datachannel` {payload}, `extcmd` {command, data}.
 * `receive` throws RfbError on a protocol violation; the client is then failed for good.
 *
 * The target needs `width`, `height`, `rgba` (Uint8ClampedArray), `damage(x, y, w, h)` and
 * `resize(w, h)`.
 */
export class RfbClient {
  constructor({ send, target, colourMode = 'rgb565', dataChannel = false, clock = systemClock,
    updateDelay = UPDATE_DELAY_MS, onEvent = () => {} }) {
    if (!(colourMode in FORMATS)) throw new RangeError(`unknown colour mode ${colourMode}`);
    this._send = send;
    this._fb = target;
    this._colourMode = colourMode;
    this._dataChannel = dataChannel;
    this._clock = clock;
    this._updateDelay = updateDelay;
    this._onEvent = onEvent;
    this._queue = new ByteQueue();
    this._decoders = new Map([[Encoding.RAW, new RawDecoder()],
      [Encoding.ZRLE, new ZrleDecoder()]]);
    this._state = 'version';
    this._timer = null;
    this._paused = false;
    this._outstanding = false;
    this._pendingFormat = null;
    this._fullUpdate = true;
    this.name = '';
  }

  /** 'version', 'security', 'securityResult', 'serverInit', 'normal', 'failed', 'closed'. */
  get state() { return this._state; }

  /** The colour mode in use or about to be: a key of FORMATS. */
  get colourMode() { return this._colourMode; }

  /** Feeds bytes from the server. */
  receive(bytes) {
    if (this._state === 'failed' || this._state === 'closed') return;
    this._queue.push(bytes);
    try {
      while (this._step()) { /* until a state needs more bytes */ }
    } catch (e) {
      this._state = 'failed';
      this._stopTimer();
      throw e instanceof RfbError ? e : new RfbError(e.message);
    }
  }

  /** Stops timers; further input is ignored. */
  close() {
    this._state = 'closed';
    this._stopTimer();
  }

  /** Switches colour mode; applied before the next update request (spec §2.6 item 6). */
  setColourMode(mode) {
    if (!(mode in FORMATS)) throw new RangeError(`unknown colour mode ${mode}`);
    this._colourMode = mode;
    if (this._running()) this._pendingFormat = FORMATS[mode];
  }

  /** Slows the update cadence while the page is hidden; resuming asks again soon. */
  setPaused(paused) {
    const resumed = this._paused && !paused;
    this._paused = paused;
    if (resumed && this._timer !== null) {
      this._stopTimer();
      this._scheduleRequest();
    }
  }

  sendKey(keysym, down) { return this._out(messages.keyEvent(down, keysym)); }

  sendPointer(mask, x, y) { return this._out(messages.pointerEvent(mask, x, y)); }

  sendCutText(bytes) { return this._out(messages.clientCutText(bytes)); }

  sendKvmExtCmd(command, value) {
    return this._out(messages.clientCutText(kvmExtCmdText(command, value)));
  }

  // TODO(#5): AMT allows one data-channel message in flight; we do not wait for its ack.
  sendDataChannel(payload) {
    return this._out(messages.clientCutText(dataChannelText(payload)));
  }

  _running() {
    return this._state === 'normal' || this._state === 'rectHeader' ||
      this._state === 'rectData';
  }

  _out(bytes) {
    if (!this._running()) return false;
    this._send(bytes);
    return true;
  }

  _emit(type, detail) { this._onEvent(type, detail); }

  _step() {
    const q = this._queue;
    switch (this._state) {
    case 'version': return this._version(q);
    case 'security': return this._security(q);
    case 'securityResult': return this._securityResult(q);
    case 'serverInit': return this._serverInit(q);
    case 'normal': return this._message(q);
    case 'rectHeader': return this._rectHeader(q);
    case 'rectData': return this._rectData(q);
    default: return false;
    }
  }

  _version(q) {
    if (!q.has(12)) return false;
    const text = String.fromCharCode(...q.view(12));
    const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(text);
    if (!m) throw new RfbError('not an RFB server');
    const [major, minor] = [Number(m[1]), Number(m[2])];
    if (major < 3 || (major === 3 && minor < 8)) {
      throw new RfbError(`unsupported RFB version ${major}.${minor}`);
    }
    q.skip(12);
    this._send(messages.version());
    this._state = 'security';
    return true;
  }

  _security(q) {
    if (!q.has(1)) return false;
    const n = q.peek8();
    if (n === 0) return this._refused(q, 1, 'server refused the connection');
    if (!q.has(1 + n)) return false;
    const types = Array.from(q.view(n, 1));
    q.skip(1 + n);
    if (!types.includes(SECURITY_NONE)) throw new RfbError('server offers no usable security');
    this._send(messages.securityType(SECURITY_NONE));
    this._state = 'securityResult';
    return true;
  }

  _securityResult(q) {
    if (!q.has(4)) return false;
    if (q.peek32() !== 0) return this._refused(q, 4, 'security handshake failed');
    q.skip(4);
    this._send(messages.clientInit(true));
    this._state = 'serverInit';
    return true;
  }

  // A failure with a reason string follows `skip` bytes (RFC 6143 §7.1.2, §7.1.3).
  _refused(q, skip, what) {
    if (!q.has(skip + 4)) return false;
    const len = q.peek32(skip);
    if (len > MAX_NAME_LENGTH) throw new RfbError(what);
    if (!q.has(skip + 4 + len)) return false;
    const reason = String.fromCharCode(...q.view(len, skip + 4)).replace(/[^\x20-\x7E]/g, '?');
    throw new RfbError(reason ? `${what}: ${reason}` : what);
  }

  _serverInit(q) {
    if (!q.has(24)) return false;
    const nameLength = q.peek32(20);
    if (nameLength > MAX_NAME_LENGTH) throw new RfbError('desktop name too long');
    if (!q.has(24 + nameLength)) return false;
    const width = q.peek16(0);
    const height = q.peek16(2);
    const serverFormat = parsePixelFormat(q.view(16, 4));
    this.name = new TextDecoder().decode(q.view(nameLength, 24));
    q.skip(24 + nameLength);
    this._checkSize(width, height);
    this._fb.resize(width, height);
    const wanted = FORMATS[this._colourMode];
    if (!samePixelFormat(serverFormat, wanted)) this._send(messages.setPixelFormat(wanted));
    this._conv = pixelConverter(wanted);
    const encodings = [Encoding.ZRLE, Encoding.RAW, Encoding.DESKTOP_SIZE];
    if (this._dataChannel) encodings.splice(2, 0, Encoding.KVM_DATA_CHANNEL);
    this._send(messages.setEncodings(encodings));
    this._state = 'normal';
    this._emit('init', { width, height, name: this.name });
    this._requestUpdate();
    return true;
  }

  _checkSize(w, h) {
    if (w < 1 || h < 1 || w > MAX_DIMENSION || h > MAX_DIMENSION) {
      throw new RfbError(`framebuffer size ${w}x${h} out of range`);
    }
  }

  _message(q) {
    if (!q.has(1)) return false;
    switch (q.peek8()) {
    case 0: // FramebufferUpdate
      if (!q.has(4)) return false;
      this._rects = q.peek16(2);
      q.skip(4);
      if (this._rects === 0) this._updateDone();
      else this._state = 'rectHeader';
      return true;
    case 1: { // SetColourMapEntries: we only use true colour, so skip it
      if (!q.has(6)) return false;
      const n = q.peek16(4);
      if (!q.has(6 + 6 * n)) return false;
      q.skip(6 + 6 * n);
      return true;
    }
    case 2: // Bell
      q.skip(1);
      this._emit('bell');
      return true;
    case 3: { // ServerCutText
      if (!q.has(8)) return false;
      const len = q.peek32(4);
      if (len > MAX_CUT_TEXT) throw new RfbError('cut text too long');
      if (!q.has(8 + len)) return false;
      q.skip(8);
      this._cutText(parseCutText(q.readBytes(len)));
      return true;
    }
    default:
      throw new RfbError(`unknown server message type ${q.peek8()}`);
    }
  }

  _cutText(c) {
    if (c.kind === 'datachannel') this._emit('datachannel', { payload: c.payload });
    else if (c.kind === 'extcmd') this._emit('extcmd', { command: c.command, data: c.data });
    else this._emit('cuttext', { text: c.text });
  }

  _rectHeader(q) {
    if (!q.has(12)) return false;
    const x = q.read16();
    const y = q.read16();
    const w = q.read16();
    const h = q.read16();
    const encoding = q.readS32();
    if (encoding === Encoding.DESKTOP_SIZE) {
      this._checkSize(w, h);
      this._fb.resize(w, h);
      this._fullUpdate = true;
      this._emit('resize', { width: w, height: h });
      return this._rectDone();
    }
    const decoder = this._decoders.get(encoding);
    if (!decoder) throw new RfbError(`unsupported encoding ${encoding}`);
    if (x + w > this._fb.width || y + h > this._fb.height) {
      throw new RfbError('rectangle outside the framebuffer');
    }
    this._rect = { x, y, w, h, decoder };
    this._state = 'rectData';
    return true;
  }

  _rectData(q) {
    const r = this._rect;
    if (!r.decoder.decodeRect(r.x, r.y, r.w, r.h, q, this._fb, this._conv)) return false;
    return this._rectDone();
  }

  _rectDone() {
    this._rect = null;
    if (--this._rects > 0) {
      this._state = 'rectHeader';
    } else {
      this._state = 'normal';
      this._updateDone();
    }
    return true;
  }

  _updateDone() {
    this._outstanding = false;
    this._emit('update');
    this._scheduleRequest();
  }

  _scheduleRequest() {
    if (this._timer !== null || this._outstanding) return;
    const delay = this._paused ? PAUSED_UPDATE_DELAY_MS : this._updateDelay;
    this._timer = this._clock.setTimeout(() => {
      this._timer = null;
      this._requestUpdate();
    }, delay);
  }

  // Formats change only here, between updates, so no update mixes two formats.
  _requestUpdate() {
    if (!this._running()) return;
    if (this._pendingFormat) {
      this._send(messages.setPixelFormat(this._pendingFormat));
      this._conv = pixelConverter(this._pendingFormat);
      this._pendingFormat = null;
      this._fullUpdate = true;
    }
    const { width, height } = this._fb;
    this._send(messages.framebufferUpdateRequest(!this._fullUpdate, 0, 0, width, height));
    this._fullUpdate = false;
    this._outstanding = true;
  }

  _stopTimer() {
    if (this._timer !== null) this._clock.clearTimeout(this._timer);
    this._timer = null;
  }
}
