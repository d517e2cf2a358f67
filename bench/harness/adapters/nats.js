// (c) NATS with its WebSocket listener; one subject per session and direction. The
// nats.ws client packs every publish of one tick into one WebSocket message, so NATS
// stands only in the batched small-frame row.
'use strict';
const fs = require('fs');
const path = require('path');
globalThis.WebSocket = globalThis.WebSocket || require('ws');
const { connect } = require('nats.ws');
const { freePort, startServer, stopServer } = require('../procs');
const { Pair } = require('./pair');

class NatsAdapter {
  constructor({ logDir }) {
    this.name = 'nats';
    this.oneMessagePerFrame = false;
    this.logDir = logDir;
  }

  async start() {
    const tcpPort = await freePort();
    this.port = await freePort();
    const conf = path.join(this.logDir, 'nats.conf');
    fs.writeFileSync(conf, [
      `listen: "127.0.0.1:${tcpPort}"`,
      'max_payload: 1048576',
      'max_pending: 268435456',
      'write_deadline: "10s"',
      `websocket { listen: "127.0.0.1:${this.port}", no_tls: true, compression: false }`,
      '',
    ].join('\n'));
    this.child = await startServer('nats-server', '/usr/sbin/nats-server', ['-c', conf], this.port,
      { logFile: path.join(this.logDir, 'nats.log') });
    this.url = `ws://127.0.0.1:${this.port}`;
  }

  async stop() {
    await stopServer(this.child);
  }

  async pair(i) {
    const [agent, controller] = await Promise.all([
      connect({ servers: this.url, reconnect: false }), connect({ servers: this.url, reconnect: false }),
    ]);
    const toController = `b.${i}.a2c`;
    const toAgent = `b.${i}.c2a`;
    const pair = new Pair({
      sendToController: (p) => agent.publish(toController, p),
      sendToAgent: (p) => controller.publish(toAgent, p),
      close: async () => { await Promise.all([agent.close(), controller.close()]); },
    });
    controller.subscribe(toController, { callback: (_e, m) => pair.atController(m.data) });
    agent.subscribe(toAgent, { callback: (_e, m) => pair.atAgent(m.data) });
    await Promise.all([agent.flush(), controller.flush()]);
    return pair;
  }
}

module.exports = { NatsAdapter };
