// (b) Mosquitto with its WebSocket listener; one topic per session and direction, QoS 0.
// Mosquitto 2.0.11 refuses to start with a WebSocket listener alone, so a plain TCP
// listener (unused) is configured too; its queue limits are raised so it never drops.
'use strict';
const fs = require('fs');
const path = require('path');
const mqtt = require('mqtt');
const { freePort, startServer, stopServer } = require('../procs');
const { Pair } = require('./pair');

async function client(url) {
  const c = await mqtt.connectAsync(url, {
    clean: true, reconnectPeriod: 0, protocolVersion: 4, wsOptions: { perMessageDeflate: false },
  });
  c.on('error', () => {});
  return c;
}

class MosquittoAdapter {
  constructor({ logDir }) {
    this.name = 'mosquitto';
    this.oneMessagePerFrame = true;
    this.logDir = logDir;
  }

  async start() {
    const tcpPort = await freePort();
    this.port = await freePort();
    const conf = path.join(this.logDir, 'mosquitto.conf');
    fs.writeFileSync(conf, [
      'per_listener_settings false',
      'allow_anonymous true',
      'persistence false',
      'log_dest stdout',
      'log_type error',
      'max_queued_messages 1000000',
      'max_queued_bytes 0',
      'max_inflight_messages 0',
      `listener ${tcpPort} 127.0.0.1`,
      `listener ${this.port} 127.0.0.1`,
      'protocol websockets',
      '',
    ].join('\n'));
    this.child = await startServer('mosquitto', '/usr/sbin/mosquitto', ['-c', conf], this.port,
      { logFile: path.join(this.logDir, 'mosquitto.log') });
    this.url = `ws://127.0.0.1:${this.port}/mqtt`;
  }

  async stop() {
    await stopServer(this.child);
  }

  async pair(i) {
    const [agent, controller] = await Promise.all([client(this.url), client(this.url)]);
    const toController = `b/${i}/a2c`;
    const toAgent = `b/${i}/c2a`;
    await Promise.all([agent.subscribeAsync(toAgent, { qos: 0 }), controller.subscribeAsync(toController, { qos: 0 })]);
    const pair = new Pair({
      sendToController: (p) => agent.publish(toController, p, { qos: 0 }),
      sendToAgent: (p) => controller.publish(toAgent, p, { qos: 0 }),
      close: async () => { await Promise.all([agent.endAsync(true), controller.endAsync(true)]); },
    });
    controller.on('message', (_t, p) => pair.atController(p));
    agent.on('message', (_t, p) => pair.atAgent(p));
    return pair;
  }
}

module.exports = { MosquittoAdapter };
