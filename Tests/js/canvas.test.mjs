// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CanvasView } from '../../Public/js/kvm/canvas.js';
import { Framebuffer } from '../../Public/js/kvm/framebuffer.js';

class FakeImageData {
  constructor(data, width, height) { Object.assign(this, { data, width, height }); }
}

function fakeCanvas(parentWidth, parentHeight) {
  const calls = [];
  const ctx = { putImageData: (...args) => calls.push(args) };
  const canvas = { width: 0, height: 0, style: {}, getContext: () => ctx,
    parentElement: { clientWidth: parentWidth, clientHeight: parentHeight } };
  return { canvas, calls };
}

describe('CanvasView', () => {
  it('should size the canvas, scale it to fit, then blit only the damaged box', () => {
    const fb = new Framebuffer(800, 600);
    const { canvas, calls } = fakeCanvas(400, 600);
    const frames = [];
    const view = new CanvasView(canvas, fb, { ImageData: FakeImageData,
      requestAnimationFrame: (fn) => frames.push(fn) });
    view.draw();
    assert.deepEqual([canvas.width, canvas.height], [800, 600]);
    assert.deepEqual(canvas.style, { width: '400px', height: '300px' });
    assert.equal(calls[0][0].data, fb.rgba, 'the image shares the framebuffer memory');
    fb.damage(64, 0, 64, 64);
    fb.damage(0, 128, 10, 10);
    assert.equal(frames.length, 1, 'damage coalesces into one frame');
    frames[0]();
    assert.deepEqual(calls[1].slice(1), [0, 0, 0, 0, 128, 138]);
  });

  it('should redo the image after a resize and not upscale by default', () => {
    const fb = new Framebuffer(100, 50);
    const { canvas, calls } = fakeCanvas(1000, 1000);
    const view = new CanvasView(canvas, fb, { ImageData: FakeImageData,
      requestAnimationFrame: (fn) => fn() });
    view.draw();
    fb.resize(200, 100);
    assert.deepEqual([canvas.width, canvas.height], [200, 100]);
    assert.equal(calls.at(-1)[0].width, 200);
    assert.deepEqual(canvas.style, { width: '200px', height: '100px' });
  });
});
