// Benchmark clients: a CONNECT tunnel through an HTTP proxy, TLS over it (or straight to the origin), and a
// minimal HTTP/1.1 client that counts body bytes without keeping them (needs the build: dist/). I/O: loopback sockets only.
'use strict';
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');
const { Http1Framer, bodyOf, header } = require(path.join(__dirname, '..', '..', '..', 'dist', 'capture', 'http1-framing.js'));

const CRLFCRLF = Buffer.from('\r\n\r\n');

/**
 * Opens `CONNECT host:port` through the proxy on 127.0.0.1:proxyPort; resolves the raw socket after a 2xx.
 * `headers`: extra request headers (e.g. Proxy-Authorization for a classroom-mode proxy).
 */
function openTunnel(proxyPort, host, port, opened = [], headers = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port: proxyPort });
    opened.push(sock);
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      sock.destroy();
      reject(err);
    };
    const onData = (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const end = buf.indexOf(CRLFCRLF);
      if (end === -1) {
        if (buf.length > 16384) fail(new Error('CONNECT answer head too long'));
        return;
      }
      sock.off('data', onData);
      sock.off('error', fail);
      sock.off('close', onClose);
      sock.pause();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'));
      if (!status || status[1][0] !== '2') {
        fail(new Error(`CONNECT refused: ${buf.subarray(0, Math.min(end, 80)).toString('latin1')}`));
        return;
      }
      const rest = buf.subarray(end + 4);
      if (rest.length) sock.unshift(rest);
      resolve(sock);
    };
    const onClose = () => fail(new Error('proxy closed the connection before answering CONNECT'));
    sock.on('data', onData);
    sock.once('error', fail);
    sock.once('close', onClose);
    sock.setNoDelay(true);
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\n${extra}\r\n`);
  });
}

/**
 * A TLS connection to `host:port` as the client sees it: through `proxyPort` when set (CONNECT first), else
 * direct. Offers only http/1.1, verifies the chain against `ca` and the name `host`. No session resumption.
 * Gives up (and destroys what it opened) after `timeoutMs`.
 */
function connectTls({ proxyPort, host, port, ca, timeoutMs = 15000 }) {
  const opened = [];
  let timer;
  const attempt = (async () => {
    const raw = proxyPort ? await openTunnel(proxyPort, host, port, opened) : null;
    return new Promise((resolve, reject) => {
      const opts = { servername: host, ca, ALPNProtocols: ['http/1.1'], minVersion: 'TLSv1.2' };
      const s = raw ? tls.connect({ ...opts, socket: raw }) : tls.connect({ ...opts, host, port });
      opened.push(s);
      const fail = (err) => {
        s.destroy();
        if (raw) raw.destroy();
        reject(err);
      };
      s.once('error', fail);
      s.once('secureConnect', () => {
        s.off('error', fail);
        s.setNoDelay?.(true);
        resolve(s);
      });
    });
  })();
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      for (const s of opened) s.destroy();
      reject(new Error(`TLS connection ${proxyPort ? 'through the proxy ' : ''}timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([attempt, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One HTTP/1.1 conversation over a connected (TLS) socket, one request at a time. `request()` resolves
 * `{ status, bodyBytes, close }` when the whole response has arrived; bodies are counted, not kept.
 */
class HttpConn {
  constructor(socket, hostHeader) {
    this.socket = socket;
    this.hostHeader = hostHeader;
    this.closed = false;
    this.pending = null;
    this.res = null;
    this.framer = null;
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.onEnd(err));
    socket.on('end', () => this.onEnd(null));
    socket.on('close', () => this.onEnd(null));
  }

  request(path, { close = false, onBody } = {}) {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (this.pending) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, onBody };
      this.res = null;
      // The response is framed by tlslab's own HTTP/1.x framer (src/capture/http1-framing.ts, from dist/).
      this.framer = new Http1Framer({
        head: (h) => this.onHead(h),
        body: (n) => this.pending?.onBody?.(n),
        bodyDone: (bytes) => this.settle(null, bytes),
        limit: (what) => this.settle(new Error(`response ${what} longer than the framer reads`)),
      });
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nUser-Agent: tlslab-bench\r\nAccept: */*\r\n${close ? 'Connection: close\r\n' : ''}\r\n`);
    });
  }

  onHead(h) {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(h.start);
    if (!m) return { kind: 'off' };
    const status = Number(m[1]);
    this.res = { status, close: (header(h, 'connection') ?? '').toLowerCase().includes('close') };
    return bodyOf(h, status === 204 || status === 304) ?? { kind: 'until-close' };
  }

  onData(chunk) {
    if (!this.pending) return;
    this.framer.push(chunk);
    if (this.pending && this.framer.state.kind === 'off') this.settle(new Error(this.res ? 'unreadable response body (a bad chunk size)' : 'unreadable response head'));
  }

  onEnd(err) {
    if (this.closed) return;
    this.closed = true;
    if (!this.pending) return;
    if (!err && this.framer.ended()) return; // a body that runs until the close is complete now
    this.settle(err ?? new Error(`connection closed while reading the response (${this.framer.state.kind})`));
  }

  settle(err, bodyBytes = 0) {
    const p = this.pending;
    const res = this.res;
    if (!p) return;
    this.pending = null;
    if (err) p.reject(err);
    else p.resolve({ status: res.status, bodyBytes, close: res.close });
  }
}

/** Rejects after `ms` and runs `onTimeout` (e.g. destroy the socket), unless `promise` settles first. */
function withTimeout(promise, ms, what, onTimeout) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => {
      if (onTimeout) onTimeout();
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

module.exports = { openTunnel, connectTls, HttpConn, withTimeout };
