#!/usr/bin/env node
// Benchmark of the dashboard event stream: events/s delivered to 1 and 30 WebSocket clients, p95 latency from
// emit to client receipt, server RSS, and loss accounting (received + missed in gaps = emitted, per client).
// Needs the compiled code: `npx tsc -p tsconfig.json`, then `node scripts/bench/ws-stream.js [--seconds 5]`.
// The server (bus + dashboard server + emitter) runs in this process; the clients run in a child process, the
// way a browser would. Latency uses epoch-aligned clocks of two processes (performance.timeOrigin + now()).
'use strict';

const path = require('node:path');
const { fork } = require('node:child_process');
const os = require('node:os');

const dist = path.resolve(__dirname, '../../dist');

// ---------------------------------------------------------------------------------------------------------
// Child: N WebSocket clients that count, check order, and time what they receive.

function runClients() {
  const WebSocket = require('ws');
  const now = () => performance.timeOrigin + performance.now();
  let clients = [];
  let cpuAtConnect = process.cpuUsage();
  let connectedAt = now();

  const STAMP = /"seq":(\d+),"t":([0-9.]+)/g;

  function makeClient(url) {
    const c = { received: 0, missed: 0, gaps: 0, lastSeq: 0, outOfOrder: 0, latencies: [], ws: null, opened: null };
    c.ws = new WebSocket(url, { perMessageDeflate: false });
    c.opened = new Promise((resolve, reject) => {
      c.ws.once('error', reject);
      c.ws.on('message', (data) => {
        const text = data.toString();
        if (text.startsWith('{"kind":"snapshot"')) resolve();
        if (text.startsWith('{"kind":"gap"')) {
          const g = JSON.parse(text);
          c.missed += g.missed;
          c.gaps++;
          return;
        }
        if (!text.startsWith('{"kind":"events"') && !text.startsWith('{"kind":"snapshot"')) return;
        const live = text.startsWith('{"kind":"events"');
        const at = now();
        STAMP.lastIndex = 0;
        let m;
        while ((m = STAMP.exec(text)) !== null) {
          const seq = Number(m[1]);
          if (seq <= c.lastSeq) c.outOfOrder++;
          c.lastSeq = seq;
          c.received++;
          if (live) c.latencies.push(at - Number(m[2]));
        }
      });
    });
    return c;
  }

  process.on('message', async (msg) => {
    if (msg.cmd === 'connect') {
      clients = [];
      for (let i = 0; i < msg.n; i++) clients.push(makeClient(msg.url));
      await Promise.all(clients.map((c) => c.opened));
      // Slow consumers: stop reading (the kernel buffers fill, then the server's queue for them overflows).
      for (const c of clients.slice(0, msg.slow || 0)) {
        c.slow = true;
        c.ws._socket.pause();
      }
      cpuAtConnect = process.cpuUsage();
      connectedAt = now();
      process.send({ kind: 'ready' });
    } else if (msg.cmd === 'collect') {
      // Wait until every client has accounted for every emitted event (received or reported missed).
      for (const c of clients) if (c.slow) c.ws._socket.resume();
      const deadline = Date.now() + msg.timeoutMs;
      while (clients.some((c) => c.received + c.missed < msg.emitted) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const doneAt = now();
      const cpu = process.cpuUsage(cpuAtConnect);
      const cpuPct = Math.round(((cpu.user + cpu.system) / 1e6 / ((doneAt - connectedAt) / 1000)) * 100);
      const all = [];
      for (const c of clients) if (!c.slow) for (const l of c.latencies) all.push(l);
      all.sort((a, b) => a - b);
      const pct = (p) => (all.length === 0 ? NaN : all[Math.min(all.length - 1, Math.floor((p / 100) * all.length))]);
      process.send({
        kind: 'stats',
        doneAt,
        cpuPct,
        perClient: clients.map((c) => ({ received: c.received, missed: c.missed, gaps: c.gaps, outOfOrder: c.outOfOrder, slow: c.slow === true })),
        p50: pct(50), p95: pct(95), p99: pct(99), max: all.length ? all[all.length - 1] : NaN,
      });
      for (const c of clients) c.ws.terminate();
      clients = [];
    } else if (msg.cmd === 'exit') {
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Parent: bus + server + an emitter that replays realistic connections at a fixed rate.

function hex(n, seed) {
  return seed.repeat(Math.ceil((2 * n) / seed.length)).slice(0, 2 * n);
}

/** The drafts of one TLS 1.3 connection through tlslab (sizes like the real decoder's events). */
function connectionDrafts(conn, i) {
  const host = `site${i % 40}.lab.tlslab`;
  const named = (code, name) => ({ code, name });
  const fields = Array.from({ length: 24 }, (_, k) => ({ name: `field_${k}`, value: `value ${k}`, range: [k * 4, k * 4 + 4] }));
  const hs = (leg, from, code, name, len, step) => ({
    type: 'tls:handshake', conn, leg, from, step, msgType: named(code, name), length: len, encrypted: code !== 1 && code !== 2,
    offset: 5, hex: hex(Math.min(len + 4, 600), '0a1b2c3d4e5f'), fields,
  });
  const rec = (leg, from, len, step) => ({
    type: 'tls:record', conn, leg, from, step, offset: 0, contentType: named(22, 'handshake'), version: named(0x0303, 'TLS 1.2'),
    length: len, hex: hex(Math.min(len + 5, 256), '160303'), truncated: len > 251, encrypted: step >= 6,
  });
  const cert = { index: 0, subject: `CN=${host}`, issuer: 'CN=tlslab Lab Root', serialHex: '01', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', san: [`DNS:${host}`], fingerprint256: 'AA:BB:CC', publicKey: 'RSA 2048', signatureAlgorithm: 'sha256WithRSAEncryption', isCA: false, selfSigned: false, checks: [{ check: 'validity', ok: true, message: 'valid' }], source: 'sent' };
  const est = { version: named(0x0304, 'TLS 1.3'), cipherSuite: named(0x1301, 'TLS_AES_128_GCM_SHA256'), alpn: 'http/1.1', sni: host, keyExchange: 'ecdhe' };
  return [
    { type: 'conn:open', conn, client: { address: '127.0.0.1', port: 40000 + (i % 20000) }, target: { host, port: 443 }, via: 'connect', lab: `site${i % 40}` },
    rec('client', 'client', 512, 1),
    hs('client', 'client', 1, 'client_hello', 508, 1),
    { type: 'conn:upstream', conn, leg: 'upstream', remote: { address: '127.0.0.1', port: 44321 }, connectMs: 0.4 },
    rec('upstream', 'client', 512, 1),
    hs('upstream', 'client', 1, 'client_hello', 508, 1),
    rec('upstream', 'server', 122, 2),
    hs('upstream', 'server', 2, 'server_hello', 118, 2),
    hs('upstream', 'server', 11, 'certificate', 1800, 2),
    { type: 'tls:established', conn, leg: 'upstream', from: 'server', step: 6, ...est },
    { type: 'tls:verdict', conn, leg: 'upstream', step: 3, ok: i % 5 !== 0, findings: i % 5 !== 0 ? [] : [{ code: 'CERT_EXPIRED', check: 'validity', severity: 'error', certIndex: 0, message: 'The certificate expired.' }], chain: [cert], nodeError: null, host, policy: 'block' },
    { type: 'tls:presented', conn, leg: 'client', step: 2, mode: 'leaf', chain: [{ ...cert, source: 'minted' }] },
    hs('client', 'server', 2, 'server_hello', 118, 2),
    { type: 'tls:established', conn, leg: 'client', from: 'server', step: 6, ...est },
    { type: 'tls:client-outcome', conn, leg: 'client', step: 3, outcome: 'accepted', explanation: 'The browser trusted the certificate tlslab presented.' },
    { type: 'http:request', conn, step: 7, id: 1, method: 'GET', url: '/', httpVersion: '1.1', headers: [['host', host], ['user-agent', 'curl/7.88.1'], ['accept', '*/*']] },
    { type: 'tls:appdata', conn, leg: 'upstream', from: 'server', step: 7, length: 1256, decrypted: true, previewHex: hex(64, '48545450') },
    { type: 'http:response', conn, step: 7, id: 1, status: 200, statusText: 'OK', headers: [['content-type', 'text/html']], bodyBytes: 1256 },
    { type: 'tls:alert', conn, leg: 'client', from: 'client', step: 8, level: named(1, 'warning'), description: named(0, 'close_notify'), encrypted: true, fatal: false },
    { type: 'conn:close', conn, cause: 'closed', durationMs: 41.7, bytes: { client: { fromClient: 1103, toClient: 4410 }, upstream: { fromServer: 4380, toServer: 1150 } } },
  ];
}

function parseArgs() {
  const args = process.argv.slice(2);
  const get = (name, def) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : def;
  };
  return { seconds: Number(get('seconds', '5')), json: args.includes('--json') };
}

async function phase(child, { EventBus, startDashboardServer }, { clients, rate, seconds, slow = 0, clientQueue }) {
  const bus = new EventBus();
  const server = await startDashboardServer({ bus, port: 0, ...(clientQueue ? { clientQueue } : {}) });
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const ready = new Promise((resolve) => child.once('message', resolve));
  child.send({ cmd: 'connect', url, n: clients, slow });
  await ready;

  let rssMax = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const rssTimer = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss); }, 50);
  let queue = [];
  let connNo = 0;
  const next = () => {
    if (queue.length === 0) queue = connectionDrafts(`c${++connNo}`, connNo);
    return queue.shift();
  };
  let emitted = 0;
  let jsonBytes = 0;
  let emitMs = 0;
  const start = performance.timeOrigin + performance.now();
  const endAt = start + seconds * 1000;
  if (rate === Infinity) {
    // Saturation: emit in chunks as fast as the loop allows, yielding so the server can write.
    while (performance.timeOrigin + performance.now() < endAt) {
      const t0 = performance.now();
      for (let k = 0; k < 500; k++) {
        const e = bus.emit(next());
        emitted++;
        if (emitted % 997 === 0) jsonBytes += JSON.stringify(e).length;
      }
      emitMs += performance.now() - t0;
      await new Promise((r) => setImmediate(r));
    }
  } else {
    // Fixed rate: every 5 ms, emit what is due.
    await new Promise((resolve) => {
      const timer = setInterval(() => {
        const nowT = performance.timeOrigin + performance.now();
        const due = Math.min(rate * seconds, Math.floor(((Math.min(nowT, endAt) - start) / 1000) * rate));
        const t0 = performance.now();
        while (emitted < due) {
          const e = bus.emit(next());
          emitted++;
          if (emitted % 997 === 0) jsonBytes += JSON.stringify(e).length;
        }
        emitMs += performance.now() - t0;
        if (nowT >= endAt) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
  }
  const emitEnd = performance.timeOrigin + performance.now();
  const statsP = new Promise((resolve) => child.once('message', resolve));
  child.send({ cmd: 'collect', emitted, timeoutMs: 60_000 });
  const stats = await statsP;
  clearInterval(rssTimer);
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  const health = { history: bus.history.size, evicted: bus.history.evicted };
  await server.close();

  const cpu = process.cpuUsage(cpu0);
  const wall = (stats.doneAt - start) / 1000;
  const fast = stats.perClient.filter((c) => !c.slow);
  const received = fast.reduce((n, c) => n + c.received, 0);
  const missed = stats.perClient.reduce((n, c) => n + c.missed, 0);
  const accounted = stats.perClient.every((c) => c.received + c.missed === emitted);
  const deliverSeconds = (stats.doneAt - start) / 1000;
  return {
    clients,
    offeredRate: rate === Infinity ? 'max' : rate,
    emitted,
    emitRate: Math.round(emitted / ((emitEnd - start) / 1000)),
    emitCostUsPerEvent: Number(((emitMs * 1000) / emitted).toFixed(2)),
    avgEventJsonBytes: Math.round(jsonBytes / Math.max(1, Math.floor(emitted / 997))),
    slowClients: slow,
    slowClientsDetail: stats.perClient.filter((c) => c.slow).map((c) => ({ received: c.received, missed: c.missed, gaps: c.gaps })),
    perClientDeliveredRate: Math.round(received / fast.length / deliverSeconds),
    totalDeliveredRate: Math.round(received / deliverSeconds),
    missed,
    gaps: stats.perClient.reduce((n, c) => n + c.gaps, 0),
    outOfOrder: stats.perClient.reduce((n, c) => n + c.outOfOrder, 0),
    everyClientAccounted: accounted,
    latencyMs: { p50: round(stats.p50), p95: round(stats.p95), p99: round(stats.p99), max: round(stats.max) },
    serverRssMiB: Math.round(rssMax / 1048576),
    serverCpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / wall) * 100),
    clientsCpuPct: stats.cpuPct,
    history: health,
  };
}

function round(x) {
  return Number.isFinite(x) ? Number(x.toFixed(2)) : x;
}

async function main() {
  const { seconds, json } = parseArgs();
  let mods;
  try {
    mods = { ...require(path.join(dist, 'events/bus.js')), ...require(path.join(dist, 'server/index.js')) };
  } catch (err) {
    console.error(`Could not load ${dist}: run \`npx tsc -p tsconfig.json\` first (${err.message})`);
    process.exit(1);
  }
  const child = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const phases = [
    { clients: 1, rate: 5000, seconds },
    { clients: 30, rate: 2000, seconds },
    { clients: 30, rate: 5000, seconds },
    { clients: 1, rate: Infinity, seconds },
    { clients: 30, rate: Infinity, seconds },
    // 2 of 30 clients stop reading for the whole run; small queues so they overflow: gaps, never silent loss.
    { clients: 30, rate: 2000, seconds, slow: 2, clientQueue: 1000 },
  ];
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (${os.cpus().length} CPUs)`);
  const results = [];
  for (const p of phases) {
    const r = await phase(child, mods, p);
    results.push(r);
    if (!json) {
      console.log(
        `${String(r.clients).padStart(2)} client(s), offered ${String(r.offeredRate).padStart(5)} ev/s: emitted ${r.emitted} (${r.emitRate}/s, ${r.emitCostUsPerEvent} µs/emit, ~${r.avgEventJsonBytes} B/event) | ` +
          `delivered ${r.perClientDeliveredRate}/s per client, ${r.totalDeliveredRate}/s total | latency p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms | ` +
          (r.slowClients ? `slow clients (not reading until the end): ${JSON.stringify(r.slowClientsDetail)} | ` : '') +
          `missed ${r.missed} in ${r.gaps} gap(s), out-of-order ${r.outOfOrder}, every client accounted: ${r.everyClientAccounted} | server RSS max ${r.serverRssMiB} MiB, CPU server ${r.serverCpuPct}% clients ${r.clientsCpuPct}%`,
      );
    }
  }
  child.send({ cmd: 'exit' });
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const target = results.find((r) => r.clients === 30 && r.offeredRate === 2000);
  const ok = target.perClientDeliveredRate >= 2000 * 0.95 && target.latencyMs.p95 <= 100 && target.everyClientAccounted && target.outOfOrder === 0;
  if (json) console.log(JSON.stringify({ seconds, results }, null, 2));
  console.log(`target (30 clients, 2,000 ev/s each, p95 ≤ 100 ms, nothing dropped without a gap): ${ok ? 'MET' : 'NOT MET'}`);
}

if (process.argv.includes('--child')) runClients();
else main().catch((err) => {
  console.error(err);
  process.exit(1);
});
