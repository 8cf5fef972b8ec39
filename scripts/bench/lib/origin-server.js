#!/usr/bin/env node
// The benchmarks' HTTPS origin, run as its own process: HTTP/1.1 over TLS 1.3 on 127.0.0.1, port 0.
// GET /small answers SMALL bytes; GET /bulk/<n> streams n bytes. Prints {"port":N} on stdout once listening.
// Usage: node scripts/bench/lib/origin-server.js CERT_FILE KEY_FILE [SMALL=1024]
'use strict';
const fs = require('node:fs');
const https = require('node:https');

const [certFile, keyFile, smallArg] = process.argv.slice(2);
if (!certFile || !keyFile) {
  process.stderr.write('usage: origin-server.js CERT_FILE KEY_FILE [SMALL_BYTES]\n');
  process.exit(2);
}
const SMALL = Buffer.alloc(Number(smallArg || 1024), 'x');
const CHUNK = Buffer.alloc(256 * 1024);
for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = (i * 31 + 7) & 0xff;

const server = https.createServer({
  cert: fs.readFileSync(certFile),
  key: fs.readFileSync(keyFile),
  minVersion: 'TLSv1.3',
  ALPNProtocols: ['http/1.1'],
}, (req, res) => {
  if (req.url === '/small') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(SMALL.length) });
    res.end(SMALL);
    return;
  }
  const bulk = /^\/bulk\/(\d+)$/.exec(req.url || '');
  if (bulk) {
    let left = Number(bulk[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        const ok = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
        if (!ok && left > 0) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return;
  }
  res.writeHead(404, { 'content-length': '0' });
  res.end();
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.on('tlsClientError', () => undefined);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
// Exit when the parent goes away (its end of our stdin closes).
process.stdin.on('end', () => process.exit(0)).resume();
