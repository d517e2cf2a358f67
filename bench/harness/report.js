// The table bench/run prints and the generated part of docs/BENCHMARKS.md.
'use strict';
const fs = require('fs');
const os = require('os');
const { execFileSync } = require('child_process');

const PEERS = ['mosquitto', 'nats', 'node-relay'];
const COLUMNS = ['tether', 'direct', 'mosquitto', 'nats', 'node-relay'];

function machine() {
  const cpu = os.cpus();
  let kernel = os.release();
  let debian = '';
  try { debian = fs.readFileSync('/etc/debian_version', 'utf8').trim(); } catch { /* not Debian */ }
  const version = (cmd, args) => {
    try { return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().split('\n')[0].trim(); } catch { return '?'; }
  };
  return {
    cpu: `${cpu.length} × ${cpu[0] ? cpu[0].model.trim() : '?'}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `Debian ${debian}, Linux ${kernel}`,
    node: process.version,
    mosquitto: version('dpkg-query', ['-W', '-f=${Version}', 'mosquitto']),
    nats: version('dpkg-query', ['-W', '-f=${Version}', 'nats-server']),
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

const fmt = (v, digits = 0) => (v === undefined || v === null || Number.isNaN(v) ? '—'
  : Number(v).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
const verdict = (ok) => (ok === undefined ? '' : ok ? 'met' : '**not met**');

function bestOf(values, names, higherIsBetter = true) {
  const present = names.map((n) => values[n]).filter((v) => v !== undefined && !Number.isNaN(v));
  if (present.length === 0) return undefined;
  return higherIsBetter ? Math.max(...present) : Math.min(...present);
}

// One row per figure: [workload, unit, per-system values..., vs best peer, vs direct, target, verdict]
function rows(r) {
  const out = [];
  const systemRow = (label, unit, values, { peers = PEERS, digits = 0, target, lowerIsBetter = false, losses = {} } = {}) => {
    const best = bestOf(values, peers, !lowerIsBetter);
    const t = values.tether;
    const vsPeer = lowerIsBetter ? ratio(best, t) : ratio(t, best);
    const vsDirect = lowerIsBetter ? (t !== undefined && values.direct !== undefined ? `${t >= values.direct ? '+' : '−'}${fmt(Math.abs(t - values.direct), 3)} ms` : '—') : ratio(t, values.direct);
    const ok = target ? target(t, best, values) : undefined;
    const cell = (c) => {
      if (!(peers.includes(c) || c === 'tether' || c === 'direct')) return 'n/a';
      const lost = losses[c] > 0.001 ? ` (${fmt(losses[c] * 100, 1)}% lost)` : '';
      return fmt(values[c], digits) + lost;
    };
    out.push([label, unit, ...COLUMNS.map(cell),
      vsPeer, vsDirect, target ? target.text : '', verdict(ok)]);
  };
  const pick = (key, field) => Object.fromEntries(Object.entries(r[key] || {}).map(([k, v]) => [k, v[field]]));
  const lead = (t, best) => t !== undefined && best !== undefined && t >= best;
  lead.text = '≥ 1.0× best peer (aim 1.5×)';
  if (r.tput1) systemRow('relay 64 KiB, 1 session', 'MiB/s', pick('tput1', 'mibPerS'), { target: lead, losses: pick('tput1', 'lostShare') });
  if (r.tput16) systemRow('relay 64 KiB, 16 sessions', 'MiB/s', pick('tput16', 'mibPerS'), { target: lead, losses: pick('tput16', 'lostShare') });
  if (r.small) {
    const one = (t, best) => t !== undefined && best !== undefined && t >= best;
    one.text = '≥ 1.0× best of relay, Mosquitto';
    const values = pick('small', 'framesPerS');
    systemRow('64 B frames, one per WS message', 'frames/s', values, { peers: ['mosquitto', 'node-relay'], target: one, losses: pick('small', 'lostShare') });
    const batched = (t, best) => t !== undefined && best !== undefined && t >= best;
    batched.text = '≥ 1.0× NATS (both pack each tick\'s frames: Tether batches, §2.4)';
    systemRow('64 B frames, batched (Tether batches, NATS packs)', 'frames/s',
      { tether: values['tether-batched'], nats: values.nats },
      { peers: ['nats'], target: batched, losses: { tether: pick('small', 'lostShare')['tether-batched'] } });
  }
  if (r.latency) {
    const p99 = (t, best, v) => t !== undefined && t < best && t - v.direct <= 0.3;
    p99.text = '< every peer, ≤ direct + 0.3 ms';
    systemRow('RTT p50, 100 frames/s × sessions', 'ms', pick('latency', 'p50'), { digits: 3, lowerIsBetter: true });
    systemRow('RTT p99', 'ms', pick('latency', 'p99'), { digits: 3, lowerIsBetter: true, target: p99, losses: pick('latency', 'lostShare') });
    systemRow('RTT p99.9', 'ms', pick('latency', 'p999'), { digits: 3, lowerIsBetter: true });
  }
  const tetherRow = (label, unit, value, targetText, ok, digits = 0) => out.push(
    [label, unit, fmt(value, digits), 'n/a', 'n/a', 'n/a', 'n/a', '—', '—', targetText, verdict(ok)]);
  if (r.setup) {
    tetherRow('session set-up, durable audit', 'sessions/s', r.setup.sessionsPerS, '≥ 2,000/s', r.setup.sessionsPerS >= 2000);
    tetherRow('session set-up p99', 'ms', r.setup.p99, '≤ 20 ms', r.setup.p99 <= 20, 2);
  }
  if (r.audit) tetherRow('audit append, group commit', 'events/s', r.audit.events_per_s, '≥ 100,000/s', r.audit.events_per_s >= 100000);
  if (r.fanout) {
    const base = r.fanout[0] && r.fanout[0].mibPerS;
    for (const [k, v] of Object.entries(r.fanout)) {
      const label = k === 'stalled' ? 'fan-out: 1 stalled supervisor' : `fan-out: ${k} supervisors`;
      const shares = k === 'stalled' || k === '0' ? '' : ` (each got ≥ ${fmt(v.minShare * 100, 1)}%, median ${fmt(v.medianShare * 100, 1)}%;`
        + ` ${v.removedSlow} removed as slow_consumer, ${fmt(v.framesDroppedForSupervisors)} frames dropped for them)`;
      const ok = k === '0' ? undefined : v.mibPerS >= 0.9 * base;
      out.push([label + shares, 'MiB/s', fmt(v.mibPerS), 'n/a', 'n/a', 'n/a', 'n/a', k === '0' ? '—' : `${ratio(v.mibPerS, base)} of 0`, '—',
        k === '0' ? '' : '≥ 0.9× no supervisor', verdict(ok)]);
    }
  }
  for (const [key, label] of [['idle', 'idle agents, ws://'], ['idleTls', 'idle agents, wss://']]) {
    const v = r[key];
    if (!v) continue;
    tetherRow(`${label}: held (of ${fmt(v.requested)} asked), connect time ${fmt(v.seconds, 1)} s`, 'agents', v.connected,
      '100,000', v.connected >= 100000);
    tetherRow(`${label}: broker RSS per agent over ${fmt(v.rssBaselineMiB, 1)} MiB empty`, 'KiB', v.perConnKiB, '≤ 16 KiB (aim 8)', v.perConnKiB <= 16, 1);
  }
  return out;
}

function table(r) {
  const header = ['workload', 'unit', 'Tether', 'direct', 'Mosquitto', 'NATS', 'Node relay', 'Tether vs best peer', 'Tether vs direct', 'target', ''];
  const body = rows(r);
  const lines = [header, header.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}

function describe(r) {
  const m = r.machine;
  return [
    `Run: ${r.started.toISOString()} to ${r.finished.toISOString()}${r.quick ? ' (**--quick**: smoke figures, not measurements)' : ''}.`,
    `Machine: ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, Mosquitto ${m.mosquitto}, nats-server ${m.nats}. Load average at the end: ${m.load}.`,
    r.note ? `Note: ${r.note}` : '',
  ].filter(Boolean).join('\n');
}

const BEGIN = '<!-- bench:begin (written by bench/run; edit outside these markers) -->';
const END = '<!-- bench:end -->';

function writeDocs(file, r, tableText) {
  const generated = `${BEGIN}\n${describe(r)}\n\n${tableText}\n${END}`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  text = a >= 0 && b > a ? text.slice(0, a) + generated + text.slice(b + END.length) : `${text}\n${generated}\n`;
  fs.writeFileSync(file, text);
}

module.exports = { machine, table, writeDocs };
