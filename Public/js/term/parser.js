// SPDX-License-Identifier: Apache-2.0
// Escape-sequence parser for the SOL terminal: a state machine over code points, shaped after
// the DEC/ECMA-48 parser model (ground, escape, CSI, control strings). It keeps all partial
// state between calls, so a sequence may be split at any byte across writes.

const GROUND = 0;
const ESCAPE = 1;
const ESCAPE_INTERMEDIATE = 2;
const CSI_PARAM = 3;
const CSI_INTERMEDIATE = 4;
const CSI_IGNORE = 5;
const OSC_STRING = 6;
const IGNORED_STRING = 7; // DCS, SOS, PM, APC: swallowed until ST
const STRING_ESCAPE = 8; // ESC seen inside a control string: ST (ESC \) or a new sequence

/** Bounds that keep hostile input from growing state: extra parameters are dropped. */
const MAX_PARAMS = 16;
const MAX_PARAM_VALUE = 9999;
const MAX_INTERMEDIATES = 4;
const MAX_OSC_LENGTH = 512;

/**
 * Turns code points into calls on a handler:
 * - `print(cp)` for a printable character;
 * - `execute(c)` for a C0 control (ESC, CAN and SUB excepted);
 * - `escDispatch(intermediates, final)` for ESC sequences (both strings);
 * - `csiDispatch(prefix, params, intermediates, final)`, where prefix is '' or one of
 *   `< = > ?` and params is an array of numbers (0 for an omitted parameter);
 * - `oscDispatch(text)` for an operating-system command.
 * C1 controls (0x80..0x9F as code points) are ignored; the byte stream is 7-bit in practice.
 */
export class Parser {
  constructor(handler) {
    this._h = handler;
    this.reset();
  }

  /** Forgets any partial sequence. */
  reset() {
    this._state = GROUND;
    this._prefix = '';
    this._params = [];
    this._current = 0;
    this._hasCurrent = false;
    this._inter = '';
    this._osc = '';
    this._stringState = IGNORED_STRING;
  }

  /** True when no sequence is in progress. */
  get idle() { return this._state === GROUND; }

  /** Feeds one code point. */
  feed(cp) {
    if (cp === 0x18 || cp === 0x1A) { // CAN, SUB: abort any sequence
      this._state = GROUND;
      return;
    }
    if (cp === 0x1B) {
      if (this._state === OSC_STRING || this._state === IGNORED_STRING) {
        this._stringState = this._state;
        this._state = STRING_ESCAPE;
      } else {
        this._enterEscape();
      }
      return;
    }
    switch (this._state) {
    case GROUND: return this._ground(cp);
    case ESCAPE: return this._escape(cp);
    case ESCAPE_INTERMEDIATE: return this._escapeIntermediate(cp);
    case CSI_PARAM: return this._csiParam(cp);
    case CSI_INTERMEDIATE: return this._csiIntermediate(cp);
    case CSI_IGNORE: return this._csiIgnore(cp);
    case OSC_STRING: return this._oscString(cp);
    case IGNORED_STRING: return this._ignoredString(cp);
    case STRING_ESCAPE: return this._stringEscape(cp);
    }
  }

  _enterEscape() {
    this._state = ESCAPE;
    this._inter = '';
  }

  _ground(cp) {
    if (cp < 0x20) this._h.execute(cp);
    else if (cp === 0x7F || (cp >= 0x80 && cp < 0xA0)) return;
    else this._h.print(cp);
  }

  _escape(cp) {
    if (cp < 0x20) return this._h.execute(cp);
    if (cp >= 0x20 && cp <= 0x2F) {
      this._inter = String.fromCharCode(cp);
      this._state = ESCAPE_INTERMEDIATE;
      return;
    }
    switch (cp) {
    case 0x5B: // [
      this._state = CSI_PARAM;
      this._prefix = '';
      this._params = [];
      this._current = 0;
      this._hasCurrent = false;
      this._inter = '';
      return;
    case 0x5D: // ]
      this._state = OSC_STRING;
      this._osc = '';
      return;
    case 0x50: case 0x58: case 0x5E: case 0x5F: // P X ^ _
      this._state = IGNORED_STRING;
      return;
    }
    this._state = GROUND;
    if (cp >= 0x30 && cp <= 0x7E) this._h.escDispatch('', String.fromCharCode(cp));
  }

  _escapeIntermediate(cp) {
    if (cp < 0x20) return this._h.execute(cp);
    if (cp <= 0x2F) {
      if (this._inter.length < MAX_INTERMEDIATES) this._inter += String.fromCharCode(cp);
      return;
    }
    this._state = GROUND;
    if (cp <= 0x7E) this._h.escDispatch(this._inter, String.fromCharCode(cp));
  }

  _csiParam(cp) {
    if (cp < 0x20) return this._h.execute(cp);
    if (cp >= 0x30 && cp <= 0x39) {
      this._current = Math.min(this._current * 10 + (cp - 0x30), MAX_PARAM_VALUE);
      this._hasCurrent = true;
    } else if (cp === 0x3B || cp === 0x3A) { // ; and the ':' sub-parameter separator
      this._pushParam();
    } else if (cp >= 0x3C && cp <= 0x3F) {
      const fresh = this._prefix === '' && this._params.length === 0 && !this._hasCurrent;
      if (fresh) this._prefix = String.fromCharCode(cp);
      else this._state = CSI_IGNORE;
    } else if (cp >= 0x20 && cp <= 0x2F) {
      this._inter = String.fromCharCode(cp);
      this._state = CSI_INTERMEDIATE;
    } else if (cp >= 0x40 && cp <= 0x7E) {
      this._dispatchCsi(cp);
    } else if (cp !== 0x7F) {
      this._state = CSI_IGNORE;
    }
  }

  _csiIntermediate(cp) {
    if (cp < 0x20) return this._h.execute(cp);
    if (cp <= 0x2F) {
      if (this._inter.length < MAX_INTERMEDIATES) this._inter += String.fromCharCode(cp);
    } else if (cp >= 0x40 && cp <= 0x7E) {
      this._dispatchCsi(cp);
    } else if (cp !== 0x7F) {
      this._state = CSI_IGNORE;
    }
  }

  _csiIgnore(cp) {
    if (cp < 0x20) return this._h.execute(cp);
    if (cp >= 0x40 && cp <= 0x7E) this._state = GROUND;
  }

  _pushParam() {
    if (this._params.length < MAX_PARAMS) this._params.push(this._current);
    this._current = 0;
    this._hasCurrent = false;
  }

  _dispatchCsi(cp) {
    if (this._hasCurrent || this._params.length > 0) this._pushParam();
    this._state = GROUND;
    this._h.csiDispatch(this._prefix, this._params, this._inter, String.fromCharCode(cp));
  }

  _oscString(cp) {
    if (cp === 0x07) { // BEL ends an OSC, as xterm allows
      this._state = GROUND;
      this._h.oscDispatch(this._osc);
    } else if (cp >= 0x20 && this._osc.length < MAX_OSC_LENGTH) {
      this._osc += String.fromCodePoint(cp);
    }
  }

  _ignoredString(_cp) {}

  _stringEscape(cp) {
    const was = this._stringState;
    if (cp === 0x5C) { // ESC \ is ST
      this._state = GROUND;
      if (was === OSC_STRING) this._h.oscDispatch(this._osc);
      return;
    }
    // Any other ESC sequence ends the string and starts anew.
    this._enterEscape();
    this._escape(cp);
  }
}
