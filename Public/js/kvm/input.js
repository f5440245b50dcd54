// SPDX-License-Identifier: Apache-2.0
// Keyboard and mouse for the KVM viewer (spec §4.1 items 8–9): keys become keysym events
// with held keys tracked (so blur can release them), pointer positions are scaled by the
// canvas's own width and height ratios (not swapped, R-16), moves are coalesced to about
// 20 per second while button changes go out at once, and wheel notches are press+release.

import { systemClock } from './clock.js';
import { Button } from './messages.js';
import { XK_ALT_L, XK_CONTROL_L, XK_DELETE, keysymFor } from './keysyms.js';

/** Minimum spacing of pointer-move messages (MC's 50 ms "nagle"). */
export const MOUSE_MOVE_DELAY_MS = 50;
/** Pixel wheel delta per notch (browsers report about 100 per mouse-wheel click). */
export const WHEEL_STEP_PX = 100;
/** Most notches sent for one wheel event. */
export const MAX_WHEEL_NOTCHES = 10;

export class KvmInput {
  /**
   * @param {object} sink `{ sendKey(keysym, down), sendPointer(mask, x, y) }`
   * @param {object} element the canvas: `width`, `height`, `clientWidth`, `clientHeight`
   *   and `getBoundingClientRect()`
   */
  constructor(sink, element, { clock = systemClock } = {}) {
    this._sink = sink;
    this._el = element;
    this._clock = clock;
    this._held = new Map(); // KeyboardEvent.code -> keysym sent on keydown
    this._mask = 0;
    this._x = 0;
    this._y = 0;
    this._moveTimer = null;
    this._movePending = false;
    this._wheel = 0;
    this._listeners = [];
  }

  /** Listens on `keyTarget` (keys), the canvas (mouse) and `win` (blur). */
  attach(keyTarget, win = globalThis) {
    const on = (target, type, fn, opts) => {
      target.addEventListener(type, fn, opts);
      this._listeners.push(() => target.removeEventListener(type, fn, opts));
    };
    on(keyTarget, 'keydown', (e) => this.keyDown(e));
    on(keyTarget, 'keyup', (e) => this.keyUp(e));
    on(this._el, 'mousemove', (e) => this.mouseMove(e));
    on(this._el, 'mousedown', (e) => this.mouseDown(e));
    on(this._el, 'mouseup', (e) => this.mouseUp(e));
    on(this._el, 'wheel', (e) => this.wheel(e), { passive: false });
    on(this._el, 'contextmenu', (e) => e.preventDefault());
    on(win, 'blur', () => this.releaseAll());
  }

  /** Removes listeners and releases everything held. */
  detach() {
    for (const off of this._listeners) off();
    this._listeners = [];
    this.releaseAll();
  }

  keyDown(event) {
    const keysym = this._held.get(event.code) ?? keysymFor(event);
    if (keysym === null) return false;
    event.preventDefault?.();
    this._held.set(event.code, keysym);
    this._sink.sendKey(keysym, true); // auto-repeat sends repeated downs, as RFB allows
    return true;
  }

  keyUp(event) {
    const keysym = this._held.get(event.code) ?? keysymFor(event);
    if (keysym === null) return false;
    event.preventDefault?.();
    this._held.delete(event.code);
    this._sink.sendKey(keysym, false);
    return true;
  }

  /** Sends key-up for every held key and releases held buttons (on blur). */
  releaseAll() {
    for (const keysym of this._held.values()) this._sink.sendKey(keysym, false);
    this._held.clear();
    if (this._mask !== 0) {
      this._mask = 0;
      this._sendPointer();
    }
  }

  /** Ctrl↓ Alt↓ Del↓ Del↑ Alt↑ Ctrl↑. */
  ctrlAltDel() {
    const s = this._sink;
    s.sendKey(XK_CONTROL_L, true);
    s.sendKey(XK_ALT_L, true);
    s.sendKey(XK_DELETE, true);
    s.sendKey(XK_DELETE, false);
    s.sendKey(XK_ALT_L, false);
    s.sendKey(XK_CONTROL_L, false);
  }

  /** Framebuffer coordinates of a mouse event, clamped to the framebuffer. */
  position(event) {
    const el = this._el;
    const r = el.getBoundingClientRect();
    const sx = el.clientWidth ? el.width / el.clientWidth : 1;
    const sy = el.clientHeight ? el.height / el.clientHeight : 1;
    const x = Math.floor((event.clientX - r.left - (el.clientLeft || 0)) * sx);
    const y = Math.floor((event.clientY - r.top - (el.clientTop || 0)) * sy);
    return [clamp(x, 0, el.width - 1), clamp(y, 0, el.height - 1)];
  }

  mouseMove(event) {
    [this._x, this._y] = this.position(event);
    if (this._moveTimer !== null) {
      this._movePending = true;
      return;
    }
    this._sendPointer();
    this._startMoveTimer();
  }

  mouseDown(event) {
    event.preventDefault?.();
    [this._x, this._y] = this.position(event);
    this._mask |= buttonBit(event.button);
    this._flushMove();
    this._sendPointer();
  }

  mouseUp(event) {
    event.preventDefault?.();
    [this._x, this._y] = this.position(event);
    this._mask &= ~buttonBit(event.button);
    this._flushMove();
    this._sendPointer();
  }

  wheel(event) {
    event.preventDefault?.();
    [this._x, this._y] = this.position(event);
    let notches;
    if (event.deltaMode === 0) { // pixels: accumulate (trackpads send small deltas)
      this._wheel += event.deltaY;
      notches = Math.trunc(this._wheel / WHEEL_STEP_PX);
      this._wheel -= notches * WHEEL_STEP_PX;
    } else { // lines or pages: one notch per event
      notches = Math.sign(event.deltaY);
    }
    notches = clamp(notches, -MAX_WHEEL_NOTCHES, MAX_WHEEL_NOTCHES);
    const bit = notches < 0 ? Button.WHEEL_UP : Button.WHEEL_DOWN;
    this._flushMove();
    for (let i = 0; i < Math.abs(notches); i++) {
      this._sink.sendPointer(this._mask | bit, this._x, this._y);
      this._sink.sendPointer(this._mask, this._x, this._y);
    }
  }

  _sendPointer() {
    this._sink.sendPointer(this._mask, this._x, this._y);
  }

  _startMoveTimer() {
    this._moveTimer = this._clock.setTimeout(() => {
      this._moveTimer = null;
      if (this._movePending) {
        this._movePending = false;
        this._sendPointer();
        this._startMoveTimer();
      }
    }, MOUSE_MOVE_DELAY_MS);
  }

  // A button change carries the latest position, so a pending move is simply dropped.
  _flushMove() {
    this._movePending = false;
  }
}

// DOM buttons 0 left, 1 middle, 2 right map to RFB mask bits 0, 1, 2.
function buttonBit(button) {
  return button >= 0 && button <= 2 ? 1 << button : 0;
}

function clamp(v, lo, hi) {
  return v < lo ? lo : v > hi ? hi : v;
}
