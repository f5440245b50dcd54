// SPDX-License-Identifier: Apache-2.0
// JSON-RPC 2.0 client over the /rpc WebSocket (docs/rpc.md): request ids, a bounded wait per
// call, server-pushed notifications, and a reconnect with backoff. The socket constructor and
// clock are injected so the client runs in Node tests without a browser.

/** How long a call waits for its answer (device calls time out at 30 s on the server). */
export const CALL_TIMEOUT_MS = 45000;
/** Reconnect backoff bounds. */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 10000;
/** Close code the server uses when the session has ended. */
export const CLOSE_SESSION_ENDED = 4401;

/** Our error codes (docs/rpc.md). */
export const Codes = Object.freeze({
  PARSE: -32700, INVALID_REQUEST: -32600, METHOD_NOT_FOUND: -32601, INVALID_PARAMS: -32602,
  INTERNAL: -32603, NOT_CONNECTED: -32001, DEVICE_TIMEOUT: -32002, DEVICE_ERROR: -32003,
  UNAUTHORIZED: -32004, FORBIDDEN: -32005, CONFLICT: -32009, VALIDATION: -32010,
  NOT_AVAILABLE: -32011,
  // Client-side: no answer in time, or the socket dropped before the answer.
  CLIENT_TIMEOUT: -1, DISCONNECTED: -2,
});

export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

const defaultClock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id),
};

/**
 * Events (CustomEvent): `open`, `close` {code, willRetry}, `notification` {method, params},
 * `sessionended` (the server closed with 4401 or answered -32004: the UI goes to login).
 */
export class RpcClient extends EventTarget {
  /**
   * @param {string} url the ws(s):// URL of /rpc
   * @param {object} options `WebSocket` (constructor), `clock`, `callTimeoutMs`
   */
  constructor(url, { WebSocket = globalThis.WebSocket, clock = defaultClock,
    callTimeoutMs = CALL_TIMEOUT_MS } = {}) {
    super();
    this.url = url;
    this._WebSocket = WebSocket;
    this._clock = clock;
    this._callTimeoutMs = callTimeoutMs;
    this._nextId = 1;
    this._pending = new Map(); // id -> {resolve, reject, timer, message}
    this._queue = []; // messages waiting for the socket to open
    this._socket = null;
    this._open = false;
    this._stopped = false;
    this._backoff = RECONNECT_MIN_MS;
    this._retryTimer = null;
    this._topics = new Set();
  }

  get isOpen() { return this._open; }

  /** Opens the socket (again). Calls made before it opens wait in a queue. */
  connect() {
    if (this._stopped || this._socket) return;
    const s = new this._WebSocket(this.url);
    this._socket = s;
    s.onopen = () => {
      this._open = true;
      this._backoff = RECONNECT_MIN_MS;
      const queued = this._queue;
      this._queue = [];
      for (const m of queued) s.send(m);
      if (this._topics.size > 0) {
        this.call('subscribe', { topics: [...this._topics] }).catch(() => {});
      }
      this._emit('open');
    };
    s.onmessage = (ev) => this._onMessage(ev.data);
    s.onerror = () => {}; // a close event follows
    s.onclose = (ev) => this._onClose(ev ? ev.code : 1006);
  }

  /** Closes for good: pending calls fail, no reconnect. */
  stop() {
    this._stopped = true;
    if (this._retryTimer !== null) this._clock.clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._failAll(Codes.DISCONNECTED, 'The connection to the server was closed.');
    if (this._socket) {
      try { this._socket.close(1000); } catch { /* already closed */ }
    }
    this._socket = null;
    this._open = false;
  }

  /** Calls `method` with named `params`; resolves to the result or rejects with RpcError. */
  call(method, params = {}, { timeoutMs = this._callTimeoutMs } = {}) {
    if (this._stopped) {
      return Promise.reject(new RpcError(Codes.DISCONNECTED, 'Not connected to the server.'));
    }
    const id = this._nextId++;
    const message = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const timer = this._clock.setTimeout(() => {
        this._pending.delete(id);
        this._queue = this._queue.filter((m) => m !== message);
        reject(new RpcError(Codes.CLIENT_TIMEOUT, `No answer from the server for ${method}.`));
      }, timeoutMs);
      this._pending.set(id, { resolve, reject, timer, method });
      if (this._open) this._socket.send(message);
      else {
        this._queue.push(message);
        this.connect();
      }
    });
  }

  /** Subscribes to pushed topics; re-sent after every reconnect. */
  async subscribe(topics) {
    for (const t of topics) this._topics.add(t);
    return this.call('subscribe', { topics });
  }

  _onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
    } catch {
      return; // not JSON: ignore, the server never sends that
    }
    const batch = Array.isArray(msg) ? msg : [msg];
    for (const m of batch) {
      if (m && typeof m === 'object') this._dispatch(m);
    }
  }

  _dispatch(m) {
    if (typeof m.method === 'string' && m.id === undefined) {
      this._emit('notification', { method: m.method, params: m.params });
      return;
    }
    const p = this._pending.get(m.id);
    if (!p) return;
    this._pending.delete(m.id);
    this._clock.clearTimeout(p.timer);
    if (m.error && typeof m.error === 'object') {
      const e = new RpcError(Number(m.error.code), String(m.error.message || 'error'),
        m.error.data);
      if (e.code === Codes.UNAUTHORIZED) this._sessionEnded();
      p.reject(e);
    } else {
      p.resolve(m.result);
    }
  }

  _onClose(code) {
    this._socket = null;
    this._open = false;
    this._failAll(Codes.DISCONNECTED,
      'The connection to the server dropped before the answer came.');
    if (code === CLOSE_SESSION_ENDED) {
      this._sessionEnded();
      return;
    }
    const willRetry = !this._stopped;
    this._emit('close', { code, willRetry });
    if (!willRetry) return;
    const delay = this._backoff;
    this._backoff = Math.min(this._backoff * 2, RECONNECT_MAX_MS);
    this._retryTimer = this._clock.setTimeout(() => {
      this._retryTimer = null;
      this.connect();
    }, delay);
  }

  _sessionEnded() {
    if (this._stopped) return;
    this.stop();
    this._emit('sessionended');
  }

  _failAll(code, message) {
    for (const [, p] of this._pending) {
      this._clock.clearTimeout(p.timer);
      p.reject(new RpcError(code, message));
    }
    this._pending.clear();
    this._queue = [];
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
