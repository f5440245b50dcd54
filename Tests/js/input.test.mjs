// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { KvmInput } from '../../Public/js/kvm/input.js';
import { KEYSYMS, keysymFor } from '../../Public/js/kvm/keysyms.js';
import { FakeClock } from './helpers.mjs';

describe('KVM keysyms', () => {
  it('should map letters, digits and the spec\'s named keys', () => {
    assert.equal(keysymFor({ code: 'KeyA' }), 0x61);
    assert.equal(keysymFor({ code: 'KeyZ', shiftKey: true }), 0x5A);
    assert.equal(keysymFor({ code: 'Digit1', shiftKey: true }), 0x31); // Shift goes separately
    assert.equal(keysymFor({ code: 'Numpad7' }), 0x37);
    const spot = { Backspace: 0xFF08, Tab: 0xFF09, Enter: 0xFF0D, NumpadEnter: 0xFF0D,
      Escape: 0xFF1B, Delete: 0xFFFF, Home: 0xFF50, ArrowLeft: 0xFF51, ArrowUp: 0xFF52,
      ArrowRight: 0xFF53, ArrowDown: 0xFF54, PageUp: 0xFF55, PageDown: 0xFF56, End: 0xFF57,
      Insert: 0xFF63, F1: 0xFFBE, F12: 0xFFC9, ShiftLeft: 0xFFE1, ShiftRight: 0xFFE2,
      ControlLeft: 0xFFE3, ControlRight: 0xFFE4, AltLeft: 0xFFE9, AltRight: 0xFFEA,
      Space: 0x20, Quote: 0x27, Backquote: 0x60, BracketLeft: 0x5B, Backslash: 0x5C,
      NumpadMultiply: 0x2A, NumpadAdd: 0x2B, NumpadSubtract: 0x2D, NumpadDecimal: 0x2E,
      NumpadDivide: 0x2F, IntlBackslash: 0x17170056, IntlYen: 0x1717007D };
    for (const [code, want] of Object.entries(spot)) {
      assert.equal(keysymFor({ code }), want, code);
    }
  });

  it('should use standard keysyms where the toolkits are wrong (R-17)', () => {
    const fixed = { Pause: 0xFF13, CapsLock: 0xFFE5, NumLock: 0xFF7F, ScrollLock: 0xFF14,
      PrintScreen: 0xFF61, MetaLeft: 0xFFEB, OSLeft: 0xFFEB, ContextMenu: 0xFF67 };
    for (const [code, want] of Object.entries(fixed)) assert.equal(KEYSYMS[code], want, code);
    assert.notEqual(keysymFor({ code: 'PrintScreen' }), 0x2C);
  });

  it('should leave unknown keys unmapped', () => {
    assert.equal(keysymFor({ code: 'Fn' }), null);
    assert.equal(keysymFor({}), null);
  });
});

function setup({ width = 1920, height = 1080, clientWidth = 960, clientHeight = 270 } = {}) {
  const log = [];
  const sink = {
    sendKey: (k, down) => log.push(['key', k, down]),
    sendPointer: (m, x, y) => log.push(['ptr', m, x, y]),
  };
  const canvas = { width, height, clientWidth, clientHeight,
    getBoundingClientRect: () => ({ left: 10, top: 20 }) };
  const clock = new FakeClock();
  return { input: new KvmInput(sink, canvas, { clock }), log, clock };
}

const key = (code, extra = {}) => ({ code, preventDefault() { this.prevented = true; },
  ...extra });
const mouse = (clientX, clientY, extra = {}) => ({ clientX, clientY, button: 0,
  preventDefault() {}, ...extra });

describe('KVM input', () => {
  it('should scale x by the width ratio and y by the height ratio (R-16)', () => {
    const { input } = setup();
    // 960×270 CSS pixels showing 1920×1080: x × 2, y × 4.
    assert.deepEqual(input.position(mouse(10 + 480, 20 + 135)), [960, 540]);
    assert.deepEqual(input.position(mouse(10 + 959, 20 + 269)), [1918, 1076]);
    assert.deepEqual(input.position(mouse(5000, -50)), [1919, 0], 'clamped');
  });

  it('should send key down and up, release held keys on blur, and prevent defaults', () => {
    const { input, log } = setup();
    const down = key('ControlLeft');
    input.keyDown(down);
    assert.equal(down.prevented, true);
    input.keyDown(key('KeyA', { shiftKey: true }));
    input.keyUp(key('KeyA', { shiftKey: false })); // up matches what went down
    input.keyDown(key('Tab'));
    input.releaseAll();
    input.releaseAll();
    assert.deepEqual(log, [['key', 0xFFE3, true], ['key', 0x41, true], ['key', 0x41, false],
      ['key', 0xFF09, true], ['key', 0xFFE3, false], ['key', 0xFF09, false]]);
    assert.equal(input.keyDown(key('Fn')), false);
  });

  it('should send the Ctrl-Alt-Del sequence', () => {
    const { input, log } = setup();
    input.ctrlAltDel();
    assert.deepEqual(log.map((e) => [e[1].toString(16), e[2]]), [['ffe3', true],
      ['ffe9', true], ['ffff', true], ['ffff', false], ['ffe9', false], ['ffe3', false]]);
  });

  it('should coalesce moves to one per 50 ms, with buttons sent at once', () => {
    const { input, log, clock } = setup({ clientWidth: 1920, clientHeight: 1080 });
    input.mouseMove(mouse(10 + 1, 20 + 1));
    input.mouseMove(mouse(10 + 2, 20 + 2));
    input.mouseMove(mouse(10 + 3, 20 + 3));
    assert.deepEqual(log, [['ptr', 0, 1, 1]]);
    clock.advance(50);
    assert.deepEqual(log.at(-1), ['ptr', 0, 3, 3]);
    input.mouseMove(mouse(10 + 4, 20 + 4));
    input.mouseDown(mouse(10 + 5, 20 + 5, { button: 2 }));
    input.mouseUp(mouse(10 + 5, 20 + 5, { button: 2 }));
    clock.advance(200);
    assert.deepEqual(log.slice(2), [['ptr', 4, 5, 5], ['ptr', 0, 5, 5]]);
  });

  it('should send wheel notches as press then release (spec A17)', () => {
    const { input, log } = setup({ clientWidth: 1920, clientHeight: 1080 });
    input.wheel(mouse(110, 220, { deltaY: -100, deltaMode: 0 }));
    input.wheel(mouse(110, 220, { deltaY: 3, deltaMode: 1 }));
    input.wheel(mouse(110, 220, { deltaY: 40, deltaMode: 0 }));
    input.wheel(mouse(110, 220, { deltaY: 70, deltaMode: 0 }));
    assert.deepEqual(log, [['ptr', 8, 100, 200], ['ptr', 0, 100, 200],
      ['ptr', 16, 100, 200], ['ptr', 0, 100, 200], ['ptr', 16, 100, 200], ['ptr', 0, 100, 200]]);
  });

  it('should release held buttons on blur', () => {
    const { input, log } = setup({ clientWidth: 1920, clientHeight: 1080 });
    input.mouseDown(mouse(11, 21));
    input.releaseAll();
    assert.deepEqual(log, [['ptr', 1, 1, 1], ['ptr', 0, 1, 1]]);
  });
});
