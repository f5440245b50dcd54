// SPDX-License-Identifier: Apache-2.0
// KeyboardEvent -> bytes for the SOL terminal. Two function-key dialects: 'vt100' (xterm/
// vt220 style: F1-F4 = ESC O P..S, F5-F12 = ESC [ 15~ ..) and 'vt100+' (the BIOS console
// redirection convention: F1-F9 = ESC 1..9, F10 = ESC 0, F11 = ESC !, F12 = ESC @, and
// editing keys as ESC + one character). [INF: VT100+ keys are general knowledge, untested.]

import { cp437Byte, utf8Encode } from './charsets.js';

const ESC = '\x1b';

/** Default options: BIOS-friendly backspace, vt100 function keys, CP437 for non-ASCII. */
export const DEFAULT_KEY_OPTIONS = Object.freeze({
  backspace: 0x08, // 0x08 for BIOS screens, 0x7F for Linux
  functionKeys: 'vt100', // or 'vt100+'
  homeEnd: 'xterm', // 'xterm': ESC [ H / ESC [ F; 'vt220': ESC [ 1 ~ / ESC [ 4 ~
  applicationCursor: false, // DECCKM: arrows as ESC O A.. (Terminal.modes.applicationCursor)
  charset: 'cp437', // how printable non-ASCII keys are encoded: 'cp437' or 'utf-8'
});

const VT100_FKEYS = {
  F1: `${ESC}OP`, F2: `${ESC}OQ`, F3: `${ESC}OR`, F4: `${ESC}OS`,
  F5: `${ESC}[15~`, F6: `${ESC}[17~`, F7: `${ESC}[18~`, F8: `${ESC}[19~`,
  F9: `${ESC}[20~`, F10: `${ESC}[21~`, F11: `${ESC}[23~`, F12: `${ESC}[24~`,
};

const VT100_PLUS_FKEYS = {
  F1: `${ESC}1`, F2: `${ESC}2`, F3: `${ESC}3`, F4: `${ESC}4`, F5: `${ESC}5`, F6: `${ESC}6`,
  F7: `${ESC}7`, F8: `${ESC}8`, F9: `${ESC}9`, F10: `${ESC}0`, F11: `${ESC}!`, F12: `${ESC}@`,
};

const VT100_PLUS_EDIT = {
  Home: `${ESC}h`, End: `${ESC}k`, Insert: `${ESC}+`, Delete: `${ESC}-`,
  PageUp: `${ESC}?`, PageDown: `${ESC}/`,
};

const EDIT = {
  Insert: `${ESC}[2~`, Delete: `${ESC}[3~`, PageUp: `${ESC}[5~`, PageDown: `${ESC}[6~`,
};

const ARROWS = { ArrowUp: 'A', ArrowDown: 'B', ArrowRight: 'C', ArrowLeft: 'D' };

/** Ctrl + these characters gives the C0 control after the letters. */
const CTRL_SYMBOLS = { '@': 0x00, ' ': 0x00, '2': 0x00, '[': 0x1B, '\\': 0x1C, ']': 0x1D,
  '^': 0x1E, '6': 0x1E, '_': 0x1F, '-': 0x1F };

function ascii(text) {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * The bytes a key press sends to the host, or null when the terminal should leave the event
 * alone (modifier keys, Meta combinations, keys with no terminal meaning).
 * `event` needs `key`, `code`, `ctrlKey`, `altKey`, `shiftKey`, `metaKey`.
 */
export function keyToBytes(event, options = {}) {
  const opt = { ...DEFAULT_KEY_OPTIONS, ...options };
  if (event.metaKey) return null;
  const seq = namedKey(event, opt);
  if (seq !== null) return event.altKey && seq.length === 1 ? ascii(ESC + seq) : ascii(seq);
  const key = event.key;
  if (typeof key !== 'string' || [...key].length !== 1) return null;
  if (event.ctrlKey && !event.altKey) return controlByte(event);
  if (event.ctrlKey && event.altKey) {
    // AltGr arrives as Ctrl+Alt on Windows: treat a printable result as plain text.
    return printable(key, opt);
  }
  const bytes = printable(key, opt);
  if (bytes && event.altKey) return Uint8Array.of(0x1B, ...bytes); // Meta sends ESC prefix
  return bytes;
}

function namedKey(event, opt) {
  const key = event.key;
  switch (key) {
  case 'Enter': return '\r';
  case 'Backspace': return String.fromCharCode(opt.backspace);
  case 'Tab': return event.shiftKey ? `${ESC}[Z` : '\t';
  case 'Escape': return ESC;
  }
  if (key in ARROWS) return (opt.applicationCursor ? `${ESC}O` : `${ESC}[`) + ARROWS[key];
  const plus = opt.functionKeys === 'vt100+';
  if (plus && key in VT100_PLUS_FKEYS) return VT100_PLUS_FKEYS[key];
  if (!plus && key in VT100_FKEYS) return VT100_FKEYS[key];
  if (plus && key in VT100_PLUS_EDIT) return VT100_PLUS_EDIT[key];
  if (key === 'Home') return opt.homeEnd === 'vt220' ? `${ESC}[1~` : `${ESC}[H`;
  if (key === 'End') return opt.homeEnd === 'vt220' ? `${ESC}[4~` : `${ESC}[F`;
  if (key in EDIT) return EDIT[key];
  return null;
}

function controlByte(event) {
  // Prefer the physical key for letters so Ctrl+C works on any layout.
  const m = /^Key([A-Z])$/.exec(event.code || '');
  const letter = m ? m[1] : event.key.toUpperCase();
  if (letter >= 'A' && letter <= 'Z' && letter.length === 1) {
    return Uint8Array.of(letter.charCodeAt(0) - 0x40);
  }
  const c = CTRL_SYMBOLS[event.key];
  return c === undefined ? null : Uint8Array.of(c);
}

function printable(key, opt) {
  const cp = key.codePointAt(0);
  if (cp < 0x20 || cp === 0x7F) return null;
  if (cp < 0x80) return Uint8Array.of(cp);
  if (opt.charset === 'utf-8') return utf8Encode(key);
  const b = cp437Byte(cp);
  return b < 0 ? null : Uint8Array.of(b);
}

/** Bytes for pasted text: newlines become CR, as Enter would send. */
export function pasteToBytes(text, options = {}) {
  const opt = { ...DEFAULT_KEY_OPTIONS, ...options };
  const normal = text.replace(/\r\n?|\n/g, '\r');
  if (opt.charset === 'utf-8') return utf8Encode(normal);
  const out = [];
  for (const ch of normal) {
    const b = cp437Byte(ch.codePointAt(0));
    if (b >= 0) out.push(b);
  }
  return Uint8Array.from(out);
}
