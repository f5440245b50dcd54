// SPDX-License-Identifier: Apache-2.0
// Raw encoding (RFC 6143 §7.7.1): w × h pixels, row by row. Decodes whole rows as they
// arrive, so a large rectangle never waits for all of its bytes.

import { pixelAt, pixels32 } from '../pixelformat.js';

export class RawDecoder {
  constructor() {
    this._row = 0;
  }

  /** Forgets a partial rectangle. */
  reset() { this._row = 0; }

  /**
   * Decodes what it can of a rectangle into `fb` (a Framebuffer-like target).
   * Returns true when the rectangle is complete, false when it needs more bytes.
   */
  decodeRect(x, y, w, h, queue, fb, conv) {
    const rowBytes = w * conv.bytesPerPixel;
    const first = this._row;
    const out = pixels32(fb.rgba);
    const table = conv.rgba32;
    while (this._row < h && queue.has(rowBytes)) {
      const src = queue.view(rowBytes);
      let dst = (y + this._row) * fb.width + x;
      for (let i = 0; i < rowBytes; i += conv.bytesPerPixel) {
        out[dst++] = table[pixelAt(conv, src, i)];
      }
      queue.skip(rowBytes);
      this._row++;
    }
    if (this._row > first) fb.damage(x, y + first, w, this._row - first);
    if (this._row < h) return false;
    this._row = 0;
    return true;
  }
}
