// SPDX-License-Identifier: Apache-2.0
// ZRLE encoding (RFC 6143 §7.7.6) as AMT sends it (spec §2.6 item 10): a u32 length, then
// zlib data from ONE stream shared by every rectangle of the session, each rectangle ending
// on a sync flush. The inflated bytes are 64×64 tiles, each with a sub-encoding byte.

import { RfbError } from '../errors.js';
import { Inflater } from '../inflate.js';
import { pixelAt, pixels32 } from '../pixelformat.js';

const TILE = 64;
/** Largest compressed rectangle we accept; AMT's are a few KiB at most. */
export const MAX_ZRLE_LENGTH = 16 << 20;

export class ZrleDecoder {
  constructor() {
    this._inflater = new Inflater();
    this._length = -1;
  }

  /** Starts a new zlib stream (a new RFB session). */
  reset() {
    this._inflater.reset();
    this._length = -1;
  }

  /** Returns true when the rectangle is decoded, false when it needs more bytes. */
  decodeRect(x, y, w, h, queue, fb, conv) {
    if (this._length < 0) {
      if (!queue.has(4)) return false;
      const n = queue.read32();
      if (n > MAX_ZRLE_LENGTH) throw new RfbError('ZRLE rectangle too large');
      this._length = n;
    }
    if (!queue.has(this._length)) return false;
    const compressed = queue.readBytes(this._length);
    this._length = -1;
    const cp = conv.bytesPerPixel;
    const tiles = Math.ceil(w / TILE) * Math.ceil(h / TILE);
    // Palette RLE can spend one byte plus a run per pixel; nothing sane needs more.
    this._inflater.maxOutput = tiles * (1 + 128 * cp) + w * h * (cp + 2) + 64;
    let data;
    try {
      data = this._inflater.push(compressed);
    } catch (e) {
      throw new RfbError(`ZRLE zlib data: ${e.message}`);
    }
    const r = new TileReader(data, conv, fb);
    for (let ty = 0; ty < h; ty += TILE) {
      for (let tx = 0; tx < w; tx += TILE) {
        r.tile(x + tx, y + ty, Math.min(TILE, w - tx), Math.min(TILE, h - ty));
      }
    }
    if (r.pos !== data.length) throw new RfbError('ZRLE rectangle has trailing data');
    fb.damage(x, y, w, h);
    return true;
  }
}

/** Reads tiles from one rectangle's inflated bytes, throwing if they run out. */
class TileReader {
  constructor(data, conv, fb) {
    this.data = data;
    this.pos = 0;
    this.conv = conv;
    this.width = fb.width;
    this.out = pixels32(fb.rgba);
    this.palette = new Uint32Array(128); // RGBA words
  }

  need(n) {
    if (this.pos + n > this.data.length) throw new RfbError('ZRLE tile data truncated');
  }

  byte() {
    this.need(1);
    return this.data[this.pos++];
  }

  /** One CPIXEL (1 byte at 8 bpp, 2 at 16 bpp) as an RGBA word. */
  cpixel() {
    const cp = this.conv.bytesPerPixel;
    this.need(cp);
    const v = pixelAt(this.conv, this.data, this.pos);
    this.pos += cp;
    return this.conv.rgba32[v];
  }

  /** Run length: 1 + the sum of bytes, where 255 means another byte follows. */
  runLength(remaining) {
    let n = 1;
    let b;
    do {
      b = this.byte();
      n += b;
      if (n > remaining) throw new RfbError('ZRLE run overflows the tile');
    } while (b === 255);
    return n;
  }

  put(px, py, colour) {
    this.out[py * this.width + px] = colour;
  }

  tile(x, y, w, h) {
    const sub = this.byte();
    if (sub === 0) {
      this.rawTile(x, y, w, h);
    } else if (sub === 1) {
      const c = this.cpixel();
      for (let j = 0; j < h; j++) {
        const row = (y + j) * this.width + x;
        this.out.fill(c, row, row + w);
      }
    } else if (sub <= 16) {
      this.packedPalette(x, y, w, h, sub);
    } else if (sub === 128) {
      this.runs(x, y, w, h, () => this.cpixel());
    } else if (sub >= 130) {
      const size = sub - 128;
      this.readPalette(size);
      this.paletteRuns(x, y, w, h, size);
    } else {
      throw new RfbError(`invalid ZRLE sub-encoding ${sub}`);
    }
  }

  rawTile(x, y, w, h) {
    const conv = this.conv;
    const cp = conv.bytesPerPixel;
    this.need(w * h * cp);
    const { data, out } = this;
    const table = conv.rgba32;
    let p = this.pos;
    for (let j = 0; j < h; j++) {
      const row = (y + j) * this.width + x;
      for (let i = 0; i < w; i++, p += cp) out[row + i] = table[pixelAt(conv, data, p)];
    }
    this.pos = p;
  }

  readPalette(size) {
    for (let k = 0; k < size; k++) this.palette[k] = this.cpixel();
  }

  // Indices are packed MSB-first and each row starts on a byte boundary (RFC padding; the
  // toolkits' unpadded reading differs only on edge tiles whose width × bits is not a
  // multiple of 8).
  packedPalette(x, y, w, h, size) {
    this.readPalette(size);
    const bits = size === 2 ? 1 : size <= 4 ? 2 : 4;
    const mask = (1 << bits) - 1;
    const rowBytes = Math.ceil((w * bits) / 8);
    for (let j = 0; j < h; j++) {
      this.need(rowBytes);
      const row = this.pos;
      for (let i = 0; i < w; i++) {
        const bit = i * bits;
        const idx = (this.data[row + (bit >> 3)] >> (8 - bits - (bit & 7))) & mask;
        if (idx >= size) throw new RfbError('ZRLE palette index out of range');
        this.put(x + i, y + j, this.palette[idx]);
      }
      this.pos += rowBytes;
    }
  }

  runs(x, y, w, h, nextColour) {
    const total = w * h;
    for (let done = 0; done < total;) {
      const c = nextColour();
      const n = this.runLength(total - done);
      for (let k = 0; k < n; k++, done++) this.put(x + (done % w), y + Math.floor(done / w), c);
    }
  }

  paletteRuns(x, y, w, h, size) {
    const total = w * h;
    for (let done = 0; done < total;) {
      const b = this.byte();
      const idx = b & 0x7F;
      if (idx >= size) throw new RfbError('ZRLE palette index out of range');
      const n = b & 0x80 ? this.runLength(total - done) : 1;
      const c = this.palette[idx];
      for (let k = 0; k < n; k++, done++) this.put(x + (done % w), y + Math.floor(done / w), c);
    }
  }
}
