// SPDX-License-Identifier: Apache-2.0
// Blits a Framebuffer onto a <canvas>: the canvas keeps the framebuffer's pixel size and is
// scaled to fit its container with CSS (aspect kept), and each animation frame copies only
// the damaged box with putImageData.

export class CanvasView {
  constructor(canvas, framebuffer, options = {}) {
    this.canvas = canvas;
    this.fb = framebuffer;
    this._ctx = canvas.getContext('2d');
    this._raf = options.requestAnimationFrame ||
      ((fn) => globalThis.requestAnimationFrame(fn));
    this._ImageData = options.ImageData || globalThis.ImageData;
    this._upscale = options.upscale === true;
    this._image = null;
    this._scheduled = false;
    framebuffer.ondamage = () => this.scheduleDraw();
  }

  scheduleDraw() {
    if (this._scheduled) return;
    this._scheduled = true;
    this._raf(() => {
      this._scheduled = false;
      this.draw();
    });
  }

  /** Copies the damaged box now. */
  draw() {
    const fb = this.fb;
    if (fb.width === 0 || fb.height === 0) return;
    if (!this._image || this._image.data !== fb.rgba) {
      this.canvas.width = fb.width;
      this.canvas.height = fb.height;
      this._image = new this._ImageData(fb.rgba, fb.width, fb.height); // shares the buffer
      fb.takeDamage();
      this._ctx.putImageData(this._image, 0, 0);
      this.fit();
      return;
    }
    const d = fb.takeDamage();
    if (d) this._ctx.putImageData(this._image, 0, 0, d.x, d.y, d.w, d.h);
  }

  /** Scales the canvas (CSS size) to fit its parent, keeping the aspect ratio. */
  fit(width = this.canvas.parentElement?.clientWidth,
    height = this.canvas.parentElement?.clientHeight) {
    const fb = this.fb;
    if (!width || !height || !fb.width || !fb.height) return;
    let scale = Math.min(width / fb.width, height / fb.height);
    if (!this._upscale) scale = Math.min(scale, 1);
    this.canvas.style.width = `${Math.floor(fb.width * scale)}px`;
    this.canvas.style.height = `${Math.floor(fb.height * scale)}px`;
  }
}
