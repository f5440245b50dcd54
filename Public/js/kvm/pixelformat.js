// SPDX-License-Identifier: Apache-2.0
// RFB pixel formats (RFC 6143 §7.4) and their conversion to RGBA. AMT offers 16-bit RGB565
// (its default, sent little-endian), 8-bit RGB332 and two grey levels (spec §2.6 item 6).

import { RfbError } from './errors.js';

/** The colour modes the viewer can select, as RFB pixel formats. */
export const FORMATS = Object.freeze({
  rgb565: freeze(16, 16, 31, 63, 31, 11, 5, 0),
  rgb332: freeze(8, 8, 7, 7, 3, 5, 2, 0),
  grey8: freeze(8, 8, 255, 0, 0, 0, 0, 0),
  grey4: freeze(8, 4, 15, 0, 0, 0, 0, 0),
});

function freeze(bpp, depth, redMax, greenMax, blueMax, redShift, greenShift, blueShift) {
  return Object.freeze({ bpp, depth, bigEndian: false, trueColour: true, redMax, greenMax,
    blueMax, redShift, greenShift, blueShift });
}

/** Reads the 16-byte PIXEL_FORMAT structure at `off` of `b`. */
export function parsePixelFormat(b, off = 0) {
  const u16 = (o) => (b[off + o] << 8) | b[off + o + 1];
  return { bpp: b[off], depth: b[off + 1], bigEndian: b[off + 2] !== 0,
    trueColour: b[off + 3] !== 0, redMax: u16(4), greenMax: u16(6), blueMax: u16(8),
    redShift: b[off + 10], greenShift: b[off + 11], blueShift: b[off + 12] };
}

/** The 16-byte PIXEL_FORMAT structure for `f`. */
export function encodePixelFormat(f) {
  const out = new Uint8Array(16);
  out[0] = f.bpp;
  out[1] = f.depth;
  out[2] = f.bigEndian ? 1 : 0;
  out[3] = f.trueColour ? 1 : 0;
  [f.redMax, f.greenMax, f.blueMax].forEach((m, i) => {
    out[4 + 2 * i] = m >> 8;
    out[5 + 2 * i] = m & 0xFF;
  });
  out[10] = f.redShift;
  out[11] = f.greenShift;
  out[12] = f.blueShift;
  return out;
}

/** True when two formats describe the same pixels (endianness ignored at 8 bpp). */
export function samePixelFormat(a, b) {
  return a.bpp === b.bpp && a.depth === b.depth && a.trueColour === b.trueColour &&
    (a.bpp === 8 || a.bigEndian === b.bigEndian) && a.redMax === b.redMax &&
    a.greenMax === b.greenMax && a.blueMax === b.blueMax && a.redShift === b.redShift &&
    a.greenShift === b.greenShift && a.blueShift === b.blueShift;
}

// A component of `max` scaled to 8 bits: shifted up when max is 2^n - 1 (so RGB565 red
// becomes (v >> 8) & 0xF8, as spec §4.1 item 7 gives), else scaled proportionally.
function scale(c, max) {
  if (max === 0) return 0;
  const bits = Math.log2(max + 1);
  if (Number.isInteger(bits) && bits <= 8) return c << (8 - bits);
  return Math.round((c * 255) / max);
}

/**
 * How the decoders turn wire pixels into RGBA: `bytesPerPixel`, `bigEndian`, `rgba` (a
 * table of 4 bytes per pixel value) and `rgba32` (the same table as 32-bit words). A format
 * with zero green and blue maxima is grey.
 * @throws {RfbError} for formats the viewer does not decode (colour maps, bpp not 8 or 16)
 */
// TODO(#5): 32 bpp formats (3-byte CPIXELs) are not decoded; AMT offers only 8 and 16.
export function pixelConverter(f) {
  if (!f.trueColour) throw new RfbError('colour-map pixel formats are not supported');
  if (f.bpp !== 8 && f.bpp !== 16) throw new RfbError(`unsupported ${f.bpp} bits per pixel`);
  const n = 1 << f.bpp;
  const rgba = new Uint8Array(4 * n);
  const grey = f.greenMax === 0 && f.blueMax === 0;
  for (let v = 0; v < n; v++) {
    const r = scale((v >> f.redShift) & f.redMax, f.redMax);
    const g = grey ? r : scale((v >> f.greenShift) & f.greenMax, f.greenMax);
    const b = grey ? r : scale((v >> f.blueShift) & f.blueMax, f.blueMax);
    rgba.set([r, g, b, 255], 4 * v);
  }
  // rgba32 views the same bytes, so storing one element writes R, G, B, A in memory order
  // on any platform endianness.
  return { bytesPerPixel: f.bpp / 8, bigEndian: f.bpp === 16 && f.bigEndian, rgba,
    rgba32: new Uint32Array(rgba.buffer) };
}

/** The pixel value of the wire pixel at `b[off]`. */
export function pixelAt(conv, b, off) {
  if (conv.bytesPerPixel === 1) return b[off];
  return conv.bigEndian ? (b[off] << 8) | b[off + 1] : b[off] | (b[off + 1] << 8);
}

/** A 32-bit view of a target's RGBA pixels (the buffer must be 4-byte aligned). */
export function pixels32(rgba) {
  return new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2);
}
