#!/usr/bin/env node
// Memory under a stream of new connections: tlslab in this process (dashboard off, lab off), a bench origin in a
// child process, N CONNECT + TLS + GET + close through it; prints heap after GC, RSS and the history's size at steps.
// Usage: npx tsc -p tsconfig.json && node --expose-gc scripts/bench/memory.js [--steps 500,1000,1000]
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { makeOriginPki } = require('./lib/pki');
const { startOrigin, makeWorkDir } = require('./lib/peers');
const { startTlslab } = require('../../dist/app');

const stepsArg = process.argv.indexOf('--steps');
const steps = (stepsArg > 0 ? process.argv[stepsArg + 1] : '500,1000,1000').split(',').map(Number);
if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc scripts/bench/memory.js');
  process.exit(2);
}

function once(proxyPort, originPort, ca) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `localhost:${originPort}` });
    req.on('connect', (_res, socket) => {
      const t = tls.connect({ socket, servername: 'localhost', ca, ALPNProtocols: ['http/1.1'] }, () => {
        t.write('GET /small HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      });
      t.on('data', () => undefined);
      t.on('end', resolve);
      t.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

(async () => {
  const work = makeWorkDir();
  const pki = makeOriginPki(work);
  const origin = await startOrigin(pki, work, 1024);
  const app = await startTlslab({ port: 0, uiPort: false, lab: false, certsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-mem-')), upstreamCa: [pki.caFile] });
  const mib = (n) => (n / 1048576).toFixed(1);
  console.log('connections  heapUsed MiB (after GC)  RSS MiB  history events  history MiB (estimate)  summaries');
  let done = 0;
  for (const n of steps) {
    for (let i = 0; i < n; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, n - i) }, () => once(app.proxyPort, origin.port, app.ca.certPem)));
    }
    done += n;
    await new Promise((r) => setTimeout(r, 300));
    global.gc();
    const m = process.memoryUsage();
    console.log(`${String(done).padStart(11)}  ${mib(m.heapUsed).padStart(23)}  ${mib(m.rss).padStart(7)}  ${String(app.bus.history.size).padStart(14)}  ${mib(app.bus.history.bytes).padStart(22)}  ${String(app.bus.summaries().length).padStart(9)}`);
  }
  await app.close();
  origin.stop();
  fs.rmSync(work, { recursive: true, force: true });
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
