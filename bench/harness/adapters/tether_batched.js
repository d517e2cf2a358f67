// Tether with batches of data frames (protocol/PROTOCOL.md §2.4), on the broker of a
// started TetherAdapter: agents and controllers ask for batches in hello, and each end
// packs every frame it sends in one turn of the event loop into one WebSocket message —
// what nats.ws does with publishes — so the batched small-frame row compares like with
// like. The broker packs what it queues for them in the same way.
'use strict';
const { frameHeader, encodeBatch } = require('../frames');
const { Pair, FrameBuilder } = require('./pair');

// The protocol's cap on frames per batch.
const MAX_FRAMES_PER_BATCH = 1024;

class TickPacker {
  constructor(ws, frames) {
    this.ws = ws;
    this.frames = frames;
    this.pending = [];
  }

  send(payload) {
    this.pending.push(this.frames.build(payload));
    if (this.pending.length === 1) setImmediate(() => this.flush());
    else if (this.pending.length >= MAX_FRAMES_PER_BATCH) this.flush();
  }

  flush() {
    if (this.pending.length === 0) return;
    const frames = this.pending;
    this.pending = [];
    this.ws.send(frames.length === 1 ? frames[0] : encodeBatch(frames));
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
    const toController = new TickPacker(agent.conn.ws, new FrameBuilder(frameHeader, sessionId));
    const toAgent = new TickPacker(controller.ws, new FrameBuilder(frameHeader, sessionId));
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
