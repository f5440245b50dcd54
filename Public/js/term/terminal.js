// SPDX-License-Identifier: Apache-2.0
// A VT100/ANSI terminal emulator as a pure model: bytes in, a grid of cells out. It has no
// DOM; view.js draws it. Covers what BIOS console redirection (PC-ANSI, VT100, VT100+,
// VT-UTF8) and Linux vt102/vt220 consoles use over Intel AMT SOL.

import { DEFAULT_BG, DEFAULT_FG, blankCell, defaultAttr } from './cell.js';
import { CP437, Utf8Decoder, decGraphics } from './charsets.js';
import { csiDispatch } from './csi.js';
import { Parser } from './parser.js';

export { DEFAULT_BG, DEFAULT_FG };

const TAB_WIDTH = 8;
const ESC = '\x1b';

/**
 * The terminal model. `write` accepts a string (already text) or bytes (a Uint8Array,
 * ArrayBuffer or array of numbers), which are decoded as CP437 (the default; bytes >= 0x80
 * are the PC character set incl. box drawing) or UTF-8 (`charset = 'utf-8'`).
 *
 * Cells carry `char, fg, bg, bold, underline, inverse, blink`. Colours are indexes: 0..15
 * for the ANSI/aixterm colours, 16..255 for the xterm 256-colour palette, or
 * `0x1000000 | rgb` for direct colour (SGR 38;2).
 * TODO(#5): wide (East Asian) characters and combining marks take one cell each.
 */
export class Terminal {
  constructor(cols = 80, rows = 25) {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 2 || rows < 2 ||
        cols > 1000 || rows > 1000) {
      throw new RangeError('terminal size out of range');
    }
    this.cols = cols;
    this.rows = rows;
    this._charset = 'cp437';
    this._utf8 = new Utf8Decoder();
    this._parser = new Parser(this);
    this._onResponse = null;
    this._onBell = null;
    this._onTitle = null;
    this._dirty = new Uint8Array(rows);
    this.reset();
  }

  /** Back to power-on state (RIS): clear screen, home cursor, default modes. */
  reset() {
    this._grid = Array.from({ length: this.rows }, () => this._blankRow(blankCell()));
    this.x = 0;
    this.y = 0;
    this.wrapPending = false;
    this.attr = defaultAttr();
    this.top = 0;
    this.bottom = this.rows - 1;
    this.modes = { autowrap: true, cursorVisible: true, originMode: false, insert: false,
      newline: false, applicationCursor: false };
    this._tabs = new Uint8Array(this.cols);
    for (let i = TAB_WIDTH; i < this.cols; i += TAB_WIDTH) this._tabs[i] = 1;
    this._charsets = ['ascii', 'ascii'];
    this._gl = 0;
    this._saved = null;
    this._parser.reset();
    this._dirty.fill(1);
  }

  /** 'cp437' or 'utf-8': how bytes >= 0x80 are decoded. */
  get charset() { return this._charset; }
  set charset(name) {
    if (name !== 'cp437' && name !== 'utf-8') throw new RangeError('unknown charset');
    this._charset = name;
    this._utf8 = new Utf8Decoder();
  }

  /** Rows of cells, top to bottom. Read-only: the arrays are the live model. */
  get screen() { return this._grid; }

  /** The cursor: zero-based column and row, and whether it is shown (DECTCEM). */
  get cursor() {
    return { x: this.x, y: this.y, visible: this.modes.cursorVisible };
  }

  /** Registers the sink for replies the terminal owes the host (CSI 6n, DA): bytes. */
  onResponse(cb) { this._onResponse = cb; }

  /** Registers a callback for BEL. */
  onBell(cb) { this._onBell = cb; }

  /** Registers a callback for window-title OSC 0/2 (text). */
  onTitle(cb) { this._onTitle = cb; }

  /** Feeds host output. */
  write(data) {
    if (typeof data === 'string') {
      for (const ch of data) this._parser.feed(ch.codePointAt(0));
      return;
    }
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    const feed = (cp) => this._parser.feed(cp);
    if (this._charset === 'utf-8') {
      for (let i = 0; i < bytes.length; i++) this._utf8.push(bytes[i] & 0xFF, feed);
    } else {
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i] & 0xFF;
        feed(b < 0x80 ? b : CP437[b - 0x80]);
      }
    }
  }

  /** The text of one row, trailing spaces kept. */
  lineText(y) { return this._grid[y].map((c) => c.char).join(''); }

  /** The whole screen as text, one line per row, trailing spaces trimmed. */
  text() {
    return this._grid.map((_, y) => this.lineText(y).replace(/ +$/, '')).join('\n');
  }

  /** Row indexes changed since the last call, ascending; clears the record. */
  takeDirtyRows() {
    const out = [];
    for (let y = 0; y < this.rows; y++) if (this._dirty[y]) out.push(y);
    this._dirty.fill(0);
    return out;
  }

  // --- Parser handler ---------------------------------------------------------------

  print(cp) {
    if (this._charsets[this._gl] === 'dec') cp = decGraphics(cp);
    if (this.wrapPending) {
      this.wrapPending = false;
      if (this.modes.autowrap) {
        this.x = 0;
        this.index();
      }
    }
    if (this.modes.insert) this.insertChars(1);
    const cell = this._grid[this.y][this.x];
    const a = this.attr;
    cell.char = String.fromCodePoint(cp);
    cell.fg = a.fg;
    cell.bg = a.bg;
    cell.bold = a.bold;
    cell.underline = a.underline;
    cell.inverse = a.inverse;
    cell.blink = a.blink;
    this._dirty[this.y] = 1;
    if (this.x < this.cols - 1) this.x++;
    else if (this.modes.autowrap) this.wrapPending = true;
  }

  execute(c) {
    switch (c) {
    case 0x07: if (this._onBell) this._onBell(); break;
    case 0x08: if (this.x > 0) this.x--; this.wrapPending = false; break;
    case 0x09: this.tab(); break;
    case 0x0A: case 0x0B: case 0x0C:
      if (this.modes.newline) this.x = 0;
      this.index();
      break;
    case 0x0D: this.x = 0; this.wrapPending = false; break;
    case 0x0E: this._gl = 1; break; // SO: invoke G1
    case 0x0F: this._gl = 0; break; // SI: invoke G0
    }
  }

  escDispatch(inter, final) {
    if (inter === '(' || inter === ')') {
      this._charsets[inter === '(' ? 0 : 1] = final === '0' ? 'dec' : 'ascii';
      return;
    }
    if (inter === '#' && final === '8') return this._alignmentTest();
    if (inter !== '') return;
    switch (final) {
    case '7': this.saveCursor(); break;
    case '8': this.restoreCursor(); break;
    case 'D': this.index(); break;
    case 'E': this.x = 0; this.index(); break;
    case 'M': this.reverseIndex(); break;
    case 'H': this._tabs[this.x] = 1; break;
    case 'c': this.reset(); break;
    }
  }

  csiDispatch(prefix, params, inter, final) {
    csiDispatch(this, prefix, params, inter, final);
  }

  oscDispatch(text) {
    const m = /^([02]);(.*)$/s.exec(text);
    if (m && this._onTitle) this._onTitle(m[2]);
  }

  // --- Operations (used by csi.js) ----------------------------------------------------

  respond(text) {
    if (this._onResponse) this._onResponse(new TextEncoder().encode(text));
  }

  reportCursor() {
    const row = this.y - (this.modes.originMode ? this.top : 0) + 1;
    this.respond(`${ESC}[${row};${this.x + 1}R`);
  }

  /** Moves to a zero-based position; rows count from the top margin in origin mode. */
  moveTo(x, y) {
    const lo = this.modes.originMode ? this.top : 0;
    const hi = this.modes.originMode ? this.bottom : this.rows - 1;
    this.x = clamp(x, 0, this.cols - 1);
    this.y = clamp(y + lo, lo, hi);
    this.wrapPending = false;
  }

  /** Vertical move by n rows that stops at a margin it would otherwise cross (CUU/CUD). */
  moveVertical(n) {
    if (n < 0) this.y = Math.max(this.y >= this.top ? this.top : 0, this.y + n);
    else this.y = Math.min(this.y <= this.bottom ? this.bottom : this.rows - 1, this.y + n);
    this.wrapPending = false;
  }

  moveHorizontal(n) {
    this.x = clamp(this.x + n, 0, this.cols - 1);
    this.wrapPending = false;
  }

  index() {
    this.wrapPending = false;
    if (this.y === this.bottom) this.scrollUp(this.top, this.bottom, 1);
    else if (this.y < this.rows - 1) this.y++;
  }

  reverseIndex() {
    this.wrapPending = false;
    if (this.y === this.top) this.scrollDown(this.top, this.bottom, 1);
    else if (this.y > 0) this.y--;
  }

  tab(count = 1) {
    for (let i = 0; i < count && this.x < this.cols - 1; i++) {
      do this.x++; while (this.x < this.cols - 1 && !this._tabs[this.x]);
    }
    this.wrapPending = false;
  }

  clearTabs(all) {
    if (all) this._tabs.fill(0);
    else this._tabs[this.x] = 0;
  }

  /** Scrolls rows top..bottom up by n, blank rows entering at the bottom. */
  scrollUp(top, bottom, n) {
    n = Math.min(n, bottom - top + 1);
    const removed = this._grid.splice(top, n);
    for (const row of removed) this._blankRowInPlace(row);
    this._grid.splice(bottom - n + 1, 0, ...removed);
    this._markDirty(top, bottom);
  }

  /** Scrolls rows top..bottom down by n, blank rows entering at the top. */
  scrollDown(top, bottom, n) {
    n = Math.min(n, bottom - top + 1);
    const removed = this._grid.splice(bottom - n + 1, n);
    for (const row of removed) this._blankRowInPlace(row);
    this._grid.splice(top, 0, ...removed);
    this._markDirty(top, bottom);
  }

  /** Blanks columns x0..x1-1 of row y with the current colours (background colour erase). */
  eraseCells(y, x0, x1) {
    const row = this._grid[y];
    for (let x = Math.max(0, x0); x < Math.min(x1, this.cols); x++) this._blank(row[x]);
    this._dirty[y] = 1;
  }

  insertChars(n) {
    const row = this._grid[this.y];
    n = Math.min(n, this.cols - this.x);
    const blanks = row.splice(this.cols - n, n);
    for (const c of blanks) this._blank(c);
    row.splice(this.x, 0, ...blanks);
    this._dirty[this.y] = 1;
  }

  deleteChars(n) {
    const row = this._grid[this.y];
    n = Math.min(n, this.cols - this.x);
    const gone = row.splice(this.x, n);
    for (const c of gone) this._blank(c);
    row.push(...gone);
    this._dirty[this.y] = 1;
  }

  /** DECSTBM: zero-based inclusive margins; ignored unless top < bottom. */
  setMargins(top, bottom) {
    if (top >= bottom || bottom >= this.rows) return;
    this.top = top;
    this.bottom = bottom;
    this.moveTo(0, 0);
  }

  saveCursor() {
    this._saved = { x: this.x, y: this.y, attr: { ...this.attr }, wrapPending: this.wrapPending,
      originMode: this.modes.originMode, charsets: [...this._charsets], gl: this._gl };
  }

  restoreCursor() {
    const s = this._saved;
    if (!s) {
      this.attr = defaultAttr();
      this.modes.originMode = false;
      this.moveTo(0, 0);
      return;
    }
    this.x = Math.min(s.x, this.cols - 1);
    this.y = Math.min(s.y, this.rows - 1);
    this.attr = { ...s.attr };
    this.wrapPending = s.wrapPending;
    this.modes.originMode = s.originMode;
    this._charsets = [...s.charsets];
    this._gl = s.gl;
  }

  // --- Internals --------------------------------------------------------------------

  _blank(cell) {
    Object.assign(cell, blankCell(this.attr.fg, this.attr.bg));
  }

  _blankRow(proto) {
    return Array.from({ length: this.cols }, () => ({ ...proto }));
  }

  _blankRowInPlace(row) {
    for (const c of row) this._blank(c);
  }

  _markDirty(from, to) {
    this._dirty.fill(1, from, to + 1);
  }

  _alignmentTest() { // DECALN: fill with 'E', reset margins, home
    for (const row of this._grid) {
      for (const c of row) Object.assign(c, blankCell(), { char: 'E' });
    }
    this.top = 0;
    this.bottom = this.rows - 1;
    this.modes.originMode = false;
    this.moveTo(0, 0);
    this._markDirty(0, this.rows - 1);
  }
}

function clamp(v, lo, hi) {
  return v < lo ? lo : v > hi ? hi : v;
}
