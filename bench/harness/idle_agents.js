#!/usr/bin/env node
// Child process of the idle-agents workload (its own descriptor table): connects one
// unattended agent per device of DEVICES_JSON ([{id, secret}], hello `device`) from
// several 127.x source addresses, prints one JSON line when all are in, then holds them
// until its stdin closes.
//   idle_agents.js URL DEVICES_JSON SOURCES CONCURRENCY
'use strict';
const { performance } = require('perf_hooks');
const { TetherConn } = require('./tether_conn');

async function main() {
  const [url, devicesFile, sourcesText, concurrencyText] = process.argv.slice(2);
  const devices = JSON.parse(require('fs').readFileSync(devicesFile, 'utf8'));
  const count = devices.length;
  const sources = Number(sourcesText);
  const concurrency = Number(concurrencyText);
  const tls = url.startsWith('wss:');
  const held = [];
  let next = 0;
  let failures = 0;
  let firstError = null;
  const start = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        const conn = await TetherConn.open(url, { localAddress: `127.0.0.${1 + (i % sources)}`, tls });
        await conn.hello({ kind: 'device', device_id: devices[i].id, secret: devices[i].secret });
        held.push(conn);
      } catch (e) {
        failures++;
        firstError = firstError || String(e.message || e);
        if (failures > 50) { next = count; }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const open = held.filter((c) => !c.closed).length;
  process.stdout.write(`${JSON.stringify({ connected: open, seconds, failures, firstError })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

main().catch((e) => { console.error(e); process.exit(1); });
