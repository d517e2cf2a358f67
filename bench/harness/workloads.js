// The workloads, the same code for every system: each gets Pairs from an adapter.
// Every load is bounded: a fixed number of sessions, a fixed time, and end-to-end flow
// control (at most `window` frames sent but not yet received per session).
'use strict';
const { performance } = require('perf_hooks');
const { sleep } = require('./procs');

async function openPairs(adapter, n) {
  const pairs = [];
  for (let i = 0; i < n; i += 16) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 16); j++) batch.push(adapter.pair(j));
    pairs.push(...(await Promise.all(batch)));
  }
  return pairs;
}

async function closePairs(pairs) {
  await Promise.all(pairs.map((p) => p.close()));
}

// Agent → controller in every pair, as fast as flow control allows; counts what the
// controllers got during `seconds` after a warm-up (`onCounting(bool)` hears the window
// open and close). Each payload carries its sequence number: order is kept per session
// and direction on every system, so a gap is frames lost (Mosquitto's WebSocket
// listener loses some), counted and not waited for.
async function runFlows(pairs, { payloadBytes, seconds, window, warmup = 0.5, onCounting = () => {} }) {
  let running = true;
  let counting = false;
  let counted = 0;
  let lost = 0;
  let late = 0;
  const flows = pairs.map((pair) => {
    // A ring of payloads, so a buffer a client library still holds is not rewritten.
    const ring = Array.from({ length: 4 * window }, () => Buffer.alloc(payloadBytes, 0x61));
    const flow = { sent: 0, accounted: 0, lastSeen: -1 };
    const pump = () => {
      while (running && flow.sent - flow.accounted < window) {
        const payload = ring[flow.sent % ring.length];
        payload.writeUInt32LE(flow.sent >>> 0, 0);
        pair.sendToController(payload);
        flow.sent++;
      }
    };
    pair.atController = (p) => {
      const seq = (p[0] | (p[1] << 8) | (p[2] << 16) | (p[3] << 24)) >>> 0;
      const gap = (seq - (flow.accounted >>> 0)) >>> 0;
      if (gap >= 2 ** 31) { late++; return; }  // already counted lost by the watchdog
      lost += gap;
      flow.accounted += gap + 1;
      if (counting) counted++;
      if (flow.sent - flow.accounted <= window / 2) pump();
    };
    flow.pump = pump;
    return flow;
  });
  flows.forEach((f) => f.pump());
  // Frames lost at the tail have nothing after them: a session with frames out and
  // nothing arriving for a second counts them lost and sends on.
  const watchdog = setInterval(() => {
    for (const f of flows) {
      if (f.sent > f.accounted && f.accounted === f.lastSeen) {
        lost += f.sent - f.accounted;
        f.accounted = f.sent;
        f.pump();
      }
      f.lastSeen = f.accounted;
    }
  }, 1000);
  await sleep(warmup * 1000);
  counting = true;
  onCounting(true);
  const start = performance.now();
  await sleep(seconds * 1000);
  counting = false;
  onCounting(false);
  const elapsed = (performance.now() - start) / 1000;
  running = false;
  for (let i = 0; i < 100 && flows.some((f) => f.accounted < f.sent); i++) await sleep(50);
  clearInterval(watchdog);
  const sent = flows.reduce((n, f) => n + f.sent, 0);
  return { counted, elapsed, lostShare: sent ? Math.max(0, lost - late) / sent : 0 };
}

async function throughput(adapter, { sessions, payloadBytes, seconds, window }) {
  const pairs = await openPairs(adapter, sessions);
  const { counted, elapsed, lostShare } = await runFlows(pairs, { payloadBytes, seconds, window });
  await closePairs(pairs);
  const framesPerS = counted / elapsed;
  return { framesPerS, mibPerS: (framesPerS * payloadBytes) / 1048576, lostShare };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// Controller → agent → controller round trips at `rate` frames/s in each session; the
// sends are spread over each 10 ms so the sessions do not all send at once.
async function latency(adapter, { sessions, rate, seconds, payloadBytes = 64 }) {
  const pairs = await openPairs(adapter, sessions);
  const rtts = [];
  let measuring = false;
  // A round trip counts when its frame was sent inside the window, whenever it returns.
  const window = { from: Infinity, to: Infinity };
  for (const pair of pairs) {
    pair.atAgent = (p) => pair.sendToController(p);
    pair.atController = (p) => {
      const sentAt = Buffer.from(p.buffer, p.byteOffset, p.byteLength).readDoubleLE(0);
      if (sentAt >= window.from && sentAt < window.to) rtts.push(performance.now() - sentAt);
    };
  }
  const periodMs = 1000 / rate;
  let next = 0;
  let sentMeasured = 0;
  const tick = () => {
    const now = performance.now();
    const due = Math.floor(((now % periodMs) / periodMs) * pairs.length);
    while (next !== due) {
      const payload = Buffer.alloc(payloadBytes);
      payload.writeDoubleLE(performance.now(), 0);
      pairs[next].sendToAgent(payload);
      if (measuring) sentMeasured++;
      next = (next + 1) % pairs.length;
    }
  };
  const timer = setInterval(tick, 0.5);
  await sleep(500);
  measuring = true;
  const start = performance.now();
  window.from = start;
  await sleep(seconds * 1000);
  measuring = false;
  window.to = performance.now();
  const elapsed = (window.to - start) / 1000;
  clearInterval(timer);
  await sleep(1000);  // the last round trips of the window come back
  await closePairs(pairs);
  rtts.sort((a, b) => a - b);
  return {
    samples: rtts.length,
    lostShare: sentMeasured ? Math.max(0, 1 - rtts.length / sentMeasured) : 0,
    ratePerSession: rtts.length / elapsed / sessions,
    p50: percentile(rtts, 0.5),
    p99: percentile(rtts, 0.99),
    p999: percentile(rtts, 0.999),
  };
}

module.exports = { throughput, runFlows, latency, percentile, openPairs, closePairs };
