// The three measured phases of the proxy benchmark, each against one peer (direct or a proxy on loopback):
// new-connection requests, keep-alive requests, one bulk download. I/O: client sockets; /proc for the proxy.
'use strict';
const { connectTls, HttpConn, withTimeout } = require('./clients');
const { percentile } = require('./stats');
const { watchProcess } = require('./proc');

const HOST = 'localhost';
const REQUEST_TIMEOUT_MS = 15000;

function target(peer, origin) {
  return { proxyPort: peer.proxyPort, host: HOST, port: origin.port, ca: peer.ca, timeoutMs: REQUEST_TIMEOUT_MS };
}

function lingerClose(s) {
  s.end();
  setTimeout(() => s.destroy(), 2000).unref();
}

/** One request on a fresh connection: CONNECT (unless direct) + TLS handshake + GET /small + close. */
async function newConnectionRequest(peer, origin, smallBytes) {
  const s = await connectTls(target(peer, origin));
  try {
    const conn = new HttpConn(s, `${HOST}:${origin.port}`);
    const r = await withTimeout(conn.request('/small', { close: true }), REQUEST_TIMEOUT_MS, 'GET /small', () => s.destroy());
    if (r.status !== 200 || r.bodyBytes !== smallBytes) throw new Error(`GET /small answered ${r.status} with ${r.bodyBytes} bytes`);
  } finally {
    lingerClose(s);
  }
}

function summarize(latencies, ok, errors, lastError, wallS, watched, extra = {}) {
  const s = latencies.sort((a, b) => a - b);
  return {
    ok,
    errors,
    lastError,
    wallS,
    rate: ok / wallS,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    cpuS: watched.cpuS,
    cpuPct: (watched.cpuS / wallS) * 100,
    peakRssMiB: watched.peakRssMiB,
    endRssMiB: watched.endRssMiB,
    ...extra,
  };
}

/** `workers` loops of new-connection requests for `seconds` (at most `maxRequests` in all). */
async function newConnections(peer, origin, { workers, seconds, maxRequests, smallBytes }) {
  const latencies = [];
  let started = 0;
  let ok = 0;
  let errors = 0;
  let lastError = null;
  const watch = watchProcess(peer.pid);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline && started < maxRequests) {
      started += 1;
      const t = performance.now();
      try {
        await newConnectionRequest(peer, origin, smallBytes);
        latencies.push(performance.now() - t);
        ok += 1;
      } catch (err) {
        errors += 1;
        lastError = err.message;
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const wallS = (performance.now() - t0) / 1000;
  return summarize(latencies, ok, errors, lastError, wallS, watch.stop());
}

/** `conns` persistent TLS connections, each sending GET /small back to back for `seconds`. */
async function keepAlive(peer, origin, { conns, seconds, maxRequests, smallBytes }) {
  const latencies = [];
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let reconnects = 0;
  let lastError = null;
  const watch = watchProcess(peer.pid);
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const loop = async () => {
    let s = null;
    let conn = null;
    let opened = 0;
    while (performance.now() < deadline && sent < maxRequests) {
      try {
        if (!conn || conn.closed) {
          if (s) s.destroy();
          s = await connectTls(target(peer, origin));
          conn = new HttpConn(s, `${HOST}:${origin.port}`);
          if (opened++ > 0) reconnects += 1;
        }
        sent += 1;
        const t = performance.now();
        const cur = s;
        const r = await withTimeout(conn.request('/small'), REQUEST_TIMEOUT_MS, 'GET /small', () => cur.destroy());
        if (r.status !== 200 || r.bodyBytes !== smallBytes) throw new Error(`GET /small answered ${r.status} with ${r.bodyBytes} bytes`);
        latencies.push(performance.now() - t);
        ok += 1;
        if (r.close) conn.closed = true; // the proxy or origin said Connection: close
      } catch (err) {
        errors += 1;
        lastError = err.message;
        if (s) s.destroy();
        s = null;
        conn = null;
      }
    }
    if (s) lingerClose(s);
  };
  await Promise.all(Array.from({ length: conns }, loop));
  const wallS = (performance.now() - t0) / 1000;
  return summarize(latencies, ok, errors, lastError, wallS, watch.stop(), { reconnects });
}

/**
 * One GET /bulk/<bytes> on one connection (connection set up first, not timed); MiB/s of body received.
 * With `close`, the request says `Connection: close`, so the origin closes right after the last byte.
 */
async function bulk(peer, origin, { bytes, timeoutS, close = false }) {
  let received = 0;
  let lastError = null;
  const s = await connectTls(target(peer, origin));
  const watch = watchProcess(peer.pid);
  const t0 = performance.now();
  try {
    const conn = new HttpConn(s, `${HOST}:${origin.port}`);
    const r = await withTimeout(conn.request(`/bulk/${bytes}`, { close, onBody: (n) => { received += n; } }), timeoutS * 1000, `GET /bulk/${bytes}`, () => s.destroy());
    if (r.status !== 200) lastError = `GET /bulk answered ${r.status}`;
    else if (r.bodyBytes !== bytes) lastError = `got ${r.bodyBytes} of ${bytes} bytes`;
  } catch (err) {
    lastError = err.message;
  } finally {
    lingerClose(s);
  }
  const wallS = (performance.now() - t0) / 1000;
  const w = watch.stop();
  return {
    ok: lastError ? 0 : 1,
    errors: lastError ? 1 : 0,
    lastError,
    wallS,
    bytes: received,
    complete: received === bytes,
    mibps: received / 1048576 / wallS,
    cpuS: w.cpuS,
    mainCpuS: w.mainCpuS,
    cpuPct: (w.cpuS / wallS) * 100,
    peakRssMiB: w.peakRssMiB,
    endRssMiB: w.endRssMiB,
  };
}

/** Unmeasured warm-up: a few sequential then concurrent new connections (leaf minting, JIT), a small download. */
async function warmUp(peer, origin, smallBytes) {
  for (let i = 0; i < 3; i++) await newConnectionRequest(peer, origin, smallBytes);
  await Promise.all(Array.from({ length: 16 }, () => newConnectionRequest(peer, origin, smallBytes)));
  await bulk(peer, origin, { bytes: 4 * 1048576, timeoutS: 30 });
}

module.exports = { newConnections, keepAlive, bulk, warmUp, newConnectionRequest };
