#!/usr/bin/env node
// bench/run's body: starts every system on 127.0.0.1, runs each workload against each
// with the same client code, prints the table and writes docs/BENCHMARKS.md.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const { DirectAdapter } = require('./adapters/direct');
const { RelayAdapter } = require('./adapters/relay');
const { MosquittoAdapter } = require('./adapters/mosquitto');
const { NatsAdapter } = require('./adapters/nats');
const { TetherAdapter } = require('./adapters/tether');
const { TetherBatchedAdapter } = require('./adapters/tether_batched');
const { throughput, latency } = require('./workloads');
const { sessionSetup, fanOut } = require('./tether_only');
const { rssBytes, sleep } = require('./procs');
const report = require('./report');
const { profiled } = require('./profile');

const REPO = path.resolve(__dirname, '..', '..');

function parseArgs(argv) {
  const opts = {
    quick: false, idle: 19000, idleTls: 5000, perf: null, build: path.join(REPO, 'build'), write: null, note: '', only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--quick') opts.quick = true;
    else if (a === '--idle') opts.idle = Number(value());
    else if (a === '--idle-tls') opts.idleTls = Number(value());
    else if (a === '--build') opts.build = path.resolve(value());
    else if (a === '--write') opts.write = true;
    else if (a === '--no-write') opts.write = false;
    else if (a === '--note') opts.note = value();
    else if (a === '--perf') opts.perf = path.resolve(value());
    else if (a === '--only') opts.only = value().split(',');
    else throw new Error(`unknown option ${a} (see bench/README.md)`);
  }
  for (const [flag, n] of [['--idle', opts.idle], ['--idle-tls', opts.idleTls]]) {
    if (!Number.isInteger(n) || n < 1 || n > 200000) throw new Error(`${flag} must be 1 to 200000`);
  }
  if (opts.write === null) opts.write = !opts.quick;
  return opts;
}

function durations(quick) {
  return quick
    ? { tput: 1, small: 1, lat: 1, latSessions: 10, setup: 1, audit: 1, fan: 1, fanCounts: [0, 2], idleCap: 200 }
    : { tput: 3, small: 3, lat: 5, latSessions: 100, setup: 5, audit: 5, fan: 3, fanCounts: [0, 10, 100], idleCap: Infinity };
}

async function idleAgents(opts, logDir, tls) {
  const tag = tls ? 'tether-idle-wss' : 'tether-idle';
  const count = Math.min(tls ? opts.idleTls : opts.idle, durations(opts.quick).idleCap);
  const tether = new TetherAdapter({ logDir, buildDir: opts.build, tls, tag, seedDevices: count });
  await tether.start();
  const devicesFile = path.join(tether.dir, 'devices.json');
  fs.writeFileSync(devicesFile, JSON.stringify(tether.seeded));
  try {
    await sleep(300);
    const baseline = rssBytes(tether.pid);
    const child = spawn(process.execPath, ['--max-old-space-size=8192', path.join(__dirname, 'idle_agents.js'),
      tether.url, devicesFile, '4', '128'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const line = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', (code) => reject(new Error(`idle_agents exited ${code}`)));
    });
    const result = JSON.parse(line);
    await sleep(500);
    const after = rssBytes(tether.pid);
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
    return {
      ...result, requested: count, rssBaselineMiB: baseline / 1048576, rssMiB: after / 1048576,
      perConnKiB: result.connected ? (after - baseline) / result.connected / 1024 : NaN,
    };
  } finally {
    await tether.stop();
  }
}

function auditAppend(opts, logDir, seconds) {
  const db = path.join(fs.mkdtempSync(path.join(logDir, 'audit-')), 'audit.db');
  const out = execFileSync(path.join(opts.build, 'bench', 'audit-append-bench'), [db, String(seconds), '4096']);
  return JSON.parse(out.toString());
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const d = durations(opts.quick);
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tether-bench-'));
  const want = (name) => !opts.only || opts.only.includes(name);
  const results = { started: new Date(), quick: opts.quick, note: opts.note, machine: report.machine() };
  const log = (s) => process.stderr.write(`${s}\n`);
  log(`bench: logs and databases in ${logDir}`);

  const adapters = [
    new TetherAdapter({ logDir, buildDir: opts.build }),
    new DirectAdapter(),
    new RelayAdapter({ logDir }),
    new MosquittoAdapter({ logDir }),
    new NatsAdapter({ logDir }),
  ];
  const tether = adapters[0];
  for (const a of adapters) await a.start();
  try {
    // `extra`: adapters that run this workload only (on a broker started above).
    const run = async (key, fn, extra = []) => {
      if (!want(key)) return;
      results[key] = {};
      for (const a of [...adapters, ...extra]) {
        log(`bench: ${key} ${a.name}`);
        const profile = (a === tether && key === 'tput16') || a.name === 'tether-batched' ? opts.perf : null;
        results[key][a.name] = await profiled(profile, a === tether ? 'relay' : 'batched', tether.pid, () => fn(a));
      }
    };
    await run('tput1', (a) => throughput(a, { sessions: 1, payloadBytes: 65536, seconds: d.tput, window: 64 }));
    await run('tput16', (a) => throughput(a, { sessions: 16, payloadBytes: 65536, seconds: d.tput, window: 16 }));
    await run('small', (a) => throughput(a, { sessions: 1, payloadBytes: 64, seconds: d.small, window: 2048 }),
      [new TetherBatchedAdapter(tether)]);
    await run('latency', (a) => latency(a, { sessions: d.latSessions, rate: 100, seconds: d.lat }));
    if (want('setup')) {
      log('bench: setup tether');
      results.setup = await profiled(opts.perf, 'setup', tether.pid,
        () => sessionSetup(tether, { concurrency: 32, seconds: d.setup }));
    }
    if (want('fanout')) {
      results.fanout = {};
      for (const n of d.fanCounts) {
        log(`bench: fanout ${n}`);
        results.fanout[n] = await profiled(opts.perf, `fanout-${n}`, tether.pid,
          () => fanOut(tether, { supervisors: n, stalled: false, seconds: d.fan, window: 64 }));
      }
      log('bench: fanout stalled');
      results.fanout.stalled = await fanOut(tether, { supervisors: 0, stalled: true, seconds: d.fan, window: 64 });
    }
  } finally {
    for (const a of adapters) await a.stop();
  }
  if (want('audit')) {
    log('bench: audit append');
    results.audit = auditAppend(opts, logDir, d.audit);
  }
  if (want('idle')) {
    log('bench: idle agents ws');
    results.idle = await idleAgents(opts, logDir, false);
    log('bench: idle agents wss');
    results.idleTls = await idleAgents(opts, logDir, true);
  }
  results.finished = new Date();
  const table = report.table(results);
  process.stdout.write(`${table}\n`);
  fs.writeFileSync(path.join(logDir, 'results.json'), JSON.stringify(results, null, 1));
  if (opts.write) {
    report.writeDocs(path.join(REPO, 'docs', 'BENCHMARKS.md'), results, table);
    log('bench: wrote docs/BENCHMARKS.md');
  }
}

main().then(() => process.exit(0), (e) => { console.error(`bench: ${e.stack || e}`); process.exit(1); });
