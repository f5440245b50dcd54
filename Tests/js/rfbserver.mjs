// SPDX-License-Identifier: Apache-2.0
// Test-side RFB server pieces: handshake bytes, a ZRLE tile encoder written from RFC 6143
// §7.7.6, rectangle framing, and the expected RGBA per spec §4.1 item 7.

import zlib from 'node:zlib';

import { concat, hex } from './helpers.mjs';

export const VERSION_40 = new TextEncoder().encode('RFB 004.000\n');
export const SECURITY = hex('02 01 80');
export const SECURITY_OK = hex('00 00 00 00');

/** ServerInit for AMT's default RGB565 little-endian format (spec A15). */
export function serverInit(w, h, name = 'Intel(r) AMT KVM') {
  const n = new TextEncoder().encode(name);
  const out = new Uint8Array(24 + n.length);
  out.set([w >> 8, w & 255, h >> 8, h & 255], 0);
  out.set(hex('10 10 00 01 00 1F 00 3F 00 1F 0B 05 00 00 00'), 4);
  out.set([n.length >>> 24, (n.length >> 16) & 255, (n.length >> 8) & 255, n.length & 255], 20);
  out.set(n, 24);
  return out;
}

export const HANDSHAKE = (w, h) => concat(VERSION_40, SECURITY, SECURITY_OK, serverInit(w, h));

export function u16(v) { return [v >> 8, v & 255]; }
export function u32(v) { return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]; }

export function updateHeader(count) { return Uint8Array.of(0, 0, ...u16(count)); }

export function rectHeader(x, y, w, h, encoding) {
  return Uint8Array.of(...u16(x), ...u16(y), ...u16(w), ...u16(h), ...u32(encoding >>> 0));
}

/** Expected RGBA for a wire pixel value, written straight from spec §4.1 item 7. */
export function expectedRgba(mode, v) {
  switch (mode) {
  case 'rgb565': return [(v >> 8) & 0xF8, (v >> 3) & 0xFC, (v & 0x1F) << 3, 255];
  case 'rgb332': return [v & 0xE0, (v & 0x1C) << 3, (v & 0x03) << 6, 255];
  case 'grey8': return [v, v, v, 255];
  case 'grey4': return [v << 4, v << 4, v << 4, 255];
  }
  throw new Error(mode);
}

export const MODE_MAX = { rgb565: 0xFFFF, rgb332: 0xFF, grey8: 0xFF, grey4: 0x0F };

/** ZRLE tile encoders; `bpp` is 8 or 16 (CPIXEL 1 byte, or 2 bytes little-endian). */
export class TileEncoder {
  constructor(bpp) { this.bpp = bpp; }

  cpixel(v) { return this.bpp === 8 ? [v] : [v & 255, v >> 8]; }

  raw(vals) { return [0, ...vals.flatMap((v) => this.cpixel(v))]; }

  solid(v) { return [1, ...this.cpixel(v)]; }

  /** Packed palette: indices MSB-first, each row padded to a byte (RFC 6143). */
  packed(vals, w, palette) {
    const p = palette.length;
    const bits = p === 2 ? 1 : p <= 4 ? 2 : 4;
    const out = [p, ...palette.flatMap((v) => this.cpixel(v))];
    for (let row = 0; row < vals.length / w; row++) {
      let acc = 0;
      let n = 0;
      for (let i = 0; i < w; i++) {
        acc = (acc << bits) | palette.indexOf(vals[row * w + i]);
        n += bits;
        if (n === 8) {
          out.push(acc);
          acc = 0;
          n = 0;
        }
      }
      if (n > 0) out.push(acc << (8 - n));
    }
    return out;
  }

  static runLength(len) {
    const out = [];
    let rest = len - 1;
    while (rest >= 255) {
      out.push(255);
      rest -= 255;
    }
    out.push(rest);
    return out;
  }

  static runs(vals) {
    const runs = [];
    for (const v of vals) {
      const last = runs[runs.length - 1];
      if (last && last[0] === v) last[1]++;
      else runs.push([v, 1]);
    }
    return runs;
  }

  plainRle(vals) {
    return [128, ...TileEncoder.runs(vals).flatMap(([v, n]) =>
      [...this.cpixel(v), ...TileEncoder.runLength(n)])];
  }

  paletteRle(vals, palette) {
    const out = [128 + palette.length, ...palette.flatMap((v) => this.cpixel(v))];
    for (const [v, n] of TileEncoder.runs(vals)) {
      const idx = palette.indexOf(v);
      if (n === 1) out.push(idx);
      else out.push(idx | 0x80, ...TileEncoder.runLength(n));
    }
    return out;
  }
}

/** Deflates pieces as one zlib stream, each ending on a sync flush (as AMT does). */
export async function syncFlushed(pieces, options = {}) {
  const d = zlib.createDeflate(options);
  let current = [];
  d.on('data', (c) => current.push(c));
  const out = [];
  for (const p of pieces) {
    d.write(Uint8Array.from(p));
    await new Promise((resolve) => d.flush(zlib.constants.Z_SYNC_FLUSH, resolve));
    out.push(new Uint8Array(Buffer.concat(current)));
    current = [];
  }
  d.destroy();
  return out;
}

/** A ZRLE rectangle on the wire: header, u32 length, compressed bytes. */
export function zrleRect(x, y, w, h, compressed) {
  return concat(rectHeader(x, y, w, h, 16), Uint8Array.of(...u32(compressed.length)),
    compressed);
}
