// SPDX-License-Identifier: Apache-2.0
// Character sets for the SOL terminal: CP437 (BIOS console redirection), the DEC special
// graphics set (ESC ( 0, used by vt100/vt220 curses line drawing) and a resumable UTF-8
// decoder for VT-UTF8 consoles.

/** Unicode for CP437 bytes 0x80..0xFF, in byte order (IBM PC code page 437). */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»' +
  '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
  'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00A0';

/** Code points for CP437 bytes 0x80..0xFF (index = byte - 0x80). */
export const CP437 = Uint16Array.from(CP437_HIGH, (c) => c.codePointAt(0));

const CP437_REVERSE = new Map(Array.from(CP437, (cp, i) => [cp, 0x80 + i]));

/** The CP437 byte for a code point, or -1 when CP437 has no such character. */
export function cp437Byte(cp) {
  if (cp < 0x80) return cp;
  const b = CP437_REVERSE.get(cp);
  return b === undefined ? -1 : b;
}

/** DEC special graphics for 0x5F..0x7E (index = code - 0x5F). */
const DEC_GRAPHICS = '\u00A0◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·';

/** Maps a printable code point through the DEC special graphics set. */
export function decGraphics(cp) {
  if (cp < 0x5F || cp > 0x7E) return cp;
  return DEC_GRAPHICS.codePointAt(cp - 0x5F);
}

/** The replacement character emitted for malformed UTF-8. */
export const REPLACEMENT = 0xFFFD;

/**
 * A UTF-8 decoder that keeps its state between calls, so a character split across two
 * writes (two WebSocket frames) decodes correctly. Malformed input (stray continuation
 * bytes, overlong forms, surrogates, values above U+10FFFF) yields U+FFFD, never a throw.
 */
export class Utf8Decoder {
  constructor() {
    this._need = 0;
    this._cp = 0;
    this._min = 0;
  }

  /** True while a multi-byte sequence is incomplete. */
  get pending() { return this._need > 0; }

  /** Drops a partial sequence, reporting it as one U+FFFD through `emit`. */
  flush(emit) {
    if (this._need > 0) {
      this._need = 0;
      emit(REPLACEMENT);
    }
  }

  /** Decodes one byte; calls `emit(codePoint)` for each finished character. */
  push(b, emit) {
    if (this._need > 0) {
      if ((b & 0xC0) === 0x80) {
        this._cp = (this._cp << 6) | (b & 0x3F);
        if (--this._need === 0) {
          const cp = this._cp;
          const bad = cp < this._min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF);
          emit(bad ? REPLACEMENT : cp);
        }
        return;
      }
      // The sequence was cut short: report it, then decode this byte afresh.
      this._need = 0;
      emit(REPLACEMENT);
    }
    if (b < 0x80) {
      emit(b);
    } else if (b >= 0xC2 && b <= 0xDF) {
      this._start(b & 0x1F, 1, 0x80);
    } else if (b >= 0xE0 && b <= 0xEF) {
      this._start(b & 0x0F, 2, 0x800);
    } else if (b >= 0xF0 && b <= 0xF4) {
      this._start(b & 0x07, 3, 0x10000);
    } else {
      emit(REPLACEMENT);
    }
  }

  _start(bits, need, min) {
    this._cp = bits;
    this._need = need;
    this._min = min;
  }
}

/** Encodes a string as UTF-8 bytes. */
export function utf8Encode(text) {
  return new TextEncoder().encode(text);
}
