// SPDX-License-Identifier: Apache-2.0
// Canonical Huffman decoding tables for inflate.js (RFC 1951 §3.2.2): a 9-bit lookup table
// for short codes, and a canonical walk for longer codes and for input that runs out.

export const FAST_BITS = 9;
const FAST_MASK = (1 << FAST_BITS) - 1;
const MAX_BITS = 15;

/** Decoding result when the available bits do not complete a code. */
export const NEED_MORE = -1;
/** Decoding result for a bit pattern no symbol uses. */
export const INVALID = -2;

/** A decoding table built from per-symbol code lengths (0 = unused). */
export class Huffman {
  /**
   * @param {ArrayLike<number>} lengths code length per symbol
   * @throws {Error} when the lengths over-subscribe the code space
   */
  constructor(lengths) {
    this.count = new Uint16Array(MAX_BITS + 1);
    for (let s = 0; s < lengths.length; s++) this.count[lengths[s]]++;
    this.count[0] = 0;
    let left = 1;
    for (let len = 1; len <= MAX_BITS; len++) {
      left = (left << 1) - this.count[len];
      if (left < 0) throw new Error('over-subscribed Huffman code');
    }
    const offs = new Uint16Array(MAX_BITS + 2);
    for (let len = 1; len <= MAX_BITS; len++) offs[len + 1] = offs[len] + this.count[len];
    this.symbols = new Uint16Array(lengths.length);
    const next = offs.slice();
    for (let s = 0; s < lengths.length; s++) {
      if (lengths[s]) this.symbols[next[lengths[s]]++] = s;
    }
    this.fast = new Int32Array(1 << FAST_BITS);
    this._fillFast(lengths);
  }

  // Codes are sent MSB-first but the bit reader is LSB-first, so table indexes are the
  // codes bit-reversed, repeated for every value of the unused high bits.
  _fillFast(lengths) {
    const code = new Uint16Array(MAX_BITS + 2);
    let c = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      c = (c + this.count[len - 1]) << 1;
      code[len] = c;
    }
    for (let s = 0; s < lengths.length; s++) {
      const len = lengths[s];
      if (len === 0) continue;
      const k = code[len]++;
      if (len > FAST_BITS) continue;
      let rev = 0;
      for (let i = 0; i < len; i++) rev |= ((k >> i) & 1) << (len - 1 - i);
      for (let i = rev; i <= FAST_MASK; i += 1 << len) this.fast[i] = (len << 16) | s;
    }
  }
}

/**
 * Decodes one symbol from `r` (an object with `bitbuf`, `bitcnt` and `pull()`, which adds 8
 * bits and returns false when input is exhausted). Does not consume: on success sets
 * `r.symLen` and returns the symbol; otherwise returns NEED_MORE or INVALID.
 */
export function decodeSymbol(h, r) {
  while (r.bitcnt < FAST_BITS && r.pull()) { /* fill */ }
  const e = h.fast[r.bitbuf & FAST_MASK];
  if (e !== 0) {
    const len = e >>> 16;
    if (len <= r.bitcnt) {
      r.symLen = len;
      return e & 0xFFFF;
    }
    return NEED_MORE; // pull() already failed above
  }
  // Canonical walk, one bit at a time (puff-style).
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= MAX_BITS; len++) {
    if (r.bitcnt < len && !r.pull()) return NEED_MORE;
    code |= (r.bitbuf >>> (len - 1)) & 1;
    const count = h.count[len];
    if (code - first < count) {
      r.symLen = len;
      return h.symbols[index + code - first];
    }
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return INVALID;
}
