// Starting and stopping the servers the bench measures, on 127.0.0.1 only.
'use strict';
const net = require('net');
const fs = require('fs');
const { spawn } = require('child_process');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

// Spawns `cmd` and waits (at most 15 s) until 127.0.0.1:`port` accepts connections.
async function startServer(name, cmd, args, port, { logFile, env } = {}) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: env || process.env });
  let exited = null;
  child.once('exit', (code, signal) => { exited = { code, signal }; });
  for (let i = 0; i < 150; i++) {
    if (exited) throw new Error(`${name} exited (${JSON.stringify(exited)}); see ${logFile}`);
    if (await canConnect(port)) return child;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on ${port} within 15 s; see ${logFile}`);
}

async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 12000);
  await done;
  clearTimeout(timer);
}

// Resident set of a process, in bytes (Linux /proc).
function rssBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) * 1024 : NaN;
}

module.exports = { freePort, sleep, startServer, stopServer, rssBytes };
