// SPDX-License-Identifier: Apache-2.0
// Shared test helpers: split feeding, a seeded PRNG, a fake clock and a fake WebSocket.

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random bytes from a seeded PRNG. */
export function randomBytes(n, seed) {
  const r = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** Bytes of a hex string such as "10 01 00 00". */
export function hex(text) {
  const clean = text.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) || [], (h) => parseInt(h, 16));
}

/** Hex of bytes, space separated, for readable assertion failures. */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Concatenates byte arrays. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * The ways every parser test feeds input: whole, one byte at a time, and at random split
 * points (three seeds). Yields [label, chunks].
 */
export function* splits(bytes, seeds = [1, 2, 3]) {
  yield ['whole', [bytes]];
  yield ['byte by byte', Array.from(bytes, (b) => Uint8Array.of(b))];
  for (const seed of seeds) {
    const r = prng(seed);
    const chunks = [];
    let i = 0;
    while (i < bytes.length) {
      const n = 1 + Math.floor(r() * Math.min(bytes.length - i, 17));
      chunks.push(bytes.subarray(i, i + n));
      i += n;
    }
    yield [`random split (seed ${seed})`, chunks];
  }
}

/** A manual clock: timers fire only when the test advances time. */
export class FakeClock {
  constructor() {
    this._now = 0;
    this._timers = new Map();
    this._next = 1;
  }

  now() { return this._now; }

  setTimeout(fn, ms) {
    const id = this._next++;
    this._timers.set(id, { at: this._now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id) { this._timers.delete(id); }

  get pending() { return this._timers.size; }

  /** Moves time forward, firing due timers in order (bounded). */
  advance(ms) {
    const end = this._now + ms;
    for (let guard = 0; guard < 100000; guard++) {
      let best = null;
      for (const [id, t] of this._timers) {
        if (t.at <= end && (!best || t.at < best[1].at)) best = [id, t];
      }
      if (!best) break;
      this._timers.delete(best[0]);
      this._now = best[1].at;
      best[1].fn();
    }
    this._now = end;
  }
}

/** A WebSocket stand-in: records what the client sends; the test injects server bytes. */
export class FakeSocket {
  constructor() {
    this.readyState = 1;
    this.binaryType = 'blob';
    this.sent = [];
    this.closed = false;
    this.onmessage = null;
    this.onclose = null;
    this.onopen = null;
  }

  send(bytes) {
    if (this.closed) throw new Error('send on closed socket');
    this.sent.push(Uint8Array.from(bytes));
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.readyState = 3;
  }

  /** All bytes sent so far, concatenated; clears the record. */
  take() {
    const all = concat(...this.sent);
    this.sent = [];
    return all;
  }

  /** Delivers server bytes as one message (ArrayBuffer, like binaryType 'arraybuffer'). */
  deliver(bytes) {
    const copy = Uint8Array.from(bytes);
    this.onmessage({ data: copy.buffer });
  }

  /** Simulates the server closing the socket. */
  serverClose(code = 1005) {
    this.closed = true;
    this.readyState = 3;
    if (this.onclose) this.onclose({ code, reason: '' });
  }
}
