#!/usr/bin/env node
// Runs stock http-mitm-proxy (the pinned version, default options) as a process of its own for the benchmarks.
// It makes its CA under `<cwd>/.http-mitm-proxy/`, so start it with cwd in a temp folder. Prints
// {"port":N,"ca":FILE,"pid":P} on stdout once it listens. Upstream trust: NODE_EXTRA_CA_CERTS.
// Usage: (cd TMP && node /path/to/scripts/bench/run-http-mitm-proxy.js [--port 0])
'use strict';
const path = require('node:path');
const { Proxy } = require('http-mitm-proxy');

const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 0;
const proxy = new Proxy();
proxy.onError(() => undefined); // it already logs every error to stderr itself
proxy.listen({ port, host: '127.0.0.1' }, () => {
  const ca = path.join(process.cwd(), '.http-mitm-proxy', 'certs', 'ca.pem');
  process.stdout.write(`${JSON.stringify({ port: proxy.httpPort, ca, pid: process.pid })}\n`);
});
const stop = () => {
  proxy.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Started by proxy.js with --parent-pipe: exit when the parent goes away (its end of our stdin closes).
if (process.argv.includes('--parent-pipe')) process.stdin.on('end', stop).resume();
