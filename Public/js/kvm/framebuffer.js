// SPDX-License-Identifier: Apache-2.0
// An RGBA framebuffer target for the RFB client: decoders write `rgba` and report damaged
// rectangles; a view (canvas.js) takes the accumulated damage box and blits it.

export class Framebuffer {
  constructor(width = 0, height = 0) {
    this.width = 0;
    this.height = 0;
    this.rgba = new Uint8ClampedArray(0);
    this._damage = null;
    /** Called after damage is recorded (for example to schedule an animation frame). */
    this.ondamage = null;
    if (width > 0 && height > 0) this.resize(width, height);
  }

  /** Replaces the buffer with an opaque black one of the new size, all damaged. */
  resize(width, height) {
    this.width = width;
    this.height = height;
    this.rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 3; i < this.rgba.length; i += 4) this.rgba[i] = 255;
    this._damage = null;
    this.damage(0, 0, width, height);
  }

  /** Records that a rectangle changed. */
  damage(x, y, w, h) {
    if (w <= 0 || h <= 0) return;
    const d = this._damage;
    if (!d) {
      this._damage = { x0: x, y0: y, x1: x + w, y1: y + h };
    } else {
      d.x0 = Math.min(d.x0, x);
      d.y0 = Math.min(d.y0, y);
      d.x1 = Math.max(d.x1, x + w);
      d.y1 = Math.max(d.y1, y + h);
    }
    if (this.ondamage) this.ondamage();
  }

  /** The bounding box of damage since the last call ({x, y, w, h}) or null; clears it. */
  takeDamage() {
    const d = this._damage;
    this._damage = null;
    return d ? { x: d.x0, y: d.y0, w: d.x1 - d.x0, h: d.y1 - d.y0 } : null;
  }

  /** The RGBA of one pixel, for tests and colour pickers. */
  pixel(x, y) {
    const i = (y * this.width + x) * 4;
    return Array.from(this.rgba.subarray(i, i + 4));
  }
}
