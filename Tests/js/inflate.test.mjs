// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';

import { InflateError, Inflater, adler32 } from '../../Public/js/kvm/inflate.js';
import { concat, hex, prng, randomBytes, splits } from './helpers.mjs';

const { Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED, Z_SYNC_FLUSH } = zlib.constants;

/** Compressible test data: words, runs and repeats, like a screen's tiles. */
function textLike(n, seed) {
  const r = prng(seed);
  const words = ['tile', 'pixel', '\x00\x00\x00\x00', 'AMT', 'redirection', '\xff\xff'];
  let s = '';
  while (s.length < n) {
    const k = r();
    if (k < 0.1) s += String.fromCharCode(Math.floor(r() * 256)).repeat(Math.floor(r() * 300));
    else s += words[Math.floor(r() * words.length)];
  }
  return Uint8Array.from(s.slice(0, n), (c) => c.charCodeAt(0) & 0xFF);
}

function inflateChunks(chunks, options) {
  const inf = new Inflater(options);
  const out = concat(...chunks.map((c) => inf.push(c)));
  return { inf, out };
}

/** Deflates pieces as one stream, each ending on a sync flush, like AMT's ZRLE rectangles. */
async function syncFlushed(pieces, options = {}) {
  const d = zlib.createDeflate(options);
  let current = [];
  d.on('data', (c) => current.push(c));
  const out = [];
  for (const p of pieces) {
    d.write(p);
    await new Promise((resolve) => d.flush(Z_SYNC_FLUSH, resolve));
    out.push(new Uint8Array(Buffer.concat(current)));
    current = [];
  }
  d.destroy();
  return out;
}

describe('Inflater', () => {
  const inputs = [
    ['random', randomBytes(40000, 7)],
    ['text-like', textLike(60000, 8)],
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(0x41)],
  ];
  const settings = [
    { level: 0 }, { level: 1 }, { level: 6 }, { level: 9 },
    { level: 6, strategy: Z_FILTERED }, { level: 6, strategy: Z_HUFFMAN_ONLY },
    { level: 6, strategy: Z_RLE }, { level: 6, strategy: Z_FIXED },
    { level: 9, memLevel: 1, windowBits: 9 },
  ];
  for (const [name, data] of inputs) {
    for (const opt of settings) {
      it(`should round-trip ${name} data deflated with ${JSON.stringify(opt)}`, () => {
        const z = new Uint8Array(zlib.deflateSync(data, opt));
        for (const [label, chunks] of splits(z)) {
          if (label === 'byte by byte' && z.length > 20000) continue; // covered below
          const { inf, out } = inflateChunks(chunks);
          assert.ok(Buffer.from(out).equals(Buffer.from(data)), label);
          assert.equal(inf.finished, true, label);
        }
      });
    }
  }

  it('should round-trip a large stream fed one byte at a time', () => {
    const data = textLike(30000, 9);
    const z = new Uint8Array(zlib.deflateSync(data, { level: 9 }));
    const inf = new Inflater();
    const parts = [];
    for (let i = 0; i < z.length; i++) parts.push(inf.push(z.subarray(i, i + 1)));
    assert.ok(Buffer.from(concat(...parts)).equals(Buffer.from(data)));
  });

  it('should inflate raw deflate data', () => {
    const data = textLike(5000, 10);
    const z = new Uint8Array(zlib.deflateRawSync(data));
    const { out, inf } = inflateChunks([z], { raw: true });
    assert.ok(Buffer.from(out).equals(Buffer.from(data)));
    assert.equal(inf.finished, true);
  });

  it('should return each sync-flushed chunk completely, keeping the window between them',
    async () => {
      const r = prng(11);
      const pieces = [];
      for (let k = 0; k < 12; k++) {
        pieces.push(k % 3 === 0 ? randomBytes(3000, k) : textLike(1 + Math.floor(r() * 4000), k));
      }
      pieces.push(pieces[0]); // back-references into an earlier chunk, maybe a stored one
      for (const opt of [{ level: 1 }, { level: 6 }, { level: 0 }, { strategy: Z_FIXED }]) {
        const z = await syncFlushed(pieces, opt);
        for (const [label, chunks] of splits(concat(...z), [4])) {
          // Feeding arbitrary pieces: the output so far is a prefix of the plain data.
          const { out } = inflateChunks(chunks);
          assert.ok(Buffer.from(out).equals(Buffer.from(concat(...pieces))), label);
        }
        const inf = new Inflater();
        z.forEach((c, i) => {
          assert.ok(Buffer.from(inf.push(c)).equals(Buffer.from(pieces[i])), `chunk ${i}`);
        });
        assert.equal(inf.finished, false);
      }
    });

  it('should reference bytes from a stored block in a later compressed block (R-19)',
    async () => {
      const noise = randomBytes(2000, 12);
      const z = await syncFlushed([noise, concat(noise, noise)], { level: 6 });
      assert.ok(z[1].length < 200, 'second chunk is back-references');
      const inf = new Inflater();
      assert.ok(Buffer.from(inf.push(z[0])).equals(Buffer.from(noise)));
      assert.ok(Buffer.from(inf.push(z[1])).equals(Buffer.from(concat(noise, noise))));
    });

  it('should decode the AMT sample tiles byte for byte (spec A16)', () => {
    const inf = new Inflater();
    assert.deepEqual(inf.push(hex('78 9C 62 64 00 00 00 00 FF FF')), Uint8Array.of(1, 0));
    assert.deepEqual(inf.push(hex('62 7C 00 00 00 00 FF FF')), Uint8Array.of(1, 0xE0));
    const stored = new Inflater();
    assert.deepEqual(stored.push(hex('78 9C 00 02 00 FD FF 01 00')), Uint8Array.of(1, 0));
    assert.deepEqual(stored.push(hex('00 02 00 FD FF 01 00')), Uint8Array.of(1, 0));
  });

  it('should compute Adler-32 like zlib', () => {
    const data = randomBytes(100000, 13);
    const z = zlib.deflateSync(data, { level: 1 });
    assert.equal(adler32(data), z.readUInt32BE(z.length - 4)); // zlib's trailer
    assert.equal(adler32(new TextEncoder().encode('Wikipedia')), 0x11E60398);
  });
});

describe('Inflater errors', () => {
  const good = new Uint8Array(zlib.deflateSync(textLike(3000, 14)));
  const throwsInflate = (bytes, options, re) => {
    const inf = new Inflater(options);
    assert.throws(() => inf.push(bytes), (e) => e instanceof InflateError && re.test(e.message));
    assert.throws(() => inf.push(Uint8Array.of(0)), InflateError, 'stays failed');
  };

  it('should reject a bad header', () => {
    throwsInflate(hex('78 9D'), {}, /header check/);
    throwsInflate(hex('79 9C'), {}, /not a deflate/);
    throwsInflate(hex('78 BB'), {}, /dictionary/);
  });

  it('should reject a checksum mismatch', () => {
    const bad = good.slice();
    bad[bad.length - 1] ^= 1;
    throwsInflate(bad, {}, /adler-32/);
  });

  it('should reject data after the end of the stream', () => {
    throwsInflate(concat(good, Uint8Array.of(0)), {}, /after end/);
  });

  it('should reject block type 3, bad stored lengths and far distances', () => {
    throwsInflate(Uint8Array.of(0x07), { raw: true }, /block type/);
    throwsInflate(hex('01 05 00 FA FE'), { raw: true }, /length check/);
    // Fixed block: literal 'a' then length 3 at distance 2, with only 1 byte of history.
    throwsInflate(hex('4b 04 42 00'), { raw: true }, /too far back/);
  });

  it('should stop a decompression bomb at maxOutput', () => {
    const bomb = new Uint8Array(zlib.deflateSync(new Uint8Array(1 << 20)));
    throwsInflate(bomb, { maxOutput: 65536 }, /output limit/);
  });

  it('should only return partial output for a truncated stream', () => {
    const inf = new Inflater();
    const out = inf.push(good.subarray(0, good.length - 10));
    assert.equal(inf.finished, false);
    assert.ok(out.length > 0);
  });

  it('should not crash or hang on random garbage', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const junk = randomBytes(64, seed);
      const inf = new Inflater({ raw: true, maxOutput: 1 << 20 });
      try {
        inf.push(junk);
      } catch (e) {
        assert.ok(e instanceof InflateError, e.message);
      }
    }
  });
});
