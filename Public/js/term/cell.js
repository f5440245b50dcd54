// SPDX-License-Identifier: Apache-2.0
// Cell and attribute shapes shared by the terminal model and its CSI handling.

/** Colour index of the default foreground (light grey) and background (black). */
export const DEFAULT_FG = 7;
export const DEFAULT_BG = 0;

/** A blank cell in the given colours. */
export function blankCell(fg = DEFAULT_FG, bg = DEFAULT_BG) {
  return { char: ' ', fg, bg, bold: false, underline: false, inverse: false, blink: false };
}

/** The power-on rendition. */
export function defaultAttr() {
  return { fg: DEFAULT_FG, bg: DEFAULT_BG, bold: false, underline: false, inverse: false,
    blink: false };
}
