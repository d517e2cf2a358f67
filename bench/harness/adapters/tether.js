// Tether: a fresh organisation in a fresh database (tetherctl init), tether-broker on
// 127.0.0.1, enrolled devices as agents (hello `enroll`: the connection is the device
// from then on) and a controller per session (hello `token`, session.connect; the agent
// answers session.consent; both hear session.state active). Frames per §2.2.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');
const { TetherConn, waitEvent } = require('../tether_conn');
const { frameHeader } = require('../frames');
const { freePort, startServer, stopServer } = require('../procs');
const { Pair, FrameBuilder } = require('./pair');

const ORG = 'bench';
const ADMIN = 'admin@bench.local';

class TetherAdapter {
  // `tls`: serve wss:// with a self-signed certificate made here; `config`: extra TOML.
  // `seedDevices`: devices written straight into the new database (see seed()).
  constructor({ logDir, buildDir, tls = false, tag = 'tether', config = {}, seedDevices = 0 }) {
    this.seedDevices = seedDevices;
    this.name = tag;
    this.oneMessagePerFrame = true;
    this.logDir = logDir;
    this.buildDir = buildDir;
    this.tls = tls;
    this.tag = tag;
    this.config = config;
    this.agents = [];  // enrolled, connected devices: {conn, deviceId}
    this.nextAgent = 0;
  }

  async start() {
    const dir = fs.mkdtempSync(path.join(this.logDir, `${this.tag}-`));
    this.dir = dir;
    const password = crypto.randomBytes(18).toString('base64url');
    execFileSync(path.join(this.buildDir, 'tools', 'tetherctl'), ['init', '--db', path.join(dir, 'tether.db'),
      '--org', ORG, '--name', 'Bench', '--admin-email', ADMIN, '--admin-name', 'Bench Admin'],
    { input: `${password}\n`, stdio: ['pipe', 'ignore', 'inherit'] });
    if (this.seedDevices) this.seed(path.join(dir, 'tether.db'), this.seedDevices);
    // The per-address and per-user limits (docs/SECURITY.md) are raised: every bench client
    // is one user on 127.0.0.1–4, which the defaults would refuse as a flood.
    const settings = {
      max_connections: 30000, max_supervisors_per_session: 128, hello_timeout_ms: 60000,
      max_connections_per_address: 30000, max_handshakes_per_address: 30000, max_sessions_per_user: 30000,
      ...this.config,
    };
    const args = ['--db', path.join(dir, 'tether.db'), '--log-level', 'warn'];
    if (this.tls) {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2',
        '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      args.push('--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem'));
    }
    this.port = await freePort();
    fs.writeFileSync(path.join(dir, 'broker.toml'),
      Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n');
    args.push('--config', path.join(dir, 'broker.toml'), '--listen', `127.0.0.1:${this.port}`);
    this.child = await startServer(this.tag, path.join(this.buildDir, 'broker', 'tether-broker'), args, this.port,
      { logFile: path.join(this.logDir, `${this.tag}.log`) });
    this.url = `${this.tls ? 'wss' : 'ws'}://127.0.0.1:${this.port}/v1/ws`;

    const admin = await this.open();
    const login = await admin.hello({ kind: 'password', org: ORG, email: ADMIN, password });
    this.token = login.token;
    await admin.request('org.update', { preferences: { session_confirmation: true } });
    this.deploymentKey = (await admin.request('deploy_key.create', { group_id: '0' })).deployment_key;
    const invited = await admin.request('user.invite', { invites: [{ email: 'watcher@bench.local', role: 'admin' }] });
    const watcher = await this.open();
    const accepted = await watcher.hello({
      kind: 'invite', token: invited.invitations[0].token, name: 'Watcher', password: `${password}-w`,
    });
    this.supervisorToken = accepted.token;
    watcher.close();
    this.admin = admin;
  }

  // Idle agents log in with hello `device`; enrolling each first would cost one write
  // transaction (an fsync) apiece, which is not what holding them measures. So the
  // devices are inserted in one transaction before the broker starts, each with a
  // secret whose SHA-256 is stored as enroll stores it (organisation 1: tetherctl init's).
  seed(dbPath, n) {
    this.seeded = [];
    const now = Date.now();
    const lines = ['BEGIN;'];
    for (let i = 0; i < n; i++) {
      const id = `d_${crypto.randomBytes(12).toString('hex')}`;
      const secret = crypto.randomBytes(32).toString('hex');
      const hash = crypto.createHash('sha256').update(secret).digest('hex');
      this.seeded.push({ id, secret });
      lines.push(`INSERT INTO devices (id, org_id, group_id, name, os, mac, secret_hash, created_at, last_seen) `
        + `VALUES ('${id}', 1, NULL, 'idle-${i}', 'linux', '', '${hash}', ${now}, ${now});`);
    }
    lines.push('COMMIT;');
    execFileSync('sqlite3', [dbPath], { input: lines.join('\n'), stdio: ['pipe', 'ignore', 'inherit'] });
  }

  async stop() {
    await stopServer(this.child);
  }

  get pid() {
    return this.child.pid;
  }

  open(localAddress) {
    return TetherConn.open(this.url, { localAddress, tls: this.tls });
  }

  // A new device, enrolled on its own connection, which stays open as its agent and
  // accepts every session offered to it.
  // `batch`: the agent asks for batches of data frames (PROTOCOL.md §2.4).
  async enrollAgent(localAddress, name, { batch = false } = {}) {
    const conn = await this.open(localAddress);
    const r = await conn.hello({ kind: 'enroll', deployment_key: this.deploymentKey, name, os: 'linux' }, { batch });
    conn.eventListeners.add((ev) => {
      if (ev.event === 'session.request' && ev.consent_required) {
        conn.request('session.consent', { session_id: ev.session_id, accept: true }).catch(() => {});
      }
    });
    return { conn, deviceId: r.device_id };
  }

  async ensureAgents(n) {
    while (this.agents.length < n) {
      const batch = [];
      for (let i = this.agents.length; i < n && batch.length < 64; i++) batch.push(this.enrollAgent(undefined, `agent-${i}`));
      this.agents.push(...(await Promise.all(batch)));
    }
  }

  // A controller with a fresh connection (hello token) opening a session to `agent`;
  // resolves once the session is active for the controller. Returns {controller, sessionId}.
  async connectSession(agent, { batch = false } = {}) {
    const controller = await this.open();
    await controller.hello({ kind: 'token', token: this.token }, { batch });
    const active = waitEvent(controller, (ev) => ev.event === 'session.state' && ev.state === 'active');
    const r = await controller.request('session.connect', { device_id: agent.deviceId });
    await active;
    return { controller, sessionId: r.session_id };
  }

  async endSession(controller, sessionId) {
    await controller.request('session.end', { session_id: sessionId });
    controller.close();
  }

  async pair(i) {
    await this.ensureAgents(i + 1);
    const agent = this.agents[i];
    const { controller, sessionId } = await this.connectSession(agent);
    const frames = new FrameBuilder(frameHeader, sessionId);
    const pair = new Pair({
      sendToController: (p) => agent.conn.ws.send(frames.build(p)),
      sendToAgent: (p) => controller.ws.send(frames.build(p)),
      close: async () => {
        agent.conn.onFrame = () => {};
        await this.endSession(controller, sessionId);
      },
    });
    pair.sessionId = sessionId;
    controller.onFrame = (p) => pair.atController(p);
    agent.conn.onFrame = (p) => pair.atAgent(p);
    return pair;
  }

  // A view participant of `sessionId` (the second user: a controller cannot watch its own).
  async supervise(sessionId) {
    const conn = await this.open();
    await conn.hello({ kind: 'token', token: this.supervisorToken });
    await conn.request('session.supervise', { session_id: sessionId });
    return conn;
  }
}

module.exports = { TetherAdapter };
