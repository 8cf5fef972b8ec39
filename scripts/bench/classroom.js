#!/usr/bin/env node
// Classroom benchmark: one tlslab in classroom mode (its own process, the built-in lab as origins), N simulated
// students (distinct sign-ins) each opening bursts of HTTPS connections, with every student's own view and the
// instructor's view connected. Prints connections/s, proxy CPU per connection, p95 event-to-view latency per view,
// isolation violations (events a view received that were not its student's) and peak RSS. Loopback only.
// Usage: npm run -s build && node scripts/bench/classroom.js [--students 30] [--burst 20] [--seconds 30]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const tls = require('node:tls');
const path = require('node:path');
const { fork } = require('node:child_process');
const { openTunnel } = require('./lib/clients');
const { watchProcess, loadNote } = require('./lib/proc');
const { percentile, fmt } = require('./lib/stats');

const CODE = 'maple-rocket-47';
const HOSTS = ['valid.lab.tlslab', 'valid.lab.tlslab', 'valid.lab.tlslab', 'expired.lab.tlslab'];

function parseArgs(argv) {
  const o = { students: 30, burst: 20, seconds: 30, child: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--students') o.students = num();
    else if (a === '--burst') o.burst = num();
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--child') o.child = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** The proxy process: tlslab in classroom mode, on loopback, from dist/. */
async function child() {
  const app = require('../../dist/app');
  const certsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-classroom-bench-'));
  const running = await app.startTlslab({ classroom: true, classCode: CODE, host: '127.0.0.1', port: 0, uiPort: 0, lab: true, certsDir });
  process.on('disconnect', () => {
    running.close().finally(() => {
      fs.rmSync(certsDir, { recursive: true, force: true });
      process.exit(0);
    });
  });
  process.send({ port: running.proxyPort, dashboard: running.dashboardUrl, ca: path.join(certsDir, 'tlslab-ca.pem'), pid: process.pid });
}

/** p-th percentile of unsorted values. */
const pct = (values, p) => percentile([...values].sort((a, b) => a - b), p);

const basic = (name) => `Basic ${Buffer.from(`${name}:${CODE}`, 'utf8').toString('base64')}`;

/** A view's WebSocket: every event it receives, stamped with when it arrived. */
function openView(WebSocket, url, opts) {
  const view = { events: [], latencies: [], ws: new WebSocket(url, opts), ready: null };
  view.ready = new Promise((resolve, reject) => {
    view.ws.once('open', resolve);
    view.ws.once('error', reject);
  });
  view.ws.on('message', (data) => {
    const now = performance.timeOrigin + performance.now();
    const m = JSON.parse(String(data));
    const live = m.kind === 'events';
    const events = m.kind === 'events' || m.kind === 'snapshot' ? m.events : [];
    for (const e of events) {
      view.events.push(e);
      if (live) view.latencies.push(now - e.t);
    }
  });
  return view;
}

/** One HTTPS request through the proxy as `name`: CONNECT (signed in), TLS, GET, close. */
async function oneConnection(port, name, host, ca) {
  const raw = await openTunnel(port, host, 443, [], { 'Proxy-Authorization': basic(name) });
  await new Promise((resolve, reject) => {
    const s = tls.connect({ socket: raw, servername: host, ca, ALPNProtocols: ['http/1.1'] });
    s.on('error', reject);
    s.on('data', () => undefined);
    s.once('secureConnect', () => s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
    s.once('close', resolve);
  }).catch(() => raw.destroy()); // the expired lab case is refused by the client on purpose
}

async function parent(o) {
  const { WebSocket } = require('ws');
  const proc = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((resolve, reject) => {
    proc.once('message', resolve);
    proc.once('exit', (code) => reject(new Error(`tlslab exited (${code})`)));
  });
  const ca = fs.readFileSync(ready.ca, 'utf8');
  const names = Array.from({ length: o.students }, (_, i) => `student-${String(i + 1).padStart(2, '0')}`);

  const instructor = openView(WebSocket, `${ready.dashboard.replace(/^http/, 'ws').replace(/\/?$/, '')}/ws`, {});
  const views = names.map((name) => openView(WebSocket, 'ws://tlslab/ws', {
    createConnection: () => net.connect(ready.port, '127.0.0.1'),
    headers: { 'Proxy-Authorization': basic(name), Origin: 'http://tlslab' },
  }));
  await Promise.all([instructor.ready, ...views.map((v) => v.ready)]);

  process.stdout.write(`tlslab classroom mode, pid ${ready.pid}; ${o.students} students × bursts of ${o.burst} HTTPS connections (1 in 4 to the expired lab case), ${o.students} student views + 1 instructor view, ${o.seconds} s; ${loadNote()}, ${os.cpus().length} cores\n`);
  const watch = watchProcess(ready.pid);
  const started = performance.now();
  const endAt = started + o.seconds * 1000;
  let done = 0;
  let failed = 0;
  await Promise.all(names.map(async (name, k) => {
    let round = 0;
    while (performance.now() < endAt) {
      await Promise.all(Array.from({ length: o.burst }, (_, i) => oneConnection(ready.port, name, HOSTS[(i + k + round) % HOSTS.length], ca)
        .then(() => done++, () => failed++)));
      round++;
      await new Promise((r) => setTimeout(r, 200));
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 2000)); // the last events reach the views
  const proc1 = watch.stop();

  // Isolation: each student view may carry only connections whose conn:open named that student.
  const owner = new Map();
  for (const e of instructor.events) if (e.type === 'conn:open') owner.set(e.conn, e.student ? e.student.name : null);
  let violations = 0;
  const p95s = [];
  views.forEach((v, i) => {
    for (const e of v.events) if (owner.get(e.conn) !== names[i]) violations++;
    p95s.push(pct(v.latencies, 95));
  });
  const instructorP95 = pct(instructor.latencies, 95);
  const studentConns = [...owner.values()].filter((n) => n !== null).length;

  process.stdout.write([
    `connections completed          ${done} (${failed} failed) in ${fmt(elapsed, 1)} s: ${fmt(done / elapsed, 1)} connections/s`,
    `connections the instructor saw ${studentConns} signed-in (every one named)`,
    `proxy CPU per connection       ${fmt((proc1.cpuS * 1000) / Math.max(1, done), 2)} ms (${fmt(proc1.cpuS, 1)} s CPU in all)`,
    `event-to-view latency, p95     instructor ${fmt(instructorP95, 1)} ms; students: median ${fmt(pct(p95s, 50), 1)} ms, worst ${fmt(Math.max(...p95s), 1)} ms (target ≤ 250 ms)`,
    `isolation violations           ${violations} (must be 0) over ${views.reduce((n, v) => n + v.events.length, 0)} events in student views`,
    `peak RSS                       ${fmt(proc1.peakRssMiB, 0)} MiB`,
  ].join('\n') + '\n');
  for (const v of [instructor, ...views]) v.ws.terminate();
  proc.disconnect();
  process.exitCode = violations === 0 ? 0 : 1;
}

const opts = parseArgs(process.argv.slice(2));
(opts.child ? child() : parent(opts)).catch((err) => {
  process.stderr.write(`classroom bench: ${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
});
