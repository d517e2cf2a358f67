// --perf DIR: a CPU profile of tether-broker (perf record, call graphs) while one
// workload runs against it; the flat top of `perf report` is written beside the data.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawn, execFileSync } = require('child_process');

async function profiled(dir, name, pid, fn) {
  if (!dir) return fn();
  fs.mkdirSync(dir, { recursive: true });
  const data = path.join(dir, `${name}.perf.data`);
  const perf = spawn('perf', ['record', '-F', '499', '-g', '-p', String(pid), '-o', data], { stdio: 'ignore' });
  const exited = new Promise((r) => perf.once('exit', r));
  try {
    return await fn();
  } finally {
    perf.kill('SIGINT');
    await exited;
    const flat = execFileSync('perf', ['report', '-i', data, '--stdio', '--no-children', '--sort', 'dso,symbol',
      '--percent-limit', '0.7', '-g', 'none'], { maxBuffer: 64 << 20 }).toString();
    fs.writeFileSync(path.join(dir, `${name}.txt`), flat);
  }
}

module.exports = { profiled };
