// (d) the minimal Node `ws` relay (bench/relay.js), one process, pairing two connections.
// Frames are the same Tether frame bytes.
'use strict';
const path = require('path');
const WebSocket = require('ws');
const { freePort, startServer, stopServer } = require('../procs');
const { framedWsPair } = require('./pair');

function openPaired(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('message', (d, isBinary) => {
      if (!isBinary && d.toString() === 'paired') resolve(ws);
      else reject(new Error('relay: expected "paired"'));
    });
  });
}

class RelayAdapter {
  constructor({ logDir }) {
    this.name = 'node-relay';
    this.oneMessagePerFrame = true;
    this.logDir = logDir;
  }

  async start() {
    this.port = await freePort();
    this.child = await startServer('node relay', process.execPath,
      [path.join(__dirname, '..', '..', 'relay.js'), String(this.port)], this.port,
      { logFile: path.join(this.logDir, 'relay.log') });
  }

  async stop() {
    await stopServer(this.child);
  }

  async pair(i) {
    const base = `ws://127.0.0.1:${this.port}/${i}-${Math.random().toString(16).slice(2)}`;
    const [agent, controller] = await Promise.all([openPaired(`${base}/a`), openPaired(`${base}/c`)]);
    return framedWsPair(agent, controller, i);
  }
}

module.exports = { RelayAdapter };
