// The workloads only a broker with sessions, an audit log and supervisors has.
'use strict';
const { performance } = require('perf_hooks');
const { sleep } = require('./procs');
const { percentile, runFlows } = require('./workloads');

// Complete sessions (hello token, session.connect, the agent consents, active,
// session.end answered: every audit event durable) from `concurrency` loops at once.
async function sessionSetup(tether, { concurrency, seconds, agentOffset = 200 }) {
  await tether.ensureAgents(agentOffset + concurrency);
  const durations = [];
  let running = true;
  let failures = 0;
  const loop = async (agent) => {
    while (running) {
      const t0 = performance.now();
      try {
        const { controller, sessionId } = await tether.connectSession(agent);
        await tether.endSession(controller, sessionId);
        durations.push(performance.now() - t0);
      } catch (e) {
        failures++;
        if (failures > 100) throw e;
      }
    }
  };
  const start = performance.now();
  const loops = tether.agents.slice(agentOffset, agentOffset + concurrency).map(loop);
  await sleep(seconds * 1000);
  running = false;
  await Promise.all(loops);
  const elapsed = (performance.now() - start) / 1000;
  durations.sort((a, b) => a - b);
  return {
    sessionsPerS: durations.length / elapsed, p50: percentile(durations, 0.5),
    p99: percentile(durations, 0.99), failures,
  };
}

// One session at full throughput (64 KiB frames) with `supervisors` view participants
// reading as fast as they can, and optionally one more that never reads.
async function fanOut(tether, { supervisors, stalled, seconds, window, payloadBytes = 65536 }) {
  const pair = await tether.pair(0);
  const watchers = [];
  for (let i = 0; i < supervisors; i += 16) {
    const batch = [];
    for (let j = i; j < Math.min(supervisors, i + 16); j++) batch.push(tether.supervise(pair.sessionId));
    watchers.push(...(await Promise.all(batch)));
  }
  const counts = watchers.map(() => 0);
  let counting = false;
  let removed = 0;
  let droppedNotices = 0;
  watchers.forEach((w, i) => {
    w.onFrame = () => { if (counting) counts[i]++; };
    w.eventListeners.add((ev) => {
      if (ev.event === 'frames.dropped') droppedNotices += ev.count;
      if (ev.event === 'session.ended' && ev.reason === 'slow_consumer') removed++;
    });
  });
  let stalledConn = null;
  if (stalled) {
    stalledConn = await tether.supervise(pair.sessionId);
    stalledConn.ws._socket.pause();  // never reads again: its TCP window fills
  }
  const { counted, elapsed } = await runFlows([pair], {
    payloadBytes, seconds, window, onCounting: (on) => { counting = on; },
  });
  const shares = counts.map((c) => (counted ? c / counted : 0)).sort((a, b) => a - b);
  await pair.close();
  for (const w of watchers) w.close();
  if (stalledConn) stalledConn.terminate();
  return {
    mibPerS: (counted * payloadBytes) / 1048576 / elapsed,
    minShare: shares.length ? shares[0] : NaN,
    medianShare: shares.length ? percentile(shares, 0.5) : NaN,
    removedSlow: removed,
    framesDroppedForSupervisors: droppedNotices,
  };
}

module.exports = { sessionSetup, fanOut };
