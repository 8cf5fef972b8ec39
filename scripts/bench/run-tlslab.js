#!/usr/bin/env node
// Runs tlslab (startTlslab from the build) as a process of its own for the benchmarks, and prints
// {"port":N,"ca":FILE,"pid":P} on stdout once the proxy listens. SIGTERM/SIGINT close it and exit 0, so
// `node --cpu-prof scripts/bench/run-tlslab.js …` writes its profile. Needs `npx tsc -p tsconfig.json` first.
// With --report-memory FILE, each SIGUSR2 runs a full GC (when node has --expose-gc) and a second later appends one
// JSON line of memory figures to FILE (memory.js reads them); tlslab itself starts exactly as without it.
// Usage: node scripts/bench/run-tlslab.js [--port 0] [--certs DIR] [--upstream-ca FILE]... [--ui-port N] [--lab] [--record FILE] [--parent-pipe] [--report-memory FILE]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function parseArgs(argv) {
  const o = { port: 0, certsDir: null, upstreamCa: [], uiPort: false, lab: false, parentPipe: false, record: undefined, reportMemory: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') o.port = Number(next());
    else if (a === '--certs') o.certsDir = next();
    else if (a === '--upstream-ca') o.upstreamCa.push(next());
    else if (a === '--ui-port') o.uiPort = Number(next());
    else if (a === '--lab') o.lab = true;
    else if (a === '--parent-pipe') o.parentPipe = true;
    else if (a === '--record') o.record = next();
    else if (a === '--report-memory') o.reportMemory = next();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/**
 * Host names under `bench.test` resolve to 127.0.0.1 in this process (there is no DNS for them): the first-connection
 * probe (lib/latency.js) asks for a host tlslab has never seen, each time a new one, and the origin's certificate
 * covers them all (*.bench.test). Other names resolve as usual.
 */
function resolveBenchHosts() {
  const dns = require('node:dns');
  const { NEW_HOST_DOMAIN } = require('./lib/pki');
  const isBench = (h) => typeof h === 'string' && h.toLowerCase().endsWith(`.${NEW_HOST_DOMAIN}`);
  const answer = (opts) => ((typeof opts === 'object' && opts && opts.all) ? [{ address: '127.0.0.1', family: 4 }] : '127.0.0.1');
  const lookup = dns.lookup;
  dns.lookup = function benchLookup(host, opts, cb) {
    const callback = typeof opts === 'function' ? opts : cb;
    if (!isBench(host)) return lookup.apply(dns, arguments);
    const a = answer(opts);
    process.nextTick(() => (Array.isArray(a) ? callback(null, a) : callback(null, a, 4)));
    return undefined;
  };
  const promised = dns.promises.lookup;
  dns.promises.lookup = (host, opts) => (isBench(host) ? Promise.resolve(Array.isArray(answer(opts)) ? answer(opts) : { address: '127.0.0.1', family: 4 }) : promised.call(dns.promises, host, opts));
}

async function main() {
  resolveBenchHosts();
  let app;
  try {
    app = require('../../dist/app');
  } catch (err) {
    process.stderr.write(`run-tlslab: cannot load dist/app (${err.message}); run \`npx tsc -p tsconfig.json\` first\n`);
    process.exit(1);
  }
  const o = parseArgs(process.argv.slice(2));
  const tempCerts = o.certsDir ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-bench-certs-'));
  const certsDir = o.certsDir ?? tempCerts;
  const running = await app.startTlslab({ port: o.port, host: '127.0.0.1', uiPort: o.uiPort, uiHost: '127.0.0.1', lab: o.lab, certsDir, upstreamCa: o.upstreamCa, record: o.record });
  // Before the line that says we listen: a SIGUSR2 with no handler would end the process.
  if (o.reportMemory) process.on('SIGUSR2', () => reportMemory(running, o.reportMemory));
  process.stdout.write(`${JSON.stringify({ port: running.proxyPort, ca: path.join(certsDir, 'tlslab-ca.pem'), pid: process.pid })}\n`);
  const parentPipe = o.parentPipe;
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const bye = () => {
      if (tempCerts) fs.rmSync(tempCerts, { recursive: true, force: true });
      process.exit(0);
    };
    setTimeout(bye, 3000).unref();
    running.close().then(bye, bye);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Started by proxy.js with --parent-pipe: exit when the parent goes away (its end of our stdin closes).
  if (parentPipe) process.stdin.on('end', stop).resume();
}

/**
 * A full GC (if node exposes it), then a second later (V8 gives freed pages back to the system on a thread of its own)
 * one JSON line appended to `file`: RSS (anonymous and file-backed), V8's heap and its spaces, tlslab's stores.
 */
function reportMemory(running, file) {
  const gc = typeof global.gc === 'function';
  if (gc) global.gc();
  setTimeout(() => fs.appendFileSync(file, `${JSON.stringify({ gc, ...memoryFigures(running) })}\n`), 1000);
}

function memoryFigures(running) {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kib = (name) => Number((new RegExp(`${name}:\\s+(\\d+) kB`).exec(status) ?? [])[1]) * 1024;
  const spaces = {};
  for (const sp of require('node:v8').getHeapSpaceStatistics()) spaces[sp.space_name] = { committed: sp.space_size, used: sp.space_used_size };
  const bus = running.bus;
  return {
    rss: kib('VmRSS'), rssAnon: kib('RssAnon'), rssFile: kib('RssFile'), ...process.memoryUsage(), spaces,
    historyEvents: bus.history.size, historyEstimate: bus.history.bytes, summaries: bus.connectionCount,
  };
}

main().catch((err) => {
  process.stderr.write(`run-tlslab: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
