// SPDX-License-Identifier: Apache-2.0
// The device side of the relay for the mock server, after the server's redirection auth:
// SOL (0x20 -> 0x21, then 0x28 data echoed back in 0x2A with a prompt) and KVM (0x40 ->
// 0x41, then RFB 3.8 with security None and a 320x200 RGB565 Raw screen: blue at first,
// then alternately red and green after each key press).

export const SOL_PROMPT = 'mock-amt> ';
export const KVM_W = 320;
export const KVM_H = 200;
export const COLOURS = [0x001F, 0xF800, 0x07E0]; // RGB565 blue, red, green

class Queue {
  constructor() { this.b = new Uint8Array(0); }
  push(x) { const n = new Uint8Array(this.b.length + x.length); n.set(this.b); n.set(x,
    this.b.length); this.b = n; }
  take(n) { const out = this.b.slice(0, n); this.b = this.b.slice(n); return out; }
}

function le16(b, o) { return b[o] | (b[o + 1] << 8); }

function solData(seq, text) {
  const bytes = new TextEncoder().encode(text);
  const out = new Uint8Array(10 + bytes.length);
  out[0] = 0x2A;
  new DataView(out.buffer).setUint32(4, seq, true);
  new DataView(out.buffer).setUint16(8, bytes.length, true);
  out.set(bytes, 10);
  return out;
}

export function solRelay(ws) {
  const q = new Queue();
  let seq = 0;
  let line = '';
  ws.onmessage = (data) => {
    if (typeof data === 'string') return;
    q.push(data);
    for (;;) {
      const b = q.b;
      if (b.length < 1) return;
      const t = b[0];
      const size = t === 0x20 ? 24 : t === 0x27 ? 14 : t === 0x2B || t === 0x22 ? 8 : t === 0x12 ? 4
        : t === 0x28 ? (b.length >= 10 ? 10 + le16(b, 8) : Infinity) : -1;
      if (size < 0) { ws.close(1002); return; }
      if (b.length < size) return;
      const m = q.take(size);
      if (t === 0x20) {
        const reply = new Uint8Array(23);
        reply[0] = 0x21;
        ws.sendBinary(reply);
        ws.sendBinary(solData(++seq, `\x1b[2J\x1b[HMock AMT serial console\r\n${SOL_PROMPT}`));
      } else if (t === 0x28) {
        let echo = '';
        for (const c of new TextDecoder().decode(m.subarray(10))) {
          if (c === '\r') {
            echo += `\r\nyou typed: ${line}\r\n${SOL_PROMPT}`;
            line = '';
          } else if (c >= ' ') { line += c; echo += c; }
        }
        if (echo) ws.sendBinary(solData(++seq, echo));
      } else if (t === 0x22) {
        const reply = new Uint8Array(8);
        reply[0] = 0x23;
        ws.sendBinary(reply);
      } else if (t === 0x12) {
        ws.close(1000);
      }
    }
  };
}

function screen(colour) {
  const head = Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0, KVM_W >> 8, KVM_W & 255, KVM_H >> 8, KVM_H & 255, 0, 0,
    0, 0);
  const px = new Uint8Array(KVM_W * KVM_H * 2);
  for (let i = 0; i < px.length; i += 2) { px[i] = colour & 255; px[i + 1] = colour >> 8; }
  const out = new Uint8Array(head.length + px.length);
  out.set(head);
  out.set(px, head.length);
  return out;
}

export function rfbRelay(ws, { onKey = () => {} } = {}) {
  const q = new Queue();
  let state = 'start';
  let colour = 0;
  let dirty = true;
  let pending = false;
  const flush = () => {
    if (!pending || !dirty) return;
    pending = false;
    dirty = false;
    ws.sendBinary(screen(COLOURS[colour]));
  };
  ws.onmessage = (data) => {
    if (typeof data === 'string') return;
    q.push(data);
    for (;;) {
      const b = q.b;
      if (b.length < 1) return;
      if (state === 'start') {
        if (b.length < 8) return;
        q.take(8);
        ws.sendBinary(Uint8Array.of(0x41, 0, 0, 0, 0, 0, 0, 0));
        ws.sendBinary(new TextEncoder().encode('RFB 004.000\n'));
        state = 'version';
      } else if (state === 'version') {
        if (b.length < 12) return;
        q.take(12);
        ws.sendBinary(Uint8Array.of(2, 1, 0x80));
        state = 'security';
      } else if (state === 'security') {
        q.take(1);
        ws.sendBinary(Uint8Array.of(0, 0, 0, 0));
        state = 'init';
      } else if (state === 'init') {
        q.take(1);
        const name = new TextEncoder().encode('Mock AMT');
        const si = new Uint8Array(24 + name.length);
        si.set([KVM_W >> 8, KVM_W & 255, KVM_H >> 8, KVM_H & 255, 16, 16, 0, 1, 0, 31, 0, 63, 0, 31, 11, 5,
          0]);
        si[23] = name.length;
        si.set(name, 24);
        ws.sendBinary(si);
        state = 'rfb';
      } else {
        const t = b[0];
        const size = t === 0 ? 20 : t === 2 ? (b.length >= 4 ? 4 + 4 * ((b[2] << 8) | b[3]) : Infinity)
          : t === 3 ? 10 : t === 4 ? 8 : t === 5 ? 6 :
              t === 6 ? (b.length >= 8 ? 8 + ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) : Infinity) : -1;
        if (size < 0) { ws.close(1002); return; }
        if (b.length < size) return;
        const m = q.take(size);
        if (t === 3) { pending = true; if (m[1] === 0) dirty = true; flush(); }
        if (t === 4 && m[1] === 1) {
          colour = colour === 1 ? 2 : 1;
          dirty = true;
          onKey((m[4] << 24) | (m[5] << 16) | (m[6] << 8) | m[7]);
          flush();
        }
      }
    }
  };
}
