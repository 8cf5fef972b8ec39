#!/usr/bin/env node
// Memory under a stream of new connections: tlslab in a process of its own (run-tlslab.js, started as the proxy bench
// starts it, plus --expose-gc), a bench origin, and N CONNECT + TLS + GET + close through it from this process. At each
// step: the peak RSS while the step ran, then — after the load stopped and a full GC — RSS (anonymous and
// file-backed), V8's heap (used, committed, by space), memory outside it, and the history's and summaries' sizes.
// Usage: npx tsc -p tsconfig.json && node scripts/bench/memory.js [--help]
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { makeOriginPki } = require('./lib/pki');
const { startOrigin, startPeer, makeWorkDir, tail } = require('./lib/peers');
const { newConnections, warmUp } = require('./lib/phases');
const { fmt, table } = require('./lib/stats');
const { loadNote } = require('./lib/proc');
const { eachOption } = require('./lib/options');

const HELP = `Usage: node scripts/bench/memory.js [options]
  --steps LIST        new connections per step, comma-separated (default 500,1000,1000); e.g. 2000,8000,10000 for
                      the 20,000 of the target
  --workers W         concurrent connections (default 8)
  --settle-ms MS      wait after each step before the GC and the reading (default 1000)
  --tlslab-node-arg A an extra node option for the tlslab process (repeatable)
Target: RSS after 20,000 connections and a GC ≤ 150 MiB (checked when the steps add up to 20,000 or more).
`;

function parseArgs(argv) {
  const o = { steps: [500, 1000, 1000], workers: 8, settleMs: 1000, nodeArgs: [] };
  eachOption(argv, HELP, (a, { value: v, positive: num }) => {
    if (a === '--steps') {
      o.steps = v().split(',').map(Number);
      if (o.steps.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('--steps takes positive whole numbers');
    } else if (a === '--workers') o.workers = num();
    else if (a === '--settle-ms') o.settleMs = num();
    else if (a === '--tlslab-node-arg') o.nodeArgs.push(v());
    else return false;
    return true;
  });
  return o;
}

const MiB = 1048576;
const mib = (n) => fmt(n / MiB, 1);

/** Asks the tlslab process for a reading (SIGUSR2: a full GC, then one JSON line appended to `file`). */
async function reading(peer, file) {
  const pid = peer.pid;
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 1200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length > before) return JSON.parse(lines[lines.length - 1]);
  }
  throw new Error(`tlslab did not write its memory reading within 60 s; its log ends:\n${tail(peer.logFile)}`);
}

/** The options, or the problem and the help on stderr and exit code 2. */
function optionsOrExit(argv) {
  try {
    return parseArgs(argv);
  } catch (err) {
    process.stderr.write(`${err.message}\n${HELP}`);
    return process.exit(2);
  }
}

async function main() {
  const o = optionsOrExit(process.argv.slice(2));
  const work = makeWorkDir();
  const reportFile = path.join(work, 'memory.jsonl');
  let origin = null;
  let peer = null;
  const loadBefore = loadNote();
  try {
    const pki = makeOriginPki(work);
    origin = await startOrigin(pki, work, 1024);
    peer = await startPeer('tlslab', { pki, work, nodeArgs: ['--expose-gc', ...o.nodeArgs], tlslabArgs: ['--report-memory', reportFile] });
    if (peer.skip) throw new Error(peer.skip);
    const start = await reading(peer, reportFile);
    if (!start.gc) throw new Error('the tlslab process has no gc(): --expose-gc did not reach it');
    await warmUp(peer, origin, 1024);
    const rows = [];
    let done = 0;
    let last = start;
    for (const n of o.steps) {
      process.stderr.write(`[memory bench] ${n} new connections (${done} so far)\n`);
      const r = await newConnections(peer, origin, { workers: o.workers, seconds: 3600, maxRequests: n, smallBytes: 1024 });
      done += r.ok;
      await new Promise((res) => setTimeout(res, o.settleMs));
      last = await reading(peer, reportFile);
      const sp = last.spaces;
      rows.push([String(done), fmt(r.rate, 0), String(r.errors), fmt(r.ok ? (r.cpuS * 1000) / r.ok : NaN, 2), fmt(r.peakRssMiB, 0), mib(last.rss), mib(last.rssAnon), mib(last.rssFile),
        mib(last.heapUsed), mib(last.heapTotal), `${mib(sp.new_space.committed)}`, `${mib(sp.old_space.committed)} / ${mib(sp.old_space.used)}`, mib(last.external),
        String(last.historyEvents), String(last.summaries)]);
    }
    const out = [];
    out.push(`tlslab memory benchmark — ${new Date().toISOString()}`);
    out.push(`node ${process.version}; ${loadBefore} before, ${loadNote()} after; tlslab: run-tlslab.js --expose-gc ${o.nodeArgs.join(' ')}`.trimEnd());
    out.push(`command: node scripts/bench/memory.js ${process.argv.slice(2).join(' ')}`.trimEnd());
    out.push(`after start and a GC: RSS ${mib(start.rss)} MiB (file-backed ${mib(start.rssFile)}), heap ${mib(start.heapUsed)} used / ${mib(start.heapTotal)} committed`);
    out.push(`Each step: ${o.workers} concurrent new connections (CONNECT + TLS + GET /small + close); the peak RSS is sampled while the step runs,`);
    out.push(`the rest ${o.settleMs} ms after it: a full GC, and a second later the reading. MiB.`);
    out.push(table(['connections', 'conn/s', 'errors', 'CPU ms/conn', 'peak RSS', 'RSS after GC', 'anon', 'file', 'heap used', 'heap committed', 'new space', 'old space committed / used', 'external', 'history events', 'summaries'], rows));
    if (done >= 20000) {
      const ok = last.rss <= 150 * MiB;
      out.push(`${ok ? '✓' : '✗'} RSS after ${done} connections and a GC ≤ 150 MiB: ${mib(last.rss)} MiB`);
    }
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    if (peer && peer.stop) await peer.stop();
    if (origin) await origin.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`memory bench failed: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
