// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Terminal } from '../../Public/js/term/terminal.js';
import { TerminalView, colourCss } from '../../Public/js/term/view.js';

/** Just enough DOM for the view: elements with children, style, class and text. */
class FakeElement {
  constructor(tag) {
    this.tagName = tag;
    this.children = [];
    this.style = {};
    this.className = '';
    this.textContent = '';
    this.replaced = 0;
  }

  appendChild(c) { this.children.push(c); }

  replaceChildren(...c) {
    this.children = c;
    this.replaced++;
  }
}

const fakeDocument = { createElement: (tag) => new FakeElement(tag) };

function rowText(row) { return row.children.map((s) => s.textContent).join(''); }

describe('TerminalView', () => {
  it('should draw runs of equal rendition as spans with the VGA colours', () => {
    const t = new Terminal(6, 2);
    const box = new FakeElement('pre');
    const view = new TerminalView(t, box, { document: fakeDocument });
    t.write('\x1b[31;44mab\x1b[0mcd\x1b[?25l');
    view.render();
    const row = box.children[0];
    assert.equal(rowText(row), 'abcd  ');
    assert.equal(row.children[0].textContent, 'ab');
    assert.equal(row.children[0].style.color, '#aa0000');
    assert.equal(row.children[0].style.backgroundColor, '#0000aa');
    assert.equal(row.children[1].style.color, '#aaaaaa');
  });

  it('should rebuild only dirty rows and the rows the cursor left and entered', () => {
    const t = new Terminal(6, 4);
    const box = new FakeElement('pre');
    const view = new TerminalView(t, box, { document: fakeDocument });
    assert.equal(view.render(), 4);
    t.write('\x1b[3;1Hx');
    assert.equal(view.render(), 2); // row 0 (cursor left) and row 2
    assert.deepEqual(box.children.map((r) => r.replaced), [2, 1, 2, 1]);
    assert.equal(view.render(), 1); // only the cursor row
  });

  it('should draw the cursor cell inverted', () => {
    const t = new Terminal(4, 2);
    const box = new FakeElement('pre');
    const view = new TerminalView(t, box, { document: fakeDocument });
    t.write('ab\x1b[1;2H');
    view.render();
    const spans = box.children[0].children;
    assert.deepEqual(spans.map((s) => s.textContent), ['a', 'b', '  ']);
    assert.equal(spans[1].className, 'term-cursor');
    assert.equal(spans[1].style.color, '#000000');
    assert.equal(spans[1].style.backgroundColor, '#aaaaaa');
  });

  it('should map palette, cube, grey and direct colours', () => {
    assert.equal(colourCss(9), '#ff5555');
    assert.equal(colourCss(196), '#ff0000');
    assert.equal(colourCss(232), '#080808');
    assert.equal(colourCss(0x1000000 | 0x123456), '#123456');
  });
});
