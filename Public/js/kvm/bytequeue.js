// SPDX-License-Identifier: Apache-2.0
// A receive accumulator with typed readers. WebSocket message boundaries carry no meaning,
// so every parser peeks with `has(n)` first and consumes only whole messages.

export class ByteQueue {
  constructor() {
    this._buf = new Uint8Array(4096);
    this._start = 0;
    this._end = 0;
  }

  /** Bytes waiting to be read. */
  get length() { return this._end - this._start; }

  /** True when at least `n` bytes are waiting. */
  has(n) { return this._end - this._start >= n; }

  /** Appends received bytes. */
  push(bytes) {
    const n = bytes.length;
    if (this._end + n > this._buf.length) {
      const live = this._end - this._start;
      if (live + n <= this._buf.length / 2) {
        this._buf.copyWithin(0, this._start, this._end);
      } else {
        let size = this._buf.length;
        while (size < (live + n) * 2) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this._buf.subarray(this._start, this._end));
        this._buf = grown;
      }
      this._start = 0;
      this._end = live;
    }
    this._buf.set(bytes, this._end);
    this._end += n;
  }

  /** Drops everything. */
  clear() {
    this._start = 0;
    this._end = 0;
  }

  peek8(off = 0) { return this._buf[this._start + off]; }

  peek16(off = 0) {
    const p = this._start + off;
    return (this._buf[p] << 8) | this._buf[p + 1];
  }

  peek32(off = 0) {
    const p = this._start + off;
    const b = this._buf;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  peek16le(off = 0) {
    const p = this._start + off;
    return this._buf[p] | (this._buf[p + 1] << 8);
  }

  peek32le(off = 0) {
    const p = this._start + off;
    const b = this._buf;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  skip(n) { this._start += n; }

  read8() { const v = this.peek8(); this._start += 1; return v; }
  read16() { const v = this.peek16(); this._start += 2; return v; }
  read32() { const v = this.peek32(); this._start += 4; return v; }
  readS32() { return this.read32() | 0; }

  /** A view of the next `n` bytes without consuming; valid until the next `push`. */
  view(n, off = 0) {
    return this._buf.subarray(this._start + off, this._start + off + n);
  }

  /** Consumes and returns a copy of the next `n` bytes. */
  readBytes(n) {
    const out = this._buf.slice(this._start, this._start + n);
    this._start += n;
    return out;
  }
}
