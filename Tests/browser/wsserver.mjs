// SPDX-License-Identifier: Apache-2.0
// A minimal RFC 6455 server side for the mock server: the upgrade handshake and unfragmented
// text/binary frames (what the UI sends). Test code only; bounded frame size.

import crypto from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_FRAME = 1 << 20;

/** Completes the upgrade on `socket`; returns a small connection object. */
export function acceptWebSocket(req, socket, head) {
  const key = req.headers['sec-websocket-key'];
  const accept = crypto.createHash('sha1').update(key + GUID).digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
  return new WsConnection(socket, head);
}

export function refuseUpgrade(socket, status, text) {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

class WsConnection {
  constructor(socket, head) {
    this.socket = socket;
    this.onmessage = () => {};
    this.onclose = () => {};
    this._buf = head && head.length ? Buffer.from(head) : Buffer.alloc(0);
    this._closed = false;
    socket.on('data', (d) => { this._buf = Buffer.concat([this._buf, d]); this._parse(); });
    socket.on('close', () => this._gone());
    socket.on('error', () => this._gone());
    if (this._buf.length) setImmediate(() => this._parse());
  }

  _gone() {
    if (this._closed) return;
    this._closed = true;
    this.onclose();
  }

  _parse() {
    for (;;) {
      const b = this._buf;
      if (b.length < 2) return;
      const op = b[0] & 0x0F;
      let len = b[1] & 0x7F;
      let off = 2;
      if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); off = 10; }
      if (len > MAX_FRAME) { this.socket.destroy(); return; }
      const masked = (b[1] & 0x80) !== 0;
      const need = off + (masked ? 4 : 0) + len;
      if (b.length < need) return;
      let payload = b.subarray(off + (masked ? 4 : 0), need);
      if (masked) {
        const mask = b.subarray(off, off + 4);
        payload = Buffer.from(payload.map((x, i) => x ^ mask[i & 3]));
      }
      this._buf = b.subarray(need);
      if (op === 0x8) { this.close(1000); return; }
      if (op === 0x9) { this._frame(0xA, payload); continue; }
      if (op === 0x1) this.onmessage(payload.toString('utf8'));
      else if (op === 0x2) this.onmessage(new Uint8Array(payload));
    }
  }

  _frame(op, payload) {
    if (this._closed) return;
    const len = payload.length;
    const head = len < 126 ? Buffer.from([0x80 | op, len])
      : len < 65536 ? Buffer.from([0x80 | op, 126, len >> 8, len & 255])
        : Buffer.concat([Buffer.from([0x80 | op, 127]), (() => {
          const x = Buffer.alloc(8); x.writeBigUInt64BE(BigInt(len)); return x;
        })()]);
    this.socket.write(Buffer.concat([head, Buffer.from(payload)]));
  }

  sendText(text) { this._frame(0x1, Buffer.from(text, 'utf8')); }
  sendBinary(bytes) { this._frame(0x2, Buffer.from(bytes)); }

  close(code = 1000) {
    if (this._closed) return;
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    this._frame(0x8, p);
    this.socket.end();
    this._gone();
  }
}
