// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { Framebuffer } from '../../Public/js/kvm/framebuffer.js';
import { RfbClient } from '../../Public/js/kvm/rfb.js';
import { FakeClock, concat, hex, prng, splits, toHex } from './helpers.mjs';
import {
  HANDSHAKE, MODE_MAX, TileEncoder, expectedRgba, rectHeader, syncFlushed, updateHeader,
  zrleRect,
} from './rfbserver.mjs';

function client(options = {}) {
  const sent = [];
  const events = [];
  const fb = new Framebuffer();
  const clock = new FakeClock();
  const rfb = new RfbClient({ send: (b) => sent.push(Uint8Array.from(b)), target: fb, clock,
    onEvent: (type, detail) => events.push([type, detail]), ...options });
  return { rfb, fb, sent, events, clock, take: () => toHex(concat(...sent.splice(0))) };
}

const CLIENT_HELLO = '52 46 42 20 30 30 33 2e 30 30 38 0a 01 01';
const SET_ENCODINGS = '02 00 00 03 00 00 00 10 00 00 00 00 ff ff ff 21';
const PIXEL_FORMATS = {
  rgb565: '',
  rgb332: '00 00 00 00 08 08 00 01 00 07 00 07 00 03 05 02 00 00 00 00 ',
  grey8: '00 00 00 00 08 08 00 01 00 ff 00 00 00 00 00 00 00 00 00 00 ',
  grey4: '00 00 00 00 08 04 00 01 00 0f 00 00 00 00 00 00 00 00 00 00 ',
};

describe('RFB handshake', () => {
  it('should answer AMT\'s handshake with the exact bytes (spec A15), split anywhere', () => {
    const server = HANDSHAKE(800, 600);
    for (const [label, chunks] of splits(server)) {
      const c = client();
      for (const ch of chunks) c.rfb.receive(ch);
      assert.equal(c.take(),
        `${CLIENT_HELLO} ${SET_ENCODINGS} 03 00 00 00 00 00 03 20 02 58`, label);
      assert.deepEqual(c.events, [['init', { width: 800, height: 600,
        name: 'Intel(r) AMT KVM' }]]);
      assert.deepEqual([c.fb.width, c.fb.height], [800, 600]);
    }
  });

  it('should send SetPixelFormat for RGB332 and advertise the data channel when asked', () => {
    const c = client({ colourMode: 'rgb332', dataChannel: true });
    c.rfb.receive(HANDSHAKE(1024, 768));
    assert.equal(c.take(), `${CLIENT_HELLO} ${PIXEL_FORMATS.rgb332}` +
      '02 00 00 04 00 00 00 10 00 00 00 00 00 00 04 44 ff ff ff 21 03 00 00 00 00 00 04 00 03 00');
  });

  it('should fail with the server\'s reason when security is refused', () => {
    const c = client();
    const refusal = concat(hex('52 46 42 20 30 30 33 2E 30 30 38 0A 00 00 00 00 04'),
      new TextEncoder().encode('busy'));
    assert.throws(() => c.rfb.receive(refusal), /server refused the connection: busy/);
    assert.equal(c.rfb.state, 'failed');
  });

  it('should reject non-RFB servers, old versions and security without None', () => {
    assert.throws(() => client().rfb.receive(new TextEncoder().encode('HTTP/1.1 200')),
      /not an RFB server/);
    assert.throws(() => client().rfb.receive(new TextEncoder().encode('RFB 003.003\n')),
      /unsupported RFB version 3.3/);
    const c = client();
    assert.throws(() => c.rfb.receive(concat(new TextEncoder().encode('RFB 003.008\n'),
      hex('01 02'))), /no usable security/);
  });

  it('should reject an oversized framebuffer', () => {
    assert.throws(() => client().rfb.receive(HANDSHAKE(9000, 600)), /out of range/);
  });
});

/** Builds a two-update session exercising every ZRLE sub-encoding plus Raw. */
async function buildSession(mode) {
  const r = prng(42 + mode.length);
  const max = MODE_MAX[mode];
  const bpp = mode === 'rgb565' ? 16 : 8;
  const enc = new TileEncoder(bpp);
  const W = 150;
  const H = 100;
  const img = Array.from({ length: H }, () => new Array(W).fill(0));
  const rand = () => Math.floor(r() * (max + 1));
  const distinct = (n) => {
    const s = new Set();
    while (s.size < n) s.add(rand());
    return [...s];
  };
  // Fills a tile by `pick(i)` and returns its values row-major.
  const tile = (x, y, w, h, pick) => {
    const vals = [];
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const v = pick(j * w + i);
        img[y + j][x + i] = v;
        vals.push(v);
      }
    }
    return vals;
  };
  const runsOf = (palette) => {
    let left = 0;
    let v = 0;
    return () => {
      if (left === 0) {
        v = palette[Math.floor(r() * palette.length)];
        left = r() < 0.3 ? 1 : 1 + Math.floor(r() * 600);
      }
      left--;
      return v;
    };
  };
  const p2 = distinct(2);
  const p3 = distinct(3);
  const p16 = mode === 'grey4' ? [...Array(16).keys()] : distinct(16);
  const pieces = [
    [ // rect 1: (0,0,150,64) = raw tile, 1-bit palette tile, 22-px 1-bit edge tile
      ...enc.raw(tile(0, 0, 64, 64, rand)),
      ...enc.packed(tile(64, 0, 64, 64, () => p2[r() < 0.5 ? 0 : 1]), 64, p2),
      ...enc.packed(tile(128, 0, 22, 64, () => p2[r() < 0.5 ? 0 : 1]), 22, p2),
    ],
    [ // rect 2: (0,64,128,36) = plain RLE tile, palette RLE tile
      ...enc.plainRle(tile(0, 64, 64, 36, runsOf(distinct(5)))),
      ...enc.paletteRle(tile(64, 64, 64, 36, runsOf(p3)), p3),
    ],
    // rect 3: (128,64,22,36) = 2-bit palette edge tile (44 bits per row: padded)
    enc.packed(tile(128, 64, 22, 36, () => p3[Math.floor(r() * 3)]), 22, p3),
  ];
  const solid = rand();
  pieces.push(enc.solid(solid)); // rect 4 in update 2: (0,0,64,64)
  tile(0, 0, 64, 64, () => solid);
  pieces.push(enc.packed(tile(64, 0, 64, 64, () => p16[Math.floor(r() * 16)]), 64, p16));
  const z = await syncFlushed(pieces);
  const rawVals = tile(0, 64, 10, 5, rand); // Raw rectangle in update 2
  const rawBytes = Uint8Array.from(rawVals.flatMap((v) => enc.cpixel(v)));
  const stream = concat(HANDSHAKE(W, H),
    updateHeader(3), zrleRect(0, 0, 150, 64, z[0]), zrleRect(0, 64, 128, 36, z[1]),
    zrleRect(128, 64, 22, 36, z[2]),
    updateHeader(3), zrleRect(0, 0, 64, 64, z[3]), zrleRect(64, 0, 64, 64, z[4]),
    rectHeader(0, 64, 10, 5, 0), rawBytes);
  const expected = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) expected.set(expectedRgba(mode, img[y][x]), (y * W + x) * 4);
  }
  return { stream, expected };
}

describe('RFB decoding', () => {
  for (const mode of ['rgb565', 'rgb332', 'grey8', 'grey4']) {
    describe(`in ${mode}`, () => {
      let session;
      before(async () => { session = await buildSession(mode); });

      it('should decode ZRLE (every sub-encoding, one zlib stream) and Raw to RGBA', () => {
        for (const [label, chunks] of splits(session.stream, [5, 6])) {
          const c = client({ colourMode: mode });
          for (const ch of chunks) c.rfb.receive(ch);
          assert.equal(c.take(), `${CLIENT_HELLO} ${PIXEL_FORMATS[mode]}${SET_ENCODINGS} ` +
            '03 00 00 00 00 00 00 96 00 64', label);
          assert.deepEqual(c.events.map((e) => e[0]), ['init', 'update', 'update'], label);
          assert.ok(Buffer.from(c.fb.rgba).equals(Buffer.from(session.expected)), label);
        }
      });
    });
  }

  it('should decode the AMT sample 16-bit solid red tile (spec A16)', () => {
    const c = client();
    c.rfb.receive(concat(HANDSHAKE(64, 64), updateHeader(1),
      hex('00 00 00 00 00 40 00 40 00 00 00 10 00 00 00 0B 78 9C 62 64 F8 01 00 00 00 FF FF')));
    assert.deepEqual(c.fb.pixel(0, 0), [248, 0, 0, 255]);
    assert.deepEqual(c.fb.pixel(63, 63), [248, 0, 0, 255]);
  });

  it('should decode AMT\'s stored-block tiles at 8 bpp (spec A15)', () => {
    const c = client({ colourMode: 'rgb332' });
    c.fb.resize(1, 1);
    c.rfb.receive(concat(HANDSHAKE(128, 64), updateHeader(2),
      hex('00 00 00 00 00 40 00 40 00 00 00 10 00 00 00 09 78 9C 00 02 00 FD FF 01 E0'),
      hex('00 40 00 00 00 40 00 40 00 00 00 10 00 00 00 07 00 02 00 FD FF 01 03')));
    assert.deepEqual(c.fb.pixel(10, 10), [224, 0, 0, 255]);
    assert.deepEqual(c.fb.pixel(100, 10), [0, 0, 192, 255]);
  });

  it('should resize on DesktopSize and request the new size non-incrementally', () => {
    const c = client();
    c.rfb.receive(HANDSHAKE(800, 600));
    c.take();
    c.rfb.receive(concat(updateHeader(1), rectHeader(0, 0, 1024, 768, -223)));
    assert.deepEqual([c.fb.width, c.fb.height], [1024, 768]);
    assert.deepEqual(c.events.slice(1).map((e) => e[0]), ['resize', 'update']);
    c.clock.advance(20);
    assert.equal(c.take(), '03 00 00 00 00 00 04 00 03 00');
  });

  it('should handle Bell, cut text and Intel\'s extensions', () => {
    const c = client();
    c.rfb.receive(HANDSHAKE(64, 64));
    c.rfb.receive(concat(hex('02'),
      hex('03 00 00 00 00 00 00 10 00 4B 76 6D 44 61 74 61 43 68 61 6E 6E 65 6C 00'),
      hex('03 00 00 00 00 00 00 0D 00 4B 76 6D 45 78 74 43 6D 64 00 03 01'),
      hex('03 00 00 00 00 00 00 02 68 69')));
    assert.deepEqual(c.events.slice(1), [['bell', undefined],
      ['datachannel', { payload: new Uint8Array(0) }],
      ['extcmd', { command: 3, data: Uint8Array.of(1) }], ['cuttext', { text: 'hi' }]]);
  });

  it('should fail on an unknown encoding, a rectangle off the screen or bad ZRLE data', () => {
    const cases = [
      [concat(updateHeader(1), rectHeader(0, 0, 8, 8, 5)), /unsupported encoding 5/],
      [concat(updateHeader(1), rectHeader(60, 0, 8, 8, 0)), /outside the framebuffer/],
      [hex('07'), /unknown server message type 7/],
      [concat(updateHeader(1), zrleRect(0, 0, 8, 8, hex('78 9C 62 64 00 00 00 00 FF FF'))),
        /truncated/],
      [concat(updateHeader(1), zrleRect(0, 0, 1, 1, hex('78 9D 00'))), /zlib/],
      [concat(updateHeader(1), rectHeader(0, 0, 8, 8, 16), hex('7F FF FF FF')), /too large/],
    ];
    for (const [bytes, re] of cases) {
      const c = client();
      c.rfb.receive(HANDSHAKE(64, 64));
      assert.throws(() => c.rfb.receive(bytes), re);
      assert.equal(c.rfb.state, 'failed');
    }
  });
});

describe('RFB update cadence and input', () => {
  it('should request the next incremental update only after a whole update, throttled', () => {
    const c = client();
    c.rfb.receive(HANDSHAKE(64, 64));
    c.take();
    c.rfb.receive(concat(updateHeader(1), rectHeader(0, 0, 1, 1, 0)));
    c.rfb.receive(hex('00')); // half of the pixel
    c.clock.advance(100);
    assert.equal(c.take(), '');
    c.rfb.receive(hex('00'));
    c.clock.advance(14);
    assert.equal(c.take(), '');
    c.clock.advance(1);
    assert.equal(c.take(), '03 01 00 00 00 00 00 40 00 40');
    c.clock.advance(1000);
    assert.equal(c.take(), '', 'one request per update');
  });

  it('should slow down while paused and speed up on resume', () => {
    const c = client();
    c.rfb.receive(HANDSHAKE(64, 64));
    c.rfb.setPaused(true);
    c.rfb.receive(updateHeader(0));
    c.take();
    c.clock.advance(500);
    assert.equal(c.take(), '');
    c.rfb.setPaused(false);
    c.clock.advance(15);
    assert.equal(c.take(), '03 01 00 00 00 00 00 40 00 40');
  });

  it('should switch colour mode between updates with a full request', () => {
    const c = client();
    c.rfb.receive(HANDSHAKE(64, 64));
    c.take();
    c.rfb.setColourMode('rgb332');
    c.rfb.receive(concat(updateHeader(1), rectHeader(0, 0, 1, 1, 0), hex('00 F8')));
    assert.deepEqual(c.fb.pixel(0, 0), [248, 0, 0, 255], 'old format until the next request');
    c.clock.advance(15);
    assert.equal(c.take(), `${PIXEL_FORMATS.rgb332}03 00 00 00 00 00 00 40 00 40`);
    c.rfb.receive(concat(updateHeader(1), rectHeader(0, 0, 1, 1, 0), hex('1C')));
    assert.deepEqual(c.fb.pixel(0, 0), [0, 224, 0, 255]);
  });

  it('should encode key, pointer and KvmExtCmd messages (spec A15, A17)', () => {
    const c = client();
    assert.equal(c.rfb.sendKey(0x61, true), false, 'nothing before ServerInit');
    c.rfb.receive(HANDSHAKE(64, 64));
    c.take();
    c.rfb.sendKey(0x61, true);
    c.rfb.sendKey(0xFFE3, false);
    c.rfb.sendPointer(1, 100, 200);
    c.rfb.sendKvmExtCmd(4, 0);
    assert.equal(c.take(), '04 01 00 00 00 00 00 61 04 00 00 00 00 00 ff e3 05 01 00 64 00 c8 ' +
      '06 00 00 00 00 00 00 0d 00 4b 76 6d 45 78 74 43 6d 64 00 04 00');
  });
});
