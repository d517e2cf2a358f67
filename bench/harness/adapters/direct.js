// (a) direct: the agent end connects straight to the controller end over one WebSocket
// connection, no broker in between (the controller end is the server side, in this
// process). Frames are the same Tether frame bytes.
'use strict';
const WebSocket = require('ws');
const { WebSocketServer } = require('ws');
const { framedWsPair } = require('./pair');

class DirectAdapter {
  constructor() {
    this.name = 'direct';
    this.oneMessagePerFrame = true;
  }

  async start() {
    this.waiting = new Map();
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((r) => this.server.once('listening', r));
    this.port = this.server.address().port;
    this.server.on('connection', (ws, req) => {
      const resolve = this.waiting.get(req.url);
      this.waiting.delete(req.url);
      resolve(ws);
    });
  }

  async stop() {
    await new Promise((r) => this.server.close(r));
  }

  async pair(i) {
    const path = `/${i}-${Math.random().toString(16).slice(2)}`;
    const serverSide = new Promise((r) => this.waiting.set(path, r));
    const agent = new WebSocket(`ws://127.0.0.1:${this.port}${path}`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => { agent.once('open', resolve); agent.once('error', reject); });
    const controller = await serverSide;
    return framedWsPair(agent, controller, i);
  }
}

module.exports = { DirectAdapter };
