// SPDX-License-Identifier: Apache-2.0
// A small synchronous, streaming inflater (RFC 1950 zlib / RFC 1951 deflate). Input may
// arrive in pieces split anywhere; `push` returns every byte that the input so far decodes
// to. The 32 KiB window persists across calls, which ZRLE needs: the whole RFB session is
// one zlib stream and every rectangle ends on a sync flush.

import { FAST_BITS, Huffman, INVALID, NEED_MORE, decodeSymbol, walk } from './huffman.js';

/** A corrupt or unsupported stream. */
export class InflateError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InflateError';
  }
}

const WINDOW = 32768;
const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
  67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5,
  5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513,
  769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
  11, 11, 12, 12, 13, 13];
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

// States of the decoder.
const S_HEADER = 0, S_BLOCK = 1, S_STORED_LEN = 2, S_STORED_NLEN = 3, S_STORED_COPY = 4;
const S_DYN_HEADER = 5, S_DYN_CLEN = 6, S_DYN_LENS = 7, S_CODES = 8, S_DIST = 9;
const S_DIST_EXTRA = 10, S_CHECK = 11, S_DONE = 12;

let fixedTables = null;
function fixed() {
  if (!fixedTables) {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144);
    lit.fill(9, 144, 256);
    lit.fill(7, 256, 280);
    lit.fill(8, 280, 288);
    fixedTables = [new Huffman(lit), new Huffman(new Uint8Array(30).fill(5))];
  }
  return fixedTables;
}

/** Adler-32 of `bytes` continuing from `adler`. */
export function adler32(bytes, adler = 1) {
  let a = adler & 0xFFFF;
  let b = adler >>> 16;
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(i + 5552, bytes.length); // largest run without 32-bit overflow
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Streaming inflater. Options: `raw` (no zlib header/trailer) and `maxOutput` (bytes one
 * `push` may produce; more throws, as a guard against decompression bombs).
 * Preset dictionaries (FDICT) are not supported.
 */
export class Inflater {
  constructor({ raw = false, maxOutput = Infinity } = {}) {
    this._raw = raw;
    /** Bytes one `push` may produce before it throws. */
    this.maxOutput = maxOutput;
    this.reset();
  }

  /** Starts a new stream: state, window and checksum are forgotten. */
  reset() {
    this._state = this._raw ? S_BLOCK : S_HEADER;
    this.bitbuf = 0;
    this.bitcnt = 0;
    this.symLen = 0;
    this._in = new Uint8Array(0);
    this._ip = 0;
    this._buf = new Uint8Array(2 * WINDOW);
    this._pos = 0;
    this._total = 0;
    this._adler = 1;
    this._final = false;
    this._checkHigh = undefined;
    this._error = null;
  }

  /** True once the final block (and zlib trailer) has been read. */
  get finished() { return this._state === S_DONE; }

  /** Decodes `chunk`; returns the newly available output (possibly empty). */
  push(chunk) {
    if (this._error) throw this._error;
    this._in = chunk;
    this._ip = 0;
    const start = this._pos;
    this._start = start;
    try {
      this._run();
    } catch (e) {
      this._error = e instanceof InflateError ? e : new InflateError(String(e.message || e));
      throw this._error;
    }
    const out = this._buf.slice(start, this._pos);
    if (!this._raw) this._adler = adler32(out, this._adler);
    if (this._pos > WINDOW) { // keep only the window for back-references
      this._buf.copyWithin(0, this._pos - WINDOW, this._pos);
      this._pos = WINDOW;
    }
    this._in = null;
    return out;
  }

  /** Adds 8 bits from the input to the bit buffer; false when the input is used up. */
  pull() {
    if (this._ip >= this._in.length) return false;
    this.bitbuf |= this._in[this._ip++] << this.bitcnt;
    this.bitcnt += 8;
    return true;
  }

  _need(n) {
    while (this.bitcnt < n) if (!this.pull()) return false;
    return true;
  }

  _bits(n) {
    const v = this.bitbuf & ((1 << n) - 1);
    this.bitbuf >>>= n;
    this.bitcnt -= n;
    return v;
  }

  _run() {
    for (;;) {
      switch (this._state) {
      case S_HEADER: if (!this._header()) return; break;
      case S_BLOCK: if (!this._blockHeader()) return; break;
      case S_STORED_LEN:
        if (!this._need(16)) return;
        this._len = this._bits(16);
        this._state = S_STORED_NLEN;
        break;
      case S_STORED_NLEN:
        if (!this._need(16)) return;
        if ((this._bits(16) ^ 0xFFFF) !== this._len) {
          throw new InflateError('stored block length check failed');
        }
        this._state = S_STORED_COPY;
        break;
      case S_STORED_COPY: if (!this._storedCopy()) return; break;
      case S_DYN_HEADER: if (!this._dynHeader()) return; break;
      case S_DYN_CLEN: if (!this._dynCodeLengths()) return; break;
      case S_DYN_LENS: if (!this._dynLengths()) return; break;
      case S_CODES:
        this._codesFast();
        if (this._state === S_CODES && !this._codes()) return;
        break;
      case S_DIST: if (!this._distance()) return; break;
      case S_DIST_EXTRA: if (!this._distanceExtra()) return; break;
      case S_CHECK: if (!this._trailer()) return; break;
      case S_DONE:
        if (this._ip < this._in.length) throw new InflateError('data after end of stream');
        return;
      }
    }
  }

  _header() {
    if (!this._need(16)) return false;
    const cmf = this._bits(8);
    const flg = this._bits(8);
    if ((cmf & 0x0F) !== 8 || (cmf >> 4) > 7) throw new InflateError('not a deflate stream');
    if (((cmf << 8) | flg) % 31 !== 0) throw new InflateError('bad zlib header check');
    if (flg & 0x20) throw new InflateError('preset dictionary not supported');
    this._state = S_BLOCK;
    return true;
  }

  _blockHeader() {
    if (this._final) {
      this._state = this._raw ? S_DONE : S_CHECK;
      return true;
    }
    if (!this._need(3)) return false;
    this._final = this._bits(1) === 1;
    const type = this._bits(2);
    if (type === 0) {
      this._bits(this.bitcnt & 7); // stored blocks start on a byte boundary
      this._state = S_STORED_LEN;
    } else if (type === 1) {
      [this._lit, this._dist] = fixed();
      this._state = S_CODES;
    } else if (type === 2) {
      this._state = S_DYN_HEADER;
    } else {
      throw new InflateError('invalid block type');
    }
    return true;
  }

  _storedCopy() {
    while (this._len > 0 && this.bitcnt >= 8) {
      this._emit(this._bits(8));
      this._len--;
    }
    const n = Math.min(this._len, this._in.length - this._ip);
    if (n > 0) {
      this._reserve(n);
      this._buf.set(this._in.subarray(this._ip, this._ip + n), this._pos);
      this._pos += n;
      this._total += n;
      this._ip += n;
      this._len -= n;
    }
    if (this._len > 0) return false;
    this._state = S_BLOCK;
    return true;
  }

  _dynHeader() {
    if (!this._need(14)) return false;
    this._nlit = this._bits(5) + 257;
    this._ndist = this._bits(5) + 1;
    this._nclen = this._bits(4) + 4;
    if (this._nlit > 286 || this._ndist > 30) throw new InflateError('too many length codes');
    this._lens = new Uint8Array(19);
    this._i = 0;
    this._state = S_DYN_CLEN;
    return true;
  }

  _dynCodeLengths() {
    while (this._i < this._nclen) {
      if (!this._need(3)) return false;
      this._lens[CLEN_ORDER[this._i++]] = this._bits(3);
    }
    this._clen = this._table(this._lens);
    this._lens = new Uint8Array(this._nlit + this._ndist);
    this._i = 0;
    this._state = S_DYN_LENS;
    return true;
  }

  _dynLengths() {
    const total = this._nlit + this._ndist;
    while (this._i < total) {
      const sym = this._symbol(this._clen);
      if (sym === NEED_MORE) return false;
      const len = this.symLen;
      if (sym < 16) {
        this._bits(len);
        this._lens[this._i++] = sym;
        continue;
      }
      const extra = sym === 16 ? 2 : sym === 17 ? 3 : 7;
      if (!this._need(len + extra)) return false;
      this._bits(len);
      let value = 0;
      let repeat;
      if (sym === 16) {
        if (this._i === 0) throw new InflateError('repeat with no previous length');
        value = this._lens[this._i - 1];
        repeat = 3 + this._bits(2);
      } else {
        repeat = (sym === 17 ? 3 : 11) + this._bits(extra);
      }
      if (this._i + repeat > total) throw new InflateError('too many code lengths');
      this._lens.fill(value, this._i, this._i + repeat);
      this._i += repeat;
    }
    if (this._lens[256] === 0) throw new InflateError('missing end-of-block code');
    this._lit = this._table(this._lens.subarray(0, this._nlit));
    this._dist = this._table(this._lens.subarray(this._nlit));
    this._state = S_CODES;
    return true;
  }

  // Decodes codes with the bit buffer in locals while plenty of input and output room
  // remain (zlib's "inflate_fast" idea); stops between codes, leaving the state resumable
  // for _codes, which handles the last few bytes of input one careful step at a time.
  _codesFast() {
    const inp = this._in;
    const end = inp.length - 12; // one pass reads at most 7 bytes
    const lit = this._lit;
    const dist = this._dist;
    const mask = (1 << FAST_BITS) - 1;
    let ip = this._ip;
    let bitbuf = this.bitbuf;
    let bitcnt = this.bitcnt;
    let pos = this._pos;
    let total = this._total;
    while (ip < end) {
      if (pos + 258 > this._buf.length || pos + 258 - this._start > this.maxOutput) {
        this._pos = pos;
        if (pos + 258 - this._start > this.maxOutput) break; // let _codes throw exactly
        this._reserve(258);
      }
      const buf = this._buf;
      while (bitcnt < 25) {
        bitbuf |= inp[ip++] << bitcnt;
        bitcnt += 8;
      }
      let e = lit.fast[bitbuf & mask];
      if (e === 0) e = walk(lit, bitbuf);
      if (e < 0) throw new InflateError('invalid Huffman code');
      let sym = e & 0xFFFF;
      let len = e >>> 16;
      bitbuf >>>= len;
      bitcnt -= len;
      if (sym < 256) {
        buf[pos++] = sym;
        total++;
        continue;
      }
      if (sym === 256) {
        this._state = S_BLOCK;
        break;
      }
      sym -= 257;
      if (sym >= 29) throw new InflateError('invalid length code');
      const lx = LEN_EXTRA[sym];
      const n = LEN_BASE[sym] + (bitbuf & ((1 << lx) - 1));
      bitbuf >>>= lx;
      bitcnt -= lx;
      while (bitcnt < 15) {
        bitbuf |= inp[ip++] << bitcnt;
        bitcnt += 8;
      }
      e = dist.fast[bitbuf & mask];
      if (e === 0) e = walk(dist, bitbuf);
      if (e < 0 || (e & 0xFFFF) >= 30) throw new InflateError('invalid distance code');
      sym = e & 0xFFFF;
      len = e >>> 16;
      bitbuf >>>= len;
      bitcnt -= len;
      const dx = DIST_EXTRA[sym];
      while (bitcnt < dx) {
        bitbuf |= inp[ip++] << bitcnt;
        bitcnt += 8;
      }
      const d = DIST_BASE[sym] + (bitbuf & ((1 << dx) - 1));
      bitbuf >>>= dx;
      bitcnt -= dx;
      if (d > total || d > WINDOW) throw new InflateError('distance too far back');
      if (d >= n) {
        buf.copyWithin(pos, pos - d, pos - d + n);
        pos += n;
      } else {
        for (let k = 0; k < n; k++, pos++) buf[pos] = buf[pos - d];
      }
      total += n;
    }
    this._ip = ip;
    this.bitbuf = bitbuf;
    this.bitcnt = bitcnt;
    this._pos = pos;
    this._total = total;
  }

  _codes() {
    for (;;) {
      const sym = this._symbol(this._lit);
      if (sym === NEED_MORE) return false;
      if (sym < 256) {
        this._bits(this.symLen);
        this._emit(sym);
        continue;
      }
      if (sym === 256) {
        this._bits(this.symLen);
        this._state = S_BLOCK;
        return true;
      }
      const i = sym - 257;
      if (i >= 29) throw new InflateError('invalid length code');
      if (!this._need(this.symLen + LEN_EXTRA[i])) return false;
      this._bits(this.symLen);
      this._copyLen = LEN_BASE[i] + this._bits(LEN_EXTRA[i]);
      this._state = S_DIST;
      return true;
    }
  }

  _distance() {
    const sym = this._symbol(this._dist);
    if (sym === NEED_MORE) return false;
    if (sym >= 30) throw new InflateError('invalid distance code');
    this._bits(this.symLen);
    this._distSym = sym;
    this._state = S_DIST_EXTRA;
    return true;
  }

  _distanceExtra() {
    const extra = DIST_EXTRA[this._distSym];
    if (!this._need(extra)) return false;
    const dist = DIST_BASE[this._distSym] + this._bits(extra);
    if (dist > this._total || dist > WINDOW) throw new InflateError('distance too far back');
    const n = this._copyLen;
    this._reserve(n);
    const buf = this._buf;
    let p = this._pos;
    for (let k = 0; k < n; k++, p++) buf[p] = buf[p - dist]; // may overlap: byte by byte
    this._pos = p;
    this._total += n;
    this._state = S_CODES;
    return true;
  }

  _trailer() {
    this._bits(this.bitcnt & 7);
    if (!this._need(16)) return false;
    if (this._checkHigh === undefined) {
      const hi = this._bits(16);
      this._checkHigh = ((hi & 0xFF) << 8) | (hi >>> 8);
      return true;
    }
    if (!this._need(16)) return false;
    const lo = this._bits(16);
    const want = ((this._checkHigh << 16) | ((lo & 0xFF) << 8) | (lo >>> 8)) >>> 0;
    const got = adler32(this._buf.subarray(this._start, this._pos), this._adler);
    if (want !== got) throw new InflateError('adler-32 checksum mismatch');
    this._state = S_DONE;
    return true;
  }

  _symbol(h) {
    const sym = decodeSymbol(h, this);
    if (sym === INVALID) throw new InflateError('invalid Huffman code');
    return sym;
  }

  _table(lengths) {
    try {
      return new Huffman(lengths);
    } catch (e) {
      throw new InflateError(e.message);
    }
  }

  _emit(byte) {
    this._reserve(1);
    this._buf[this._pos++] = byte;
    this._total++;
  }

  _reserve(n) {
    if (this._pos - this._start + n > this.maxOutput) {
      throw new InflateError('output limit exceeded');
    }
    if (this._pos + n <= this._buf.length) return;
    let size = this._buf.length;
    while (size < this._pos + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this._buf.subarray(0, this._pos));
    this._buf = grown;
  }
}
