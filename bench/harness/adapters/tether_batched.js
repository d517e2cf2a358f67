// Tether with batches of data frames (protocol/PROTOCOL.md §2.4), on the broker of a
// started TetherAdapter: agents and controllers ask for batches in hello, and each end
// packs every frame it sends in one turn of the event loop into one WebSocket message —
// what nats.ws does with publishes — so the batched small-frame row compares like with
// like. The broker packs what it queues for them in the same way.
'use strict';
const { frameHeader, arrayHeader } = require('../frames');
const { Pair } = require('./pair');

// The protocol's cap on frames per batch.
const MAX_FRAMES_PER_BATCH = 1024;

// Frames for one session, packed per turn of the event loop: each payload is copied once,
// straight into the batch (as nats.ws copies each publish into its outbound buffer).
class TickPacker {
  constructor(ws, sessionId) {
    this.ws = ws;
    this.sessionId = sessionId;
    this.headers = new Map();  // payload length → frame header
    this.pending = [];
    this.bytes = 0;
  }

  header(length) {
    let header = this.headers.get(length);
    if (!header) {
      header = frameHeader(this.sessionId, 1, length);
      this.headers.set(length, header);
    }
    return header;
  }

  send(payload) {
    this.pending.push(payload);
    this.bytes += this.header(payload.length).length + payload.length;
    if (this.pending.length === 1) setImmediate(() => this.flush());
    else if (this.pending.length >= MAX_FRAMES_PER_BATCH) this.flush();
  }

  flush() {
    if (this.pending.length === 0) return;
    const head = arrayHeader(this.pending.length);
    const out = Buffer.allocUnsafe(head.length + this.bytes);
    let pos = head.copy(out, 0);
    for (const payload of this.pending) {
      pos += this.header(payload.length).copy(out, pos);
      pos += payload.copy(out, pos);
    }
    this.pending = [];
    this.bytes = 0;
    this.ws.send(out);
  }
}

class TetherBatchedAdapter {
  constructor(tether) {
    this.tether = tether;
    this.name = 'tether-batched';
    this.oneMessagePerFrame = false;
    this.agents = [];
  }

  async start() {}  // the wrapped adapter's broker

  async stop() {}

  async pair(i) {
    if (!this.agents[i]) this.agents[i] = await this.tether.enrollAgent(undefined, `batched-agent-${i}`, { batch: true });
    const agent = this.agents[i];
    const { controller, sessionId } = await this.tether.connectSession(agent, { batch: true });
    const toController = new TickPacker(agent.conn.ws, sessionId);
    const toAgent = new TickPacker(controller.ws, sessionId);
    const pair = new Pair({
      sendToController: (p) => toController.send(p),
      sendToAgent: (p) => toAgent.send(p),
      close: async () => {
        agent.conn.onFrame = () => {};
        await this.tether.endSession(controller, sessionId);
      },
    });
    pair.sessionId = sessionId;
    controller.onFrame = (p) => pair.atController(p);
    agent.conn.onFrame = (p) => pair.atAgent(p);
    return pair;
  }
}

module.exports = { TetherBatchedAdapter };
