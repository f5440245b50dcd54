// SPDX-License-Identifier: Apache-2.0
// Client-to-server RFB messages (RFC 6143 §7.5) as pure encoders returning bytes, plus the
// encoding numbers the viewer uses with AMT (spec §2.6).

import { encodePixelFormat } from './pixelformat.js';

/** Encoding and pseudo-encoding numbers. */
export const Encoding = Object.freeze({
  RAW: 0,
  ZRLE: 16,
  DESKTOP_SIZE: -223,
  KVM_DATA_CHANNEL: 1092, // Intel: enables the "\0KvmDataChannel\0" cut-text channel
});

/** Pointer button-mask bits. */
export const Button = Object.freeze({ LEFT: 1, MIDDLE: 2, RIGHT: 4, WHEEL_UP: 8,
  WHEEL_DOWN: 16 });

function u16(out, off, v) {
  out[off] = (v >> 8) & 0xFF;
  out[off + 1] = v & 0xFF;
}

function u32(out, off, v) {
  out[off] = (v >>> 24) & 0xFF;
  out[off + 1] = (v >>> 16) & 0xFF;
  out[off + 2] = (v >>> 8) & 0xFF;
  out[off + 3] = v & 0xFF;
}

export const messages = Object.freeze({
  /** ProtocolVersion: the viewer always answers 3.8, as both AMT browser clients do. */
  version() { return new TextEncoder().encode('RFB 003.008\n'); },

  securityType(type) { return Uint8Array.of(type); },

  clientInit(shared) { return Uint8Array.of(shared ? 1 : 0); },

  setPixelFormat(format) {
    const out = new Uint8Array(20);
    out.set(encodePixelFormat(format), 4);
    return out;
  },

  setEncodings(encodings) {
    const out = new Uint8Array(4 + 4 * encodings.length);
    out[0] = 2;
    u16(out, 2, encodings.length);
    encodings.forEach((e, i) => u32(out, 4 + 4 * i, e >>> 0));
    return out;
  },

  framebufferUpdateRequest(incremental, x, y, w, h) {
    const out = new Uint8Array(10);
    out[0] = 3;
    out[1] = incremental ? 1 : 0;
    u16(out, 2, x);
    u16(out, 4, y);
    u16(out, 6, w);
    u16(out, 8, h);
    return out;
  },

  keyEvent(down, keysym) {
    const out = new Uint8Array(8);
    out[0] = 4;
    out[1] = down ? 1 : 0;
    u32(out, 4, keysym);
    return out;
  },

  pointerEvent(mask, x, y) {
    const out = new Uint8Array(6);
    out[0] = 5;
    out[1] = mask & 0xFF;
    u16(out, 2, x);
    u16(out, 4, y);
    return out;
  },

  clientCutText(bytes) {
    const out = new Uint8Array(8 + bytes.length);
    out[0] = 6;
    u32(out, 4, bytes.length);
    out.set(bytes, 8);
    return out;
  },
});
