// Relay-path latency of one peer, probed one connection at a time so queueing does not hide what the path adds:
// the upstream's ServerHello to the client's, and a request's last byte to the response's first. I/O: loopback
// sockets only (a timestamping TCP forwarder in front of the origin, and the client sockets), all in this process.
'use strict';
const net = require('node:net');
const tls = require('node:tls');
const { SocketDuplex } = require('./socket-duplex');
const { openTunnel, withTimeout } = require('./clients');
const { percentile } = require('./stats');

const HOST = 'localhost';
const TIMEOUT_MS = 15000;

/**
 * A TCP forwarder to the origin that notes when the origin's first bytes of each connection arrive: in TLS 1.3 the
 * origin's first flight starts with its ServerHello. Every peer (direct too) reaches the origin through it.
 */
async function startOriginTap(originPort) {
  const sockets = new Set();
  const tap = { port: 0, firstServerBytes: [] };
  const server = net.createServer({ allowHalfOpen: true }, (inbound) => {
    const outbound = net.connect({ host: '127.0.0.1', port: originPort, allowHalfOpen: true });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === inbound ? outbound : inbound).destroy());
    }
    let first = true;
    outbound.on('data', (c) => {
      if (first) tap.firstServerBytes.push(performance.now());
      first = false;
      inbound.write(c);
    });
    inbound.on('data', (c) => outbound.write(c));
    inbound.on('end', () => outbound.end());
    outbound.on('end', () => inbound.end());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.port = server.address().port;
  tap.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return tap;
}

/** A pass-through Duplex over the client's raw socket that timestamps the ClientHello going out and the first bytes back. */
class Stamp extends SocketDuplex {
  constructor(socket) {
    super(socket);
    this.helloSentAt = NaN;
    this.firstBackAt = NaN;
    socket.resume();
  }

  onRead() {
    if (Number.isNaN(this.firstBackAt) && !Number.isNaN(this.helloSentAt)) this.firstBackAt = performance.now();
  }

  onWrite() {
    if (Number.isNaN(this.helloSentAt)) this.helloSentAt = performance.now();
  }
}

/** Sends GET /small and resolves { firstByteMs, close } once the whole response head and body are in. */
function timedRequest(s, host) {
  return new Promise((resolve, reject) => {
    let first = NaN;
    let buf = Buffer.alloc(0);
    const onData = (c) => {
      if (Number.isNaN(first)) first = performance.now();
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const m = /content-length:\s*(\d+)/i.exec(head);
      if (!m || buf.length - end - 4 < Number(m[1])) return;
      s.off('data', onData);
      s.off('close', onClose);
      resolve({ firstByteMs: first - t0, close: /connection:\s*close/i.test(head) });
    };
    const onClose = () => reject(new Error('closed before the response was complete'));
    s.on('data', onData);
    s.once('close', onClose);
    const t0 = performance.now();
    s.write(`GET /small HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: tlslab-bench\r\nAccept: */*\r\n\r\n`);
  });
}

/** One probe: a new connection through `peer` to the origin tap, its handshake timed, then two requests on it. */
async function probe(peer, tap, host = HOST) {
  const t0 = performance.now();
  // Before the tunnel: a relay that connects upstream before it answers CONNECT sees the origin's hello first.
  const upstreamBefore = tap.firstServerBytes.length;
  const raw = peer.proxyPort ? await openTunnel(peer.proxyPort, host, tap.port) : net.connect({ host: '127.0.0.1', port: tap.port });
  if (!peer.proxyPort) await new Promise((resolve, reject) => raw.once('connect', resolve).once('error', reject));
  const tunnelMs = performance.now() - t0;
  raw.setNoDelay(true);
  const stamp = new Stamp(raw);
  const s = tls.connect({ socket: stamp, servername: host, ca: peer.ca, ALPNProtocols: ['http/1.1'], minVersion: 'TLSv1.2' });
  try {
    await withTimeout(new Promise((resolve, reject) => s.once('secureConnect', resolve).once('error', reject)), TIMEOUT_MS, 'TLS handshake', () => s.destroy());
    const upstreamHello = tap.firstServerBytes[upstreamBefore];
    const first = await withTimeout(timedRequest(s, `${host}:${tap.port}`), TIMEOUT_MS, 'first request', () => s.destroy());
    const second = first.close ? null : await withTimeout(timedRequest(s, `${host}:${tap.port}`), TIMEOUT_MS, 'second request', () => s.destroy());
    return {
      tunnelMs: peer.proxyPort ? tunnelMs : NaN,
      helloMs: stamp.firstBackAt - stamp.helloSentAt,
      upstreamToClientHelloMs: upstreamHello === undefined ? NaN : stamp.firstBackAt - upstreamHello,
      firstRequestMs: first.firstByteMs,
      secondRequestMs: second ? second.firstByteMs : NaN,
    };
  } finally {
    s.destroy();
  }
}

const KEYS = ['tunnelMs', 'helloMs', 'upstreamToClientHelloMs', 'firstRequestMs', 'secondRequestMs'];

/**
 * `measure(tap, i)` run `probes` times one after another, after 3 unmeasured runs, each through a fresh origin tap; the
 * p50 and p95 of each of `keys` over the runs, in ms (a run that throws is counted as an error).
 */
async function sampled(origin, probes, keys, measure) {
  const tap = await startOriginTap(origin.port);
  const samples = Object.fromEntries(keys.map((k) => [k, []]));
  let errors = 0;
  let lastError = null;
  try {
    for (let i = 0; i < probes + 3; i++) {
      try {
        const r = await measure(tap, i);
        if (i >= 3) for (const k of keys) if (Number.isFinite(r[k])) samples[k].push(r[k]);
      } catch (err) {
        errors += 1;
        lastError = err.message;
      }
    }
  } finally {
    await tap.close();
  }
  const out = { probes, errors, lastError };
  for (const k of keys) {
    const s = samples[k].sort((a, b) => a - b);
    out[k] = { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95) };
  }
  return out;
}

/** `probes` sequential probes (after 3 unmeasured ones); p50 and p95 of each interval, in ms. */
function relayLatency(peer, origin, { probes }) {
  return sampled(origin, probes, KEYS, (tap) => probe(peer, tap));
}

/**
 * A first connection to a host the proxy has never seen (a new name under *.bench.test each time: a new leaf to mint)
 * against the next connection to the same host, `probes` pairs one at a time (after 3 unmeasured ones). Times from
 * CONNECT to the first response byte, and ClientHello to the first bytes back; p50 and p95 of each, in ms. Only for a
 * peer that resolves those names (the bench's tlslab, run-tlslab.js; direct needs no name).
 */
function newHostLatency(peer, origin, { probes, domain }) {
  const tag = Math.random().toString(36).slice(2, 8);
  const total = (r) => (Number.isFinite(r.tunnelMs) ? r.tunnelMs : 0) + r.helloMs + r.firstRequestMs;
  return sampled(origin, probes, ['coldHello', 'warmHello', 'coldTotal', 'warmTotal'], async (tap, i) => {
    const host = `h${i}-${tag}.${domain}`;
    const cold = await probe(peer, tap, host);
    const warm = await probe(peer, tap, host);
    return { coldHello: cold.helloMs, warmHello: warm.helloMs, coldTotal: total(cold), warmTotal: total(warm) };
  });
}

module.exports = { relayLatency, newHostLatency, startOriginTap };
