// One client connection to tether-broker speaking protocol/PROTOCOL.md: control messages
// are msgpack maps matched by `re`, data frames msgpack arrays (frames.js).
'use strict';
const WebSocket = require('ws');
const { encode, decode } = require('@msgpack/msgpack');
const { isFrame, framePayload, isBatch, forEachBatchedPayload } = require('./frames');

class TetherConn {
  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.eventListeners = new Set();
    this.onFrame = () => {};
    this.errors = 0;
    this.lastError = null;
    ws.on('message', (data) => this.handle(data));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const { reject } of this.pending.values()) reject(new Error(`closed ${code} ${reason}`));
      this.pending.clear();
    });
  }

  static open(url, { localAddress, tls } = {}) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'tether.v1', {
        perMessageDeflate: false,
        localAddress,
        rejectUnauthorized: !tls,  // the bench broker's certificate is self-signed
      });
      ws.binaryType = 'nodebuffer';
      ws.once('open', () => resolve(new TetherConn(ws)));
      ws.once('error', reject);
    });
  }

  handle(data) {
    if (isFrame(data)) {
      if (isBatch(data)) forEachBatchedPayload(data, (p) => this.onFrame(p));
      else this.onFrame(framePayload(data));
      return;
    }
    const msg = decode(data);
    if ((msg.t === 'ok' || msg.t === 'error') && msg.re !== undefined) {
      const waiter = this.pending.get(msg.re);
      if (!waiter) return;
      this.pending.delete(msg.re);
      if (msg.t === 'ok') waiter.resolve(msg);
      else waiter.reject(new Error(`${msg.code}: ${msg.message}`));
    } else if (msg.t === 'event') {
      for (const listener of [...this.eventListeners]) listener(msg);
    } else if (msg.t === 'error') {
      this.errors++;
      this.lastError = `${msg.code}: ${msg.message}`;
    }
  }

  request(type, fields = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(encode({ t: type, id, ...fields }));
    });
  }

  // `batch`: ask for batches of data frames (PROTOCOL.md §2.4).
  hello(auth, { batch = false } = {}) {
    return this.request('hello', batch ? { proto: 1, batch: true, auth } : { proto: 1, auth });
  }

  close() {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close();
  }

  terminate() {
    this.ws.terminate();
  }
}

// Resolves with the first event for which `match(event)` holds.
function waitEvent(conn, match, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const listener = (ev) => {
      if (!match(ev)) return;
      clearTimeout(timer);
      conn.eventListeners.delete(listener);
      resolve(ev);
    };
    const timer = setTimeout(() => {
      conn.eventListeners.delete(listener);
      reject(new Error('event timeout'));
    }, timeoutMs);
    conn.eventListeners.add(listener);
  });
}

module.exports = { TetherConn, waitEvent };
