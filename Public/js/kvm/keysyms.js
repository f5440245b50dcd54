// SPDX-License-Identifier: Apache-2.0
// KeyboardEvent.code -> X11 keysym for AMT KVM (spec §4.1 item 8, §2.6 item 15). AMT maps
// keysyms to USB scancodes itself, so we send the unshifted US-layout keysym of the physical
// key plus explicit modifier events; letters follow the toolkits and go upper case with
// Shift. Where the toolkits send non-keysyms we use the standard X11 values.

const TABLE = {
  Backspace: 0xFF08, Tab: 0xFF09, Enter: 0xFF0D, NumpadEnter: 0xFF0D, Escape: 0xFF1B,
  Delete: 0xFFFF, Home: 0xFF50, ArrowLeft: 0xFF51, ArrowUp: 0xFF52, ArrowRight: 0xFF53,
  ArrowDown: 0xFF54, PageUp: 0xFF55, PageDown: 0xFF56, End: 0xFF57, Insert: 0xFF63,
  ShiftLeft: 0xFFE1, ShiftRight: 0xFFE2, ControlLeft: 0xFFE3, ControlRight: 0xFFE4,
  AltLeft: 0xFFE9, AltRight: 0xFFEA,
  // The Windows key: browsers report it as MetaLeft/MetaRight (older ones as OSLeft/OSRight).
  // Super_L/Super_R are the keysyms for the USB GUI keys.
  MetaLeft: 0xFFEB, MetaRight: 0xFFEC, OSLeft: 0xFFEB, OSRight: 0xFFEC,
  // Standard keysyms where the toolkits are wrong (R-17) [INF: untested on AMT].
  Pause: 0xFF13, ScrollLock: 0xFF14, PrintScreen: 0xFF61, ContextMenu: 0xFF67,
  NumLock: 0xFF7F, CapsLock: 0xFFE5,
  Space: 0x20, Quote: 0x27, Comma: 0x2C, Minus: 0x2D, Period: 0x2E, Slash: 0x2F,
  Semicolon: 0x3B, Equal: 0x3D, BracketLeft: 0x5B, Backslash: 0x5C, BracketRight: 0x5D,
  Backquote: 0x60,
  NumpadMultiply: 0x2A, NumpadAdd: 0x2B, NumpadSubtract: 0x2D, NumpadDecimal: 0x2E,
  NumpadDivide: 0x2F,
  // Intel-specific keysyms for EU-102 and JP-106 keys (spec §2.6 item 15).
  IntlBackslash: 0x17170056, IntlYen: 0x1717007D, IntlRo: 0x17170073,
  NonConvert: 0x1717007B, Convert: 0x17170079, KanaMode: 0x17170070,
};

for (let i = 1; i <= 12; i++) TABLE[`F${i}`] = 0xFFBE + i - 1;
for (let d = 0; d <= 9; d++) {
  TABLE[`Digit${d}`] = 0x30 + d;
  TABLE[`Numpad${d}`] = 0x30 + d;
}

/** The code -> keysym table (letters excluded: they depend on Shift). */
export const KEYSYMS = Object.freeze(TABLE);

/** Keysyms for the Ctrl+Alt+Del sequence. */
export const XK_CONTROL_L = 0xFFE3;
export const XK_ALT_L = 0xFFE9;
export const XK_DELETE = 0xFFFF;

/** The keysym for a KeyboardEvent-like `{ code, shiftKey }`, or null if unmapped. */
export function keysymFor(event) {
  const code = event.code || '';
  const letter = /^Key([A-Z])$/.exec(code);
  if (letter) {
    const c = letter[1].charCodeAt(0);
    return event.shiftKey ? c : c + 0x20;
  }
  const k = KEYSYMS[code];
  return k === undefined ? null : k;
}
