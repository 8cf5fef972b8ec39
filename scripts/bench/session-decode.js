#!/usr/bin/env node
// What decoding one proxied connection costs tlslab's capture path alone: N real connections through an in-process
// tlslab (CONNECT, TLS 1.3 both legs, GET /small, close) are recorded as each leg's LegCapture saw them (every chunk
// fed and every key-log line, in order), then replayed many times through fresh ConnectionSessions in the live
// detail, as the proxy runs them: both decoders, the event stamping, and (with --bus) a real EventBus. No sockets, no
// Node TLS in the timed part. Prints µs per connection, wall and CPU. Needs `npm run build` first.
// Usage: node scripts/bench/session-decode.js [--connections 20] [--runs 3000] [--bus] [--detail live|full]
'use strict';
const fs = require('node:fs');
const https = require('node:https');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { makeOriginPki } = require('./lib/pki');

const DIST = path.join(__dirname, '..', '..', 'dist');

function options(argv) {
  const o = { connections: 20, runs: 3000, bus: false, detail: 'live' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--connections') o.connections = Number(argv[++i]);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--bus') o.bus = true;
    else if (a === '--detail') o.detail = argv[++i];
    else {
      process.stderr.write(`unknown option ${a}\nusage: node scripts/bench/session-decode.js [--connections N] [--runs N] [--bus] [--detail live|full]\n`);
      process.exit(2);
    }
  }
  return o;
}

/** Records every LegCapture.feed and addKeyLog call of the process, per leg, in order. */
function recordLegs(session) {
  const legs = new Map();
  const of = (capture) => legs.get(capture) ?? legs.set(capture, { leg: capture.leg, ops: [] }).get(capture);
  const P = session.LegCapture.prototype;
  const feed = P.feed;
  const addKeyLog = P.addKeyLog;
  P.feed = function (from, chunk) {
    of(this).ops.push({ from, bytes: Buffer.from(chunk) });
    return feed.call(this, from, chunk);
  };
  P.addKeyLog = function (line) {
    of(this).ops.push({ keyLog: line.toString() });
    return addKeyLog.call(this, line);
  };
  return () => {
    P.feed = feed;
    P.addKeyLog = addKeyLog;
    return [...legs.values()];
  };
}

/** One client request through the proxy: CONNECT, TLS, GET /small with Connection: close, until the server closes. */
function oneConnection(proxyPort, originPort, ca) {
  return new Promise((resolve, reject) => {
    const s = net.connect(proxyPort, '127.0.0.1', () => s.write(`CONNECT localhost:${originPort} HTTP/1.1\r\nHost: localhost:${originPort}\r\n\r\n`));
    let head = '';
    const onHead = (d) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      s.off('data', onHead);
      const t = tls.connect({ socket: s, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] }, () => t.write('GET /small HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
      t.on('data', () => undefined);
      t.on('end', () => t.end());
      t.on('close', resolve);
      t.on('error', reject);
    };
    s.on('data', onHead);
    s.on('error', reject);
  });
}

async function record(o, session) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-session-decode-'));
  const pki = makeOriginPki(work);
  const origin = https.createServer({ key: fs.readFileSync(pki.keyFile), cert: fs.readFileSync(pki.certFile), minVersion: 'TLSv1.3' }, (_req, res) => res.end(Buffer.alloc(1024, 0x61)));
  await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const stop = recordLegs(session);
  const { startTlslab } = require(path.join(DIST, 'app'));
  const running = await startTlslab({ port: 0, host: '127.0.0.1', uiPort: false, lab: false, certsDir: work, upstreamCa: [pki.caFile] });
  try {
    const ca = fs.readFileSync(path.join(work, 'tlslab-ca.pem'));
    for (let i = 0; i < o.connections; i++) await oneConnection(running.proxyPort, origin.address().port, ca);
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    await running.close();
    origin.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const legs = stop();
  const client = legs.filter((l) => l.leg === 'client');
  const upstream = legs.filter((l) => l.leg === 'upstream');
  return client.slice(0, upstream.length).map((c, i) => [c, upstream[i]]);
}

function main() {
  const o = options(process.argv.slice(2));
  const session = require(path.join(DIST, 'capture', 'session'));
  const { EventBus } = require(path.join(DIST, 'events', 'bus'));
  record(o, session).then((conns) => {
    if (conns.length === 0) throw new Error('no connection was recorded');
    let events = 0;
    const bus = o.bus ? new EventBus() : null;
    const sink = { emit: (d) => (events++, bus ? bus.emit(d) : d) };
    const replay = (conn) => {
      const s = new session.ConnectionSession(sink, { decoder: { detail: o.detail } });
      for (const leg of conn) {
        const capture = s.leg(leg.leg);
        for (const op of leg.ops) {
          if (op.bytes) capture.feed(op.from, Buffer.from(op.bytes)); // a fresh chunk each time, as a socket gives
          else capture.addKeyLog(op.keyLog);
        }
      }
      s.close('closed');
    };
    for (let i = 0; i < 300; i++) replay(conns[i % conns.length]); // warm-up
    events = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < o.runs; i++) replay(conns[i % conns.length]);
    const wall = Number(process.hrtime.bigint() - t0) / 1000 / o.runs;
    const cpu = process.cpuUsage(c0);
    process.stdout.write(`${o.connections} connections recorded, replayed ${o.runs} times in detail '${o.detail}' ${o.bus ? 'into an EventBus' : 'into a sink that keeps nothing'}: ` +
      `${wall.toFixed(1)} µs per connection (wall), ${((cpu.user + cpu.system) / o.runs).toFixed(1)} µs (CPU), ${(events / o.runs).toFixed(1)} events each\n`);
    process.exit(0);
  }).catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  });
}

main();
