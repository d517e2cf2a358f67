// A Pair is one session as the workloads see it: an agent end and a controller end, each
// able to send a payload to the other and to hear what arrives. Every adapter returns
// one, so the workloads are the same code for every system.
'use strict';
const { frameHeader, framePayload } = require('../frames');

class Pair {
  constructor({ sendToController, sendToAgent, close }) {
    this.sendToController = sendToController;  // from the agent
    this.sendToAgent = sendToAgent;  // from the controller
    this.close = close;
    this.atController = () => {};  // (payload: Buffer) => void
    this.atAgent = () => {};
  }
}

// Frame bytes for one session, cached per payload length (the header holds the length).
class FrameBuilder {
  constructor(frameHeader, sessionId) {
    this.frameHeader = frameHeader;
    this.sessionId = sessionId;
    this.headers = new Map();
  }

  build(payload) {
    let header = this.headers.get(payload.length);
    if (!header) {
      header = this.frameHeader(this.sessionId, 1, payload.length);
      this.headers.set(payload.length, header);
    }
    return Buffer.concat([header, payload]);
  }
}

// A Pair over two plain `ws` sockets that carry Tether frame bytes end to end (direct and
// the Node relay): session `i` gets a fixed id of a real id's length.
function framedWsPair(agent, controller, i) {
  const frames = new FrameBuilder(frameHeader, `s_${String(i).padStart(24, '0')}`);
  const pair = new Pair({
    sendToController: (p) => agent.send(frames.build(p)),
    sendToAgent: (p) => controller.send(frames.build(p)),
    close: async () => { agent.close(); controller.close(); },
  });
  controller.on('message', (d) => pair.atController(framePayload(d)));
  agent.on('message', (d) => pair.atAgent(framePayload(d)));
  return pair;
}

module.exports = { Pair, FrameBuilder, framedWsPair };
