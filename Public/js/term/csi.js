// SPDX-License-Identifier: Apache-2.0
// CSI sequence handling for the terminal model (ECMA-48 / VT100 / xterm subset): cursor
// movement, erasing, insert/delete, SGR, margins, modes and status reports.

import { DEFAULT_BG, DEFAULT_FG, defaultAttr } from './cell.js';

const ESC = '\x1b';

/** Executes one CSI sequence on terminal `t`. Unknown sequences are ignored. */
export function csiDispatch(t, prefix, params, inter, final) {
  if (prefix === '?') return privateMode(t, params, final);
  if (prefix !== '' || inter !== '') return; // e.g. CSI > c, CSI ! p: not emulated
  const p = (i, def = 1) => params[i] || def; // 0 and omitted both mean the default
  switch (final) {
  case 'A': t.moveVertical(-p(0)); break;
  case 'B': case 'e': t.moveVertical(p(0)); break;
  case 'C': case 'a': t.moveHorizontal(p(0)); break;
  case 'D': t.moveHorizontal(-p(0)); break;
  case 'E': t.moveVertical(p(0)); t.x = 0; break;
  case 'F': t.moveVertical(-p(0)); t.x = 0; break;
  case 'G': case '`': t.x = Math.min(p(0), t.cols) - 1; t.wrapPending = false; break;
  case 'd': t.moveTo(t.x, p(0) - 1); break;
  case 'H': case 'f': t.moveTo(p(1) - 1, p(0) - 1); break;
  case 'I': t.tab(p(0)); break;
  case 'J': eraseDisplay(t, params[0] || 0); break;
  case 'K': eraseLine(t, params[0] || 0); break;
  case 'L': lines(t, p(0), true); break;
  case 'M': lines(t, p(0), false); break;
  case '@': t.insertChars(p(0)); break;
  case 'P': t.deleteChars(p(0)); break;
  case 'X': t.eraseCells(t.y, t.x, t.x + p(0)); break;
  case 'S': t.scrollUp(t.top, t.bottom, p(0)); break;
  case 'T': if (params.length <= 1) t.scrollDown(t.top, t.bottom, p(0)); break;
  case 'g': if (!params[0]) t.clearTabs(false); else if (params[0] === 3) t.clearTabs(true);
    break;
  case 'm': sgr(t, params); break;
  case 'r': t.setMargins(p(0) - 1, p(1, t.rows) - 1); break;
  case 's': if (params.length === 0) t.saveCursor(); break;
  case 'u': if (params.length === 0) t.restoreCursor(); break;
  case 'n':
    if (params[0] === 5) t.respond(`${ESC}[0n`);
    else if (params[0] === 6) t.reportCursor();
    break;
  case 'c': if (!params[0]) t.respond(`${ESC}[?1;2c`); break; // VT100 with AVO
  case 'h': case 'l': ansiMode(t, params, final === 'h'); break;
  }
}

function eraseDisplay(t, mode) {
  if (mode === 0) {
    t.eraseCells(t.y, t.x, t.cols);
    for (let y = t.y + 1; y < t.rows; y++) t.eraseCells(y, 0, t.cols);
  } else if (mode === 1) {
    for (let y = 0; y < t.y; y++) t.eraseCells(y, 0, t.cols);
    t.eraseCells(t.y, 0, t.x + 1);
  } else if (mode === 2 || mode === 3) {
    for (let y = 0; y < t.rows; y++) t.eraseCells(y, 0, t.cols);
  }
}

function eraseLine(t, mode) {
  if (mode === 0) t.eraseCells(t.y, t.x, t.cols);
  else if (mode === 1) t.eraseCells(t.y, 0, t.x + 1);
  else if (mode === 2) t.eraseCells(t.y, 0, t.cols);
}

/** IL / DL: only inside the scroll region; the cursor goes to the first column. */
function lines(t, n, insert) {
  if (t.y < t.top || t.y > t.bottom) return;
  if (insert) t.scrollDown(t.y, t.bottom, n);
  else t.scrollUp(t.y, t.bottom, n);
  t.x = 0;
  t.wrapPending = false;
}

function ansiMode(t, params, on) {
  for (const m of params) {
    if (m === 4) t.modes.insert = on; // IRM
    else if (m === 20) t.modes.newline = on; // LNM
  }
}

// TODO(#5): the alternate screen (?47, ?1049) and 132-column mode (?3) are ignored.
function privateMode(t, params, final) {
  if (final !== 'h' && final !== 'l') return;
  const on = final === 'h';
  for (const m of params) {
    switch (m) {
    case 1: t.modes.applicationCursor = on; break; // DECCKM
    case 6: t.modes.originMode = on; t.moveTo(0, 0); break; // DECOM
    case 7: t.modes.autowrap = on; if (!on) t.wrapPending = false; break; // DECAWM
    case 25: t.modes.cursorVisible = on; t._dirty[t.y] = 1; break; // DECTCEM
    }
  }
}

/** SGR: select graphic rendition. */
function sgr(t, params) {
  const a = t.attr;
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const n = params[i];
    if (n === 0) {
      Object.assign(a, defaultAttr());
    } else if (n === 1) a.bold = true;
    else if (n === 4) a.underline = true;
    else if (n === 5 || n === 6) a.blink = true;
    else if (n === 7) a.inverse = true;
    else if (n === 21 || n === 22) a.bold = false;
    else if (n === 24) a.underline = false;
    else if (n === 25) a.blink = false;
    else if (n === 27) a.inverse = false;
    else if (n >= 30 && n <= 37) a.fg = n - 30;
    else if (n === 39) a.fg = DEFAULT_FG;
    else if (n >= 40 && n <= 47) a.bg = n - 40;
    else if (n === 49) a.bg = DEFAULT_BG;
    else if (n >= 90 && n <= 97) a.fg = n - 90 + 8;
    else if (n >= 100 && n <= 107) a.bg = n - 100 + 8;
    else if (n === 38 || n === 48) {
      const [colour, used] = extendedColour(params, i + 1);
      if (colour >= 0) a[n === 38 ? 'fg' : 'bg'] = colour;
      i += used;
    }
  }
}

/** Parses `5;n` or `2;r;g;b` after SGR 38/48; returns [colour or -1, params consumed]. */
function extendedColour(params, i) {
  if (params[i] === 5) {
    const n = params[i + 1];
    return [n !== undefined && n <= 255 ? n : -1, 2];
  }
  if (params[i] === 2) {
    const [r, g, b] = [params[i + 1], params[i + 2], params[i + 3]];
    if ([r, g, b].some((v) => v === undefined || v > 255)) return [-1, 4];
    return [0x1000000 | (r << 16) | (g << 8) | b, 4];
  }
  return [-1, 0];
}
