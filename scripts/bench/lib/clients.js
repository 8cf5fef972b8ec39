// Benchmark clients: a CONNECT tunnel through an HTTP proxy, TLS over it (or straight to the origin), and a
// minimal HTTP/1.1 response reader that counts body bytes without keeping them. I/O: loopback sockets only.
'use strict';
const net = require('node:net');
const tls = require('node:tls');

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
    this.buf = Buffer.alloc(0);
    this.reset();
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.onEnd(err));
    socket.on('end', () => this.onEnd(null));
    socket.on('close', () => this.onEnd(null));
  }

  reset() {
    this.state = 'idle';
    this.res = null;
  }

  request(path, { close = false, onBody } = {}) {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    if (this.pending) return Promise.reject(new Error('one request at a time'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, onBody };
      this.state = 'head';
      this.buf = Buffer.alloc(0);
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nUser-Agent: tlslab-bench\r\nAccept: */*\r\n${close ? 'Connection: close\r\n' : ''}\r\n`);
    });
  }

  onData(chunk) {
    if (!this.pending) return;
    let data = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = Buffer.alloc(0);
    while (data.length > 0 && this.pending) {
      if (this.state === 'head') {
        const end = data.indexOf(CRLFCRLF);
        if (end === -1) {
          this.buf = Buffer.from(data);
          return;
        }
        this.res = parseHead(data.subarray(0, end).toString('latin1'));
        data = data.subarray(end + 4);
        if (!this.res) return this.settle(new Error('unreadable response head'));
        this.state = this.res.length !== null ? 'length' : this.res.chunked ? 'chunk-size' : 'until-close';
        if (this.state === 'length' && this.res.length === 0) this.settle(null);
        continue;
      }
      if (this.state === 'length') {
        const n = Math.min(this.res.length - this.res.bodyBytes, data.length);
        this.body(n);
        data = data.subarray(n);
        if (this.res.bodyBytes === this.res.length) this.settle(null);
        continue;
      }
      if (this.state === 'until-close') {
        this.body(data.length);
        return;
      }
      if (this.state === 'chunk-data') {
        const n = Math.min(this.res.chunkLeft, data.length);
        this.body(n);
        this.res.chunkLeft -= n;
        data = data.subarray(n);
        if (this.res.chunkLeft === 0) this.state = 'chunk-crlf';
        continue;
      }
      // chunk-size, chunk-crlf, trailer: line based (RFC 9112 §7.1)
      const eol = data.indexOf('\r\n');
      if (eol === -1) {
        this.buf = Buffer.from(data);
        return;
      }
      const line = data.subarray(0, eol).toString('latin1');
      data = data.subarray(eol + 2);
      if (this.state === 'chunk-crlf') this.state = 'chunk-size';
      else if (this.state === 'trailer') {
        if (line === '') this.settle(null);
      } else {
        const size = parseInt(line, 16);
        if (Number.isNaN(size)) return this.settle(new Error('bad chunk size'));
        if (size === 0) this.state = 'trailer';
        else {
          this.res.chunkLeft = size;
          this.state = 'chunk-data';
        }
      }
    }
  }

  body(n) {
    this.res.bodyBytes += n;
    if (this.pending.onBody) this.pending.onBody(n);
  }

  onEnd(err) {
    if (this.closed) return;
    this.closed = true;
    if (!this.pending) return;
    if (this.state === 'until-close' && !err) this.settle(null);
    else this.settle(err ?? new Error(`connection closed while reading the response (${this.state})`));
  }

  settle(err) {
    const p = this.pending;
    const res = this.res;
    this.pending = null;
    this.reset();
    if (err) p.reject(err);
    else p.resolve({ status: res.status, bodyBytes: res.bodyBytes, close: res.close });
  }
}

function parseHead(text) {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!m) return null;
  let length = null;
  let chunked = false;
  let close = false;
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const name = l.slice(0, i).trim().toLowerCase();
    const value = l.slice(i + 1).trim().toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding' && value.includes('chunked')) chunked = true;
    else if (name === 'connection' && value.includes('close')) close = true;
  }
  if (chunked) length = null;
  return { status: Number(m[1]), length, chunked, close, bodyBytes: 0, chunkLeft: 0 };
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
