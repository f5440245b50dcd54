// SPDX-License-Identifier: Apache-2.0
// Draws a Terminal model into a DOM grid: one block element per row, one span per run of
// cells with the same rendition. Only rows the model marks dirty (plus the rows the cursor
// left and entered) are rebuilt. Text goes in with textContent, never as HTML.

/** The 16 VGA text-mode colours, as BIOS consoles show them. */
export const PALETTE = Object.freeze([
  '#000000', '#aa0000', '#00aa00', '#aa5500', '#0000aa', '#aa00aa', '#00aaaa', '#aaaaaa',
  '#555555', '#ff5555', '#55ff55', '#ffff55', '#5555ff', '#ff55ff', '#55ffff', '#ffffff',
]);

const CUBE = [0, 95, 135, 175, 215, 255];

function hex2(v) { return v.toString(16).padStart(2, '0'); }

/** CSS colour for a cell colour value (see Terminal: 0..255 or 0x1000000 | rgb). */
export function colourCss(c) {
  if (c >= 0x1000000) return `#${(c & 0xFFFFFF).toString(16).padStart(6, '0')}`;
  if (c < 16) return PALETTE[c];
  if (c < 232) {
    const i = c - 16;
    return `#${hex2(CUBE[Math.floor(i / 36)])}${hex2(CUBE[Math.floor(i / 6) % 6])}` +
      hex2(CUBE[i % 6]);
  }
  const g = 8 + (c - 232) * 10;
  return `#${hex2(g)}${hex2(g)}${hex2(g)}`;
}

/** The colours a cell is drawn in, after bold-as-bright and inverse. */
export function cellColours(cell, { boldBright = true, cursor = false } = {}) {
  let fg = cell.fg;
  if (boldBright && cell.bold && fg < 8) fg += 8;
  let bg = cell.bg;
  if (cell.inverse !== cursor) [fg, bg] = [bg, fg];
  return { fg: colourCss(fg), bg: colourCss(bg) };
}

/**
 * Renders `terminal` into `container` (for example a <pre>). Call `render()` after writes,
 * or `scheduleRender()` to coalesce many writes into one animation frame.
 */
export class TerminalView {
  constructor(terminal, container, options = {}) {
    this.terminal = terminal;
    this.container = container;
    this._doc = options.document || container.ownerDocument;
    this._boldBright = options.boldBright !== false;
    this._raf = options.requestAnimationFrame ||
      ((fn) => globalThis.requestAnimationFrame(fn));
    this._scheduled = false;
    this._cursorRow = -1;
    this._rows = [];
    for (let y = 0; y < terminal.rows; y++) {
      const row = this._doc.createElement('div');
      row.className = 'term-row';
      container.appendChild(row);
      this._rows.push(row);
    }
    this.terminal.takeDirtyRows(); // everything is drawn by the first render
    this._drawAll = true;
  }

  /** Requests a render on the next animation frame; repeated calls coalesce. */
  scheduleRender() {
    if (this._scheduled) return;
    this._scheduled = true;
    this._raf(() => {
      this._scheduled = false;
      this.render();
    });
  }

  /** Redraws dirty rows now; returns how many rows were rebuilt. */
  render() {
    const t = this.terminal;
    const rows = new Set(t.takeDirtyRows());
    if (this._drawAll) {
      for (let y = 0; y < t.rows; y++) rows.add(y);
      this._drawAll = false;
    }
    const cur = t.cursor;
    const cursorRow = cur.visible ? cur.y : -1;
    if (cursorRow !== this._cursorRow) {
      if (this._cursorRow >= 0) rows.add(this._cursorRow);
      if (cursorRow >= 0) rows.add(cursorRow);
    } else if (cursorRow >= 0) {
      rows.add(cursorRow); // the column may have moved
    }
    this._cursorRow = cursorRow;
    for (const y of rows) this._drawRow(y, y === cursorRow ? cur.x : -1);
    return rows.size;
  }

  _drawRow(y, cursorX) {
    const cells = this.terminal.screen[y];
    const spans = [];
    let start = 0;
    for (let x = 1; x <= cells.length; x++) {
      if (x < cells.length && x !== cursorX && x - 1 !== cursorX &&
          sameRendition(cells[x], cells[start])) continue;
      spans.push(this._span(cells, start, x, start === cursorX));
      start = x;
    }
    this._rows[y].replaceChildren(...spans);
  }

  _span(cells, from, to, cursor) {
    const span = this._doc.createElement('span');
    const c = cells[from];
    const { fg, bg } = cellColours(c, { boldBright: this._boldBright, cursor });
    span.style.color = fg;
    span.style.backgroundColor = bg;
    const cls = [];
    if (c.bold) cls.push('term-bold');
    if (c.underline) cls.push('term-underline');
    if (c.blink) cls.push('term-blink');
    if (cursor) cls.push('term-cursor');
    span.className = cls.join(' ');
    let text = '';
    for (let x = from; x < to; x++) text += cells[x].char;
    span.textContent = text;
    return span;
  }
}

function sameRendition(a, b) {
  return a.fg === b.fg && a.bg === b.bg && a.bold === b.bold && a.underline === b.underline &&
    a.inverse === b.inverse && a.blink === b.blink;
}
