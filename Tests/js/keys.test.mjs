// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { keyToBytes, pasteToBytes } from '../../Public/js/term/keys.js';

const ev = (key, mods = {}) => ({ key, code: mods.code || '', ctrlKey: false, altKey: false,
  shiftKey: false, metaKey: false, ...mods });
const str = (bytes) => (bytes === null ? null : String.fromCharCode(...bytes));

describe('SOL keys', () => {
  it('should send CR for Enter and the configured Backspace byte', () => {
    assert.equal(str(keyToBytes(ev('Enter'))), '\r');
    assert.equal(str(keyToBytes(ev('Backspace'))), '\x08');
    assert.equal(str(keyToBytes(ev('Backspace'), { backspace: 0x7F })), '\x7f');
  });

  it('should send arrows, Home and End in both styles', () => {
    assert.equal(str(keyToBytes(ev('ArrowUp'))), '\x1b[A');
    assert.equal(str(keyToBytes(ev('ArrowLeft'))), '\x1b[D');
    assert.equal(str(keyToBytes(ev('ArrowDown'), { applicationCursor: true })), '\x1bOB');
    assert.equal(str(keyToBytes(ev('Home'))), '\x1b[H');
    assert.equal(str(keyToBytes(ev('End'))), '\x1b[F');
    assert.equal(str(keyToBytes(ev('Home'), { homeEnd: 'vt220' })), '\x1b[1~');
    assert.equal(str(keyToBytes(ev('End'), { homeEnd: 'vt220' })), '\x1b[4~');
  });

  it('should send VT100 function keys', () => {
    const want = ['\x1bOP', '\x1bOQ', '\x1bOR', '\x1bOS', '\x1b[15~', '\x1b[17~', '\x1b[18~',
      '\x1b[19~', '\x1b[20~', '\x1b[21~', '\x1b[23~', '\x1b[24~'];
    want.forEach((w, i) => assert.equal(str(keyToBytes(ev(`F${i + 1}`))), w));
  });

  it('should send VT100+ function and editing keys', () => {
    const o = { functionKeys: 'vt100+' };
    const want = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '!', '@'];
    want.forEach((w, i) => assert.equal(str(keyToBytes(ev(`F${i + 1}`), o)), `\x1b${w}`));
    assert.equal(str(keyToBytes(ev('Delete'), o)), '\x1b-');
    assert.equal(str(keyToBytes(ev('PageDown'), o)), '\x1b/');
    assert.equal(str(keyToBytes(ev('Delete'))), '\x1b[3~');
  });

  it('should send Ctrl+letter as 0x01..0x1A using the physical key', () => {
    assert.deepEqual(keyToBytes(ev('c', { ctrlKey: true, code: 'KeyC' })), Uint8Array.of(3));
    assert.deepEqual(keyToBytes(ev('a', { ctrlKey: true, code: 'KeyA' })), Uint8Array.of(1));
    assert.deepEqual(keyToBytes(ev('Z', { ctrlKey: true, shiftKey: true, code: 'KeyZ' })),
      Uint8Array.of(0x1A));
    // A non-Latin layout still sends Ctrl+C for the C key.
    assert.deepEqual(keyToBytes(ev('с', { ctrlKey: true, code: 'KeyC' })), Uint8Array.of(3));
    assert.deepEqual(keyToBytes(ev('[', { ctrlKey: true, code: 'BracketLeft' })),
      Uint8Array.of(0x1B));
  });

  it('should send printable characters and ignore modifier keys', () => {
    assert.equal(str(keyToBytes(ev('a'))), 'a');
    assert.equal(str(keyToBytes(ev('A', { shiftKey: true }))), 'A');
    assert.equal(str(keyToBytes(ev('x', { altKey: true }))), '\x1bx');
    assert.equal(keyToBytes(ev('Shift')), null);
    assert.equal(keyToBytes(ev('v', { metaKey: true })), null);
    assert.deepEqual(keyToBytes(ev('é')), Uint8Array.of(0x82)); // CP437
    assert.deepEqual(keyToBytes(ev('é'), { charset: 'utf-8' }), Uint8Array.of(0xC3, 0xA9));
    assert.deepEqual(keyToBytes(ev('@', { ctrlKey: true, altKey: true })), Uint8Array.of(0x40));
  });

  it('should turn pasted newlines into CR', () => {
    assert.equal(str(pasteToBytes('a\r\nb\nc')), 'a\rb\rc');
  });
});
