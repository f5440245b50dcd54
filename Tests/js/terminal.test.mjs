// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Terminal } from '../../Public/js/term/terminal.js';
import { splits } from './helpers.mjs';

const enc = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0)); // latin-1 bytes

/** Runs `check` on a fresh terminal after feeding `input` in every split pattern. */
function each(input, check, { cols = 20, rows = 6, setup } = {}) {
  const bytes = typeof input === 'string' ? enc(input) : input;
  for (const [label, chunks] of splits(bytes)) {
    const t = new Terminal(cols, rows);
    if (setup) setup(t);
    for (const c of chunks) t.write(c);
    try {
      check(t);
    } catch (e) {
      e.message = `[${label}] ${e.message}`;
      throw e;
    }
  }
}

const line = (t, y) => t.lineText(y).replace(/ +$/, '');

describe('Terminal text and cursor', () => {
  it('should print text and handle CR, LF, BS and TAB', () => {
    each('ab\x08c\r\nx\ty\rZ', (t) => {
      assert.equal(line(t, 0), 'ac');
      assert.equal(line(t, 1), 'Z       y');
      assert.deepEqual(t.cursor, { x: 1, y: 1, visible: true });
    });
  });

  it('should move with CSI A/B/C/D, H, f, G and d, clamped to the screen', () => {
    each('\x1b[3;5H1\x1b[2A2\x1b[10B3\x1b[99D4\x1b[3C5\x1b[2;2f6\x1b[7G7\x1b[4d8', (t) => {
      assert.equal(line(t, 0), '     2');
      assert.equal(line(t, 1), ' 6    7');
      assert.equal(line(t, 2), '    1');
      assert.equal(line(t, 3), '       8');
      assert.equal(line(t, 4), '');
      assert.equal(line(t, 5), '4   5 3');
    });
  });

  it('should treat omitted and zero parameters as 1 and clamp huge counts', () => {
    each('\x1b[;3HX\x1b[0;0HY\x1b[99999999999C!', (t) => {
      assert.equal(line(t, 0), 'Y X' + ' '.repeat(16) + '!');
      assert.equal(t.screen[0][2].char, 'X');
    });
  });

  it('should wrap at the right margin only when the next character arrives', () => {
    each('0123456789\x1b[6n', (t) => {
      assert.deepEqual(t.cursor, { x: 9, y: 0, visible: true });
    }, { cols: 10 });
    each('0123456789AB', (t) => {
      assert.equal(line(t, 0), '0123456789');
      assert.equal(line(t, 1), 'AB');
    }, { cols: 10 });
  });

  it('should overwrite the last column when autowrap is off (DECRST ?7)', () => {
    each('\x1b[?7l0123456789AB\x1b[?7h', (t) => {
      assert.equal(line(t, 0), '012345678B');
      assert.equal(line(t, 1), '');
    }, { cols: 10 });
  });

  it('should hide and show the cursor with ?25', () => {
    each('\x1b[?25l', (t) => assert.equal(t.cursor.visible, false));
    each('\x1b[?25l\x1b[?25h', (t) => assert.equal(t.cursor.visible, true));
  });

  it('should answer CSI 6n with the one-based position', () => {
    each('\x1b[4;7Hab\x1b[6n', (t) => {
      assert.deepEqual(t.replies, ['\x1b[4;9R']);
    }, { setup: (t) => {
      t.replies = [];
      t.onResponse((b) => t.replies.push(new TextDecoder().decode(b)));
    } });
  });

  it('should save and restore the cursor with ESC 7/8 and CSI s/u, attributes included', () => {
    each('\x1b[2;3H\x1b[31m\x1b7\x1b[5;1H\x1b[0mX\x1b8Y\x1b[3;4H\x1b[s\x1b[HZ\x1b[uW', (t) => {
      assert.equal(t.screen[1][2].char, 'Y');
      assert.equal(t.screen[1][2].fg, 1);
      assert.equal(t.screen[4][0].fg, 7);
      assert.equal(t.screen[0][0].char, 'Z');
      assert.equal(t.screen[2][3].char, 'W');
    });
  });

  it('should honour custom tab stops (ESC H, CSI g, CSI 3 g)', () => {
    each('\x1b[3g\x1b[5G\x1bH\r\tA\tB', (t) => {
      assert.equal(line(t, 0), '    A' + ' '.repeat(14) + 'B');
    });
    each('\x1b[9G\x1b[g\r\tC\tD', (t) => {
      assert.equal(line(t, 0), ' '.repeat(16) + 'C  D');
    });
  });
});

describe('Terminal erasing', () => {
  const fill = 'aaaaa\r\nbbbbb\r\nccccc\r\nddddd\x1b[2;3H';
  const cases = [
    ['J 0 (cursor to end)', '\x1b[J', ['aaaaa', 'bb', '', '']],
    ['J 1 (start to cursor)', '\x1b[1J', ['', '   bb', 'ccccc', 'ddddd']],
    ['J 2 (all)', '\x1b[2J', ['', '', '', '']],
    ['K 0 (cursor to end of line)', '\x1b[K', ['aaaaa', 'bb', 'ccccc', 'ddddd']],
    ['K 1 (start of line to cursor)', '\x1b[1K', ['aaaaa', '   bb', 'ccccc', 'ddddd']],
    ['K 2 (whole line)', '\x1b[2K', ['aaaaa', '', 'ccccc', 'ddddd']],
  ];
  for (const [name, seq, want] of cases) {
    it(`should erase with ${name}`, () => {
      each(fill + seq, (t) => {
        assert.deepEqual([0, 1, 2, 3].map((y) => line(t, y)), want);
        assert.deepEqual([t.cursor.x, t.cursor.y], [2, 1]);
      }, { cols: 5, rows: 4 });
    });
  }

  it('should erase in the current background colour', () => {
    each('\x1b[44m\x1b[2J\x1b[0m', (t) => {
      assert.ok(t.screen.every((row) => row.every((c) => c.bg === 4 && c.char === ' ')));
    }, { cols: 4, rows: 3 });
  });

  it('should insert and delete characters and lines', () => {
    each('abcdef\x1b[1;2H\x1b[2@\x1b[1;6H\x1b[P', (t) => {
      assert.equal(line(t, 0), 'a  bcef');
    }, { cols: 8 });
    each('1\r\n2\r\n3\r\n4\x1b[2H\x1b[L\x1b[4H\x1b[2M', (t) => {
      assert.deepEqual([0, 1, 2, 3].map((y) => line(t, y)), ['1', '', '2', '']);
    }, { cols: 5, rows: 4 });
  });
});

describe('Terminal SGR', () => {
  it('should set colours, bold, underline, blink and inverse, and reset them', () => {
    each('\x1b[1;4;5;7;32;41mA\x1b[22;24;25;27mB\x1b[39;49mC\x1b[mD', (t) => {
      const [a, b, c, d] = t.screen[0];
      assert.deepEqual(a, { char: 'A', fg: 2, bg: 1, bold: true, underline: true,
        inverse: true, blink: true });
      assert.deepEqual(b, { char: 'B', fg: 2, bg: 1, bold: false, underline: false,
        inverse: false, blink: false });
      assert.deepEqual([c.fg, c.bg], [7, 0]);
      assert.deepEqual([d.fg, d.bg, d.bold], [7, 0, false]);
    });
  });

  it('should map 90-97 and 100-107 to the bright colours 8-15', () => {
    each('\x1b[90;107mA\x1b[97;100mB', (t) => {
      assert.deepEqual([t.screen[0][0].fg, t.screen[0][0].bg], [8, 15]);
      assert.deepEqual([t.screen[0][1].fg, t.screen[0][1].bg], [15, 8]);
    });
  });

  it('should parse 256-colour and direct-colour forms without misreading their numbers', () => {
    each('\x1b[38;5;196;48;2;1;2;3;4mA', (t) => {
      const a = t.screen[0][0];
      assert.equal(a.fg, 196);
      assert.equal(a.bg, 0x1000000 | 0x010203);
      assert.equal(a.underline, true);
    });
  });
});

describe('Terminal scrolling', () => {
  it('should scroll the whole screen on LF at the bottom', () => {
    each('1\r\n2\r\n3\r\n4', (t) => {
      assert.deepEqual([0, 1, 2].map((y) => line(t, y)), ['2', '3', '4']);
    }, { cols: 4, rows: 3 });
  });

  it('should scroll only inside the region set by CSI r', () => {
    each('top\x1b[5;1Hbot\x1b[2;4r\x1b[2;1Ha\r\nb\r\nc\r\nd\r\ne', (t) => {
      assert.deepEqual([0, 1, 2, 3, 4].map((y) => line(t, y)), ['top', 'c', 'd', 'e', 'bot']);
      assert.deepEqual([t.cursor.x, t.cursor.y], [1, 3]);
    }, { cols: 5, rows: 5 });
  });

  it('should home the cursor on CSI r and ignore an inverted region', () => {
    each('\x1b[3;3H\x1b[2;4r', (t) => assert.deepEqual([t.cursor.x, t.cursor.y], [0, 0]),
      { rows: 5 });
    each('\x1b[3;3H\x1b[4;2r', (t) => assert.deepEqual([t.cursor.x, t.cursor.y], [2, 2]),
      { rows: 5 });
  });

  it('should scroll down at the top margin with ESC M and move with ESC D / ESC E', () => {
    each('a\r\nb\r\nc\x1b[1;3r\x1b[H\x1bMX', (t) => {
      assert.deepEqual([0, 1, 2, 3].map((y) => line(t, y)), ['X', 'a', 'b', '']);
    }, { cols: 4, rows: 4 });
    each('ab\x1bDc\x1bEd', (t) => {
      assert.deepEqual([0, 1, 2].map((y) => line(t, y)), ['ab', '  c', 'd']);
    }, { cols: 4, rows: 4 });
  });

  it('should stop CUU/CUD at the margins when inside the region', () => {
    each('\x1b[2;4r\x1b[3;1H\x1b[9A1\x1b[9B2', (t) => {
      assert.equal(t.screen[1][0].char, '1');
      assert.equal(t.screen[3][1].char, '2');
    }, { cols: 4, rows: 5 });
  });
});

describe('Terminal character sets', () => {
  it('should draw CP437 box drawing for bytes >= 0x80', () => {
    const box = Uint8Array.of(0xC9, 0xCD, 0xBB, 0x0D, 0x0A, 0xBA, 0x20, 0xBA, 0x0D, 0x0A,
      0xC8, 0xCD, 0xBC, 0x0D, 0x0A, 0xDA, 0xC4, 0xBF, 0xB0, 0xB1, 0xB2, 0xDB, 0x80, 0xE1);
    each(box, (t) => {
      assert.equal(t.text(), '╔═╗\n║ ║\n╚═╝\n┌─┐░▒▓█Çß');
    }, { cols: 12, rows: 4 });
  });

  it('should decode UTF-8 split across writes when switched to UTF-8', () => {
    const bytes = new TextEncoder().encode('é€😀╔x');
    each(bytes, (t) => assert.equal(line(t, 0), 'é€😀╔x'),
      { setup: (t) => { t.charset = 'utf-8'; } });
  });

  it('should replace malformed UTF-8 with U+FFFD and keep going', () => {
    each(Uint8Array.of(0xC3, 0x41, 0x80, 0xE2, 0x82, 0x1B, 0x5B, 0x43, 0x42, 0xC0, 0xAF),
      (t) => assert.equal(line(t, 0), '\uFFFDA\uFFFD\uFFFD B\uFFFD\uFFFD'),
      { setup: (t) => { t.charset = 'utf-8'; } });
  });

  it('should use DEC special graphics after ESC ( 0 and return with ESC ( B', () => {
    each('\x1b(0lqk\x1b(Bq\x0e\x0f', (t) => assert.equal(line(t, 0), '┌─┐q'));
    each('\x1b)0a\x0eq\x0fq', (t) => assert.equal(line(t, 0), 'a─q'));
  });
});

describe('Terminal parser robustness', () => {
  it('should ignore unknown and aborted sequences without printing their bytes', () => {
    each('a\x1b[?1049h\x1b[>c\x1b]0;title\x07\x1bP1$r\x1b\\\x1b[12\x18b\x1b[1;2$pc', (t) => {
      assert.equal(line(t, 0), 'abc');
    });
  });

  it('should report OSC titles', () => {
    each('\x1b]2;BIOS\x1b\\', (t) => assert.deepEqual(t.titles, ['BIOS']), {
      setup: (t) => { t.titles = []; t.onTitle((s) => t.titles.push(s)); },
    });
  });

  it('should execute C0 controls inside a CSI sequence', () => {
    each('ab\x1b[\r2Cx', (t) => assert.equal(line(t, 0), 'abx'));
  });

  it('should not clear the screen on the letter J (R-14)', () => {
    each('Jan 01', (t) => assert.equal(line(t, 0), 'Jan 01'));
  });

  it('should survive random bytes and stay within bounds', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const t = new Terminal(13, 7);
      let a = seed;
      const bytes = Uint8Array.from({ length: 4000 }, () => {
        a = (a * 1103515245 + 12345) >>> 0;
        const v = a >>> 24;
        return v % 5 === 0 ? 0x1B : v % 7 === 0 ? 0x5B : v;
      });
      t.charset = seed % 2 ? 'utf-8' : 'cp437';
      t.write(bytes);
      assert.equal(t.screen.length, 7);
      assert.ok(t.screen.every((r) => r.length === 13));
      assert.ok(t.cursor.x >= 0 && t.cursor.x < 13 && t.cursor.y >= 0 && t.cursor.y < 7);
    }
  });

  it('should track dirty rows', () => {
    const t = new Terminal(10, 5);
    t.takeDirtyRows();
    t.write('\x1b[3;1Hx');
    assert.deepEqual(t.takeDirtyRows(), [2]);
    assert.deepEqual(t.takeDirtyRows(), []);
  });

  it('should reset everything on ESC c', () => {
    each('\x1b[31mabc\x1b[2;3r\x1b[?7l\x1bc', (t) => {
      assert.equal(t.text(), '\n\n\n\n\n');
      assert.equal(t.modes.autowrap, true);
      assert.deepEqual([t.top, t.bottom], [0, 5]);
    });
  });
});
