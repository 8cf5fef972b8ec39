#!/usr/bin/env node
// Soak test: a real tlslab (its own process, the built-in lab as origins, the dashboard on) under a bounded load for N
// minutes — held tunnels, churn, bad inputs from a list, dashboard viewers — printing fds, RSS, event-loop delay and
// errors each minute, then whether every connection closed with a cause and the fds came back. Loopback only.
// Usage: npm run -s build && node scripts/soak.js [--minutes 10] [--tunnels 1000] [--viewers 10] [--churn 4]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const net = require('node:net');
const tls = require('node:tls');
const path = require('node:path');
const { fork } = require('node:child_process');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { openTunnel } = require('./bench/lib/clients');
const { rssMiB } = require('./bench/lib/proc');

const GOOD = 'valid.lab.tlslab';
const BROKEN = 'expired.lab.tlslab';

function parseArgs(argv) {
  const o = { minutes: 10, tunnels: 1000, viewers: 10, churn: 4, badEveryMs: 500, child: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--minutes') o.minutes = num();
    else if (a === '--tunnels') o.tunnels = num();
    else if (a === '--viewers') o.viewers = num();
    else if (a === '--churn') o.churn = num();
    else if (a === '--bad-every-ms') o.badEveryMs = num();
    else if (a === '--child') o.child = true;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 5).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// The proxy process: tlslab from dist/, its own counters, answers `stats` over IPC.

async function child() {
  const app = require('../dist/app');
  const certsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-soak-certs-'));
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const errors = [];
  // A soak counts what escapes; it must not hide it. Each one is reported, and the run says FAIL.
  process.on('uncaughtException', (err) => errors.push(`uncaughtException: ${err && err.stack ? err.stack.split('\n').slice(0, 3).join(' | ') : err}`));
  process.on('unhandledRejection', (err) => errors.push(`unhandledRejection: ${err && err.message ? err.message : err}`));
  const running = await app.startTlslab({ host: '127.0.0.1', port: 0, uiHost: '127.0.0.1', uiPort: 0, lab: true, certsDir });
  const open = new Set();
  let opened = 0;
  let closed = 0;
  let closedWithoutCause = 0;
  const causes = {};
  running.bus.subscribe((e) => {
    if (e.type === 'conn:open') {
      opened++;
      open.add(e.conn);
    } else if (e.type === 'conn:close') {
      closed++;
      open.delete(e.conn);
      if (!e.cause) closedWithoutCause++;
      causes[e.cause] = (causes[e.cause] ?? 0) + 1;
    }
  });
  const fdCount = () => {
    try {
      return fs.readdirSync('/proc/self/fd').length;
    } catch {
      return NaN;
    }
  };
  process.on('disconnect', () => process.exit(0)); // the driver is gone: so is the load
  process.on('message', (m) => {
    if (m === 'stats') {
      const mem = process.memoryUsage();
      process.send({
        type: 'stats',
        fds: fdCount(),
        rssMiB: mem.rss / 1048576,
        heapMiB: mem.heapUsed / 1048576,
        eldP99: eld.percentile(99) / 1e6,
        eldMax: eld.max / 1e6,
        open: open.size,
        opened,
        closed,
        closedWithoutCause,
        causes,
        // The bounded stores: summaries kept (up to the cap, then the oldest closed are forgotten) and history evictions.
        summaries: running.bus.connectionCount,
        summaryCap: running.bus.maxConnections,
        forgotten: running.bus.forgottenConnections,
        historyEvicted: running.bus.history.evicted,
        // What the connections still open are (a few), to tell a slow close from a stuck one.
        stillOpen: open.size > 20 ? [] : [...open].map((id) => {
          const sum = running.bus.summary(id);
          const evs = running.bus.eventsFor(id);
          const last = evs[evs.length - 1];
          return `${id} ${sum ? `${sum.target.host}:${sum.target.port}` : '?'} age ${sum ? ((Date.now() - sum.openedAt) / 1000).toFixed(0) : '?'} s, ${evs.length} events, last ${last ? last.type : '?'}${sum && sum.cause ? `, ${sum.cause}` : ''}`;
        }),
        errors: errors.splice(0),
      });
      eld.reset();
    } else if (m === 'gc') {
      if (global.gc) global.gc();
      process.send({ type: 'gc' });
    } else if (m === 'stop') {
      running.close().finally(() => {
        fs.rmSync(certsDir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.send({ type: 'ready', port: running.proxyPort, dashboard: running.dashboardUrl, ca: path.join(certsDir, 'tlslab-ca.pem'), pid: process.pid });
}

// ---------------------------------------------------------------------------------------------------------------
// The load: all of it aimed at the proxy on 127.0.0.1.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TLS connection through the proxy to a lab host, verified against the tlslab CA. */
async function tlsVia(port, host, ca, timeoutMs = 15000) {
  const raw = await openTunnel(port, host, 443);
  return new Promise((resolve, reject) => {
    const s = tls.connect({ socket: raw, servername: host, ca, ALPNProtocols: ['http/1.1'] });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('handshake timeout'));
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(t);
      s.raw = raw; // a reset is sent on the TCP socket under the TLS one
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(t);
      raw.destroy();
      reject(err);
    });
  });
}

/** One request on a TLS socket; resolves when the response ends (Connection: close) or rejects. */
function getOnce(s, host) {
  return new Promise((resolve, reject) => {
    let n = 0;
    s.on('data', (c) => {
      n += c.length;
    });
    s.once('end', () => resolve(n));
    s.once('close', () => resolve(n));
    s.once('error', reject);
    s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

/** Raw bytes to the proxy port, then wait for it to close or `holdMs`. */
function rawToProxy(port, bytes, { holdMs = 2000, reset = false } = {}) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }, holdMs);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    s.once('close', done);
    s.once('connect', () => {
      for (const b of [].concat(bytes)) s.write(b);
    });
  });
}

/** A real ClientHello for `host`, as Node sends it (captured from a socket that never answers). */
function captureClientHello(host) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((sock) => {
      sock.once('data', (chunk) => {
        resolve(chunk);
        sock.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      // No servername for null: Node then sends no SNI (the host is an IP literal).
      const s = tls.connect({ host: '127.0.0.1', port: server.address().port, ...(host ? { servername: host } : {}) });
      s.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

/** The same ClientHello re-framed as one TLS record per handshake byte. */
function oneByteRecords(hello) {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const out = Buffer.alloc(body.length * 6);
  for (let i = 0; i < body.length; i++) {
    out.set([0x16, 0x03, 0x01, 0x00, 0x01, body[i]], i * 6);
  }
  return out;
}

function connectHead(target) {
  return `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`;
}

/** The bad inputs, one a tick, in turn: each a thing a careless client or an attacker on the LAN sends. */
function badInputs(port, hello, helloNoSni) {
  return [
    ['plain request to port 99999', () => rawToProxy(port, 'GET http://127.0.0.1:99999/ HTTP/1.1\r\nHost: 127.0.0.1:99999\r\n\r\n')],
    ['Host with port 70000', () => rawToProxy(port, 'GET / HTTP/1.1\r\nHost: x:70000\r\n\r\n')],
    ['WebSocket upgrade to /#x', () => rawToProxy(port, 'GET /#x HTTP/1.1\r\nHost: a b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')],
    ['WebSocket upgrade to ftp://', () => rawToProxy(port, 'GET ftp://x/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')],
    ['malformed ClientHello', () => rawToProxy(port, [connectHead(`${GOOD}:443`), Buffer.from('160301000501ffffff00', 'hex')])],
    ['not TLS in a tunnel', () => rawToProxy(port, [connectHead(`${GOOD}:443`), 'hello, not TLS\r\n'])],
    ['CONNECT then silence', () => rawToProxy(port, connectHead(`${GOOD}:443`), { holdMs: 3000 })],
    ['half a ClientHello, then RST', () => rawToProxy(port, [connectHead(`${GOOD}:443`), hello.subarray(0, 40)], { holdMs: 300, reset: true })],
    ['uncertifiable CONNECT host', () => rawToProxy(port, [connectHead('a!b:443'), helloNoSni])],
    ['ClientHello in 1-byte records', () => rawToProxy(port, [connectHead(`${GOOD}:443`), oneByteRecords(hello)], { holdMs: 3000 })],
    ['garbage', () => rawToProxy(port, Buffer.from('\x00\xff\x13\x37 garbage \r\n\r\n\r\n', 'latin1'))],
    ['CONNECT with no port', () => rawToProxy(port, connectHead('valid.lab.tlslab'))],
  ];
}

async function parent(o) {
  const proxyProc = fork(__filename, ['--child'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waitMsg = (type) => new Promise((resolve) => {
    const on = (m) => {
      if (m && m.type === type) {
        proxyProc.off('message', on);
        resolve(m);
      }
    };
    proxyProc.on('message', on);
  });
  let crashed = null;
  proxyProc.once('exit', (code, signal) => {
    crashed = `tlslab exited (code ${code}, signal ${signal})`;
  });
  const ready = await waitMsg('ready');
  const ca = fs.readFileSync(ready.ca, 'utf8');
  const stats = async () => {
    if (crashed) return null;
    proxyProc.send('stats');
    return waitMsg('stats');
  };
  const hello = await captureClientHello(GOOD);
  const bad = badInputs(ready.port, hello, await captureClientHello(null));
  const { WebSocket } = require('ws');

  // Warm the leaf cache and the lab, then take the baseline.
  await getOnce(await tlsVia(ready.port, GOOD, ca), GOOD);
  await sleep(500);
  const base = await stats();
  process.stdout.write(`tlslab pid ${ready.pid}, proxy 127.0.0.1:${ready.port}; baseline fds ${base.fds}, RSS ${base.rssMiB.toFixed(0)} MiB\n`);
  process.stdout.write(`load: ${o.tunnels} held tunnels, ${o.churn} churn loops, a bad input every ${o.badEveryMs} ms, ${o.viewers} viewers, ${o.minutes} min\n`);

  const endAt = Date.now() + o.minutes * 60_000;
  const running = () => Date.now() < endAt && !crashed;
  const counts = { held: 0, heldOpened: 0, heldFailed: 0, churned: 0, churnFailed: 0, bad: 0, viewerMsgs: 0, viewerBytes: 0, viewerReconnects: 0 };
  const clientErrors = {};
  const noteErr = (what, err) => {
    const k = `${what}: ${err && err.code ? err.code : err && err.message ? err.message.slice(0, 60) : err}`;
    clientErrors[k] = (clientErrors[k] ?? 0) + 1;
  };

  // Viewers: the dashboard's WebSocket, read as fast as it comes; reconnect if dropped.
  const viewers = new Set();
  const wsUrl = ready.dashboard.replace(/^http/, 'ws').replace(/\/?(\?.*)?$/, '/ws');
  const openViewer = () => {
    if (!running()) return;
    const ws = new WebSocket(wsUrl, { headers: { Origin: ready.dashboard.replace(/\/$/, '') } });
    viewers.add(ws);
    ws.on('message', (data) => {
      counts.viewerMsgs++;
      counts.viewerBytes += data.length;
    });
    ws.on('error', (err) => noteErr('viewer', err));
    ws.on('close', () => {
      viewers.delete(ws);
      if (running()) {
        counts.viewerReconnects++;
        setTimeout(openViewer, 500);
      }
    });
  };
  for (let i = 0; i < o.viewers; i++) openViewer();

  // Held tunnels: each lives 20–90 s, then ends (mostly cleanly, some with a reset) and is replaced.
  const held = new Set();
  const holdOne = async () => {
    if (!running()) return;
    let s;
    try {
      s = await tlsVia(ready.port, GOOD, ca);
    } catch (err) {
      counts.heldFailed++;
      noteErr('held', err);
      await sleep(200);
      return holdOne();
    }
    counts.heldOpened++;
    counts.held++;
    held.add(s);
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    const life = 20_000 + Math.random() * 70_000;
    const t = setTimeout(() => {
      if (Math.random() < 0.2) s.raw.resetAndDestroy();
      else s.end();
    }, life);
    s.once('close', () => {
      clearTimeout(t);
      held.delete(s);
      counts.held--;
      if (running()) setImmediate(() => void holdOne());
    });
  };
  const ramp = (async () => {
    for (let i = 0; i < o.tunnels && running(); i++) {
      void holdOne();
      if (i % 20 === 19) await sleep(200);
    }
  })();

  // Churn: new connection, one request, close; alternately a good and a broken lab host.
  const churnLoop = async (k) => {
    let i = 0;
    while (running()) {
      const host = (i++ + k) % 5 === 0 ? BROKEN : GOOD;
      try {
        const s = await tlsVia(ready.port, host, ca);
        await getOnce(s, host);
        counts.churned++;
      } catch (err) {
        counts.churnFailed++;
        noteErr('churn', err);
      }
      await sleep(50);
    }
  };
  const churns = Array.from({ length: o.churn }, (_, k) => churnLoop(k));

  // Bad inputs, in turn.
  const badLoop = (async () => {
    let i = 0;
    const inFlight = new Set();
    while (running()) {
      const [name, fn] = bad[i++ % bad.length];
      const p = fn().catch((err) => noteErr(`bad input "${name}"`, err));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      counts.bad++;
      await sleep(o.badEveryMs);
    }
    await Promise.all(inFlight);
  })();

  // One line a minute.
  const samples = [];
  const header = 'min  fds   RSS MiB  heap MiB  ELD p99 ms  ELD max ms  open  opened  closed  kept  held  churned  bad  viewer msgs  errors';
  process.stdout.write(`${header}\n`);
  const line = (m, s) => `${String(m).padStart(3)}  ${String(s.fds).padStart(4)}  ${s.rssMiB.toFixed(0).padStart(7)}  ${s.heapMiB.toFixed(0).padStart(8)}  ${s.eldP99.toFixed(1).padStart(10)}  ${s.eldMax.toFixed(1).padStart(10)}  ${String(s.open).padStart(4)}  ${String(s.opened).padStart(6)}  ${String(s.closed).padStart(6)}  ${String(s.summaries).padStart(5)}${s.forgotten > 0 ? '*' : ' '} ${String(counts.held).padStart(4)}  ${String(counts.churned).padStart(7)}  ${String(counts.bad).padStart(3)}  ${String(counts.viewerMsgs).padStart(11)}  ${s.errors.length}`;
  const allErrors = [];
  for (let m = 1; running(); m++) {
    const next = Math.min(endAt, Date.now() + 60_000);
    while (Date.now() < next && !crashed) await sleep(Math.min(1000, next - Date.now()));
    const s = await stats();
    if (!s) break;
    samples.push({ m, ...s });
    allErrors.push(...s.errors);
    process.stdout.write(`${line(m, s)}\n`);
    for (const e of s.errors) process.stdout.write(`     error: ${e}\n`);
  }

  // Wind down: stop the load, end what is held, and let tlslab close everything.
  await ramp;
  await Promise.all(churns);
  await badLoop;
  for (const s of held) s.end();
  for (const ws of viewers) ws.close();
  let last = await stats();
  for (let i = 0; i < 60 && last && (last.open > 0 || last.fds > base.fds + 2); i++) {
    await sleep(1000);
    last = await stats();
  }
  if (last) {
    proxyProc.send('gc');
    await waitMsg('gc');
    last = await stats();
    allErrors.push(...last.errors);
  }

  // Warm-up: memory grows, by design, until every bounded store is full — the history (its events and bytes) and the
  // connection summaries (the cap, 20,000 by default; a `*` in the kept column once the oldest are being forgotten).
  // RSS is held to ±10 % from the first minute after that; minute 2 (after the ramp) is shown beside it.
  const deviation = (from) => {
    const after = samples.filter((x) => x.m >= from.m);
    return Math.max(...after.map((x) => Math.abs(x.rssMiB - from.rssMiB) / from.rssMiB));
  };
  const minute2 = samples.length > 2 ? samples[1] : samples[0];
  const fullAt = samples.find((x) => x.forgotten > 0 && x.historyEvicted > 0);
  const ref = fullAt && samples[samples.length - 1].m - fullAt.m >= 2 ? fullAt : null;
  const dev = ref ? deviation(ref) : NaN;
  const dev2 = minute2 ? deviation(minute2) : NaN;
  process.stdout.write('\nafter the load:\n');
  const verdicts = [
    ['process stayed up', !crashed, crashed ?? 'yes'],
    ['no error escaped a handler', allErrors.length === 0, `${allErrors.length} errors`],
    ['every connection closed', last && last.open === 0, last ? `${last.open} still open of ${last.opened} opened` : 'n/a'],
    ['every close has a cause', last && last.closedWithoutCause === 0, last ? `${last.closedWithoutCause} without a cause` : 'n/a'],
    ['fds back to baseline', last && last.fds <= base.fds + 2, last ? `${last.fds} (baseline ${base.fds})` : 'n/a'],
    ref
      ? ['RSS within ±10% after warm-up', dev <= 0.1, `max deviation ${(dev * 100).toFixed(1)}% from ${ref.rssMiB.toFixed(0)} MiB (minute ${ref.m}, the first with every bounded store full); from minute 2: ${(dev2 * 100).toFixed(1)}%`]
      : ['RSS within ±10% after warm-up', false, `the bounded stores were not all full for 2 minutes before the end (summary cap ${samples.length ? samples[0].summaryCap : '?'}, history evictions): run longer; from minute 2: ${(dev2 * 100).toFixed(1)}%`],
  ];
  for (const [what, ok, detail] of verdicts) process.stdout.write(`  ${ok ? 'PASS' : 'FAIL'}  ${what}: ${detail}\n`);
  if (last && last.stillOpen.length) process.stdout.write(`  still open:\n${last.stillOpen.map((l) => `    ${l}`).join('\n')}\n`);
  if (last) process.stdout.write(`  close causes: ${Object.entries(last.causes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')}\n`);
  process.stdout.write(`  client side: ${counts.heldOpened} tunnels held (${counts.heldFailed} failed to open), ${counts.churned} churned (${counts.churnFailed} failed), ${counts.bad} bad inputs, ${counts.viewerMsgs} viewer messages (${(counts.viewerBytes / 1048576).toFixed(1)} MiB), ${counts.viewerReconnects} viewer reconnects\n`);
  const errs = Object.entries(clientErrors).sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (errs.length) process.stdout.write(`  client-side errors (expected for bad inputs): ${errs.map(([k, n]) => `${k} ×${n}`).join('; ')}\n`);
  process.stdout.write(`  tlslab RSS now ${rssMiB(ready.pid).toFixed(0)} MiB after a GC${last ? ` (heap ${last.heapMiB.toFixed(0)} MiB, ${last.summaries} summaries kept)` : ''}\n`);
  if (!crashed) proxyProc.send('stop');
  process.exitCode = verdicts.every((v) => v[1]) ? 0 : 1;
}

const opts = parseArgs(process.argv.slice(2));
(opts.child ? child() : parent(opts)).catch((err) => {
  process.stderr.write(`soak: ${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
});
