#!/usr/bin/env node
// Proxy benchmark, side by side in one run: direct (client → origin), tlslab, stock http-mitm-proxy and mitmdump
// (when on PATH): new-connection HTTPS req/s, keep-alive req/s, bulk MiB/s, proxy CPU and RSS; the targets.
// Every proxy and the origin run in child processes; the clients run here. Loopback only. Prints tables; asserts nothing.
// Needs the build (`npx tsc -p tsconfig.json`). Usage: node scripts/bench/proxy.js [--help]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { makeOriginPki } = require('./lib/pki');
const { startOrigin, startPeer, makeWorkDir } = require('./lib/peers');
const phases = require('./lib/phases');
const { fmt, median, table } = require('./lib/stats');
const { rssMiB, loadNote } = require('./lib/proc');
const { formatProfile } = require('./lib/cpuprofile');
const { relayLatency, newHostLatency } = require('./lib/latency');
const { NEW_HOST_DOMAIN } = require('./lib/pki');
const { eachOption } = require('./lib/options');
const { execFileSync } = require('node:child_process');

const HELP = `Usage: node scripts/bench/proxy.js [options]
  --peers LIST        comma-separated, from direct,tlslab,http-mitm-proxy,mitmdump (the default) and the
                      reference peers node-relay, node-relay-tap, node-relay-ec (a bare Node TLS relay: as is,
                      over JS tees, with an ECDSA P-256 leaf instead of RSA-2048)
  --rounds N          measure everything N times, interleaved across peers (default 2)
  --seconds S         duration of each new-connection and keep-alive measurement (default 5)
  --workers W         concurrent new-connection workers (default 8)
  --conns K           persistent connections for keep-alive (default 4)
  --max-requests N    cap per measurement (default 20000)
  --bulk-mb M         size of the bulk download in MiB (default 256)
  --bulk-timeout S    give up a bulk download after S seconds and report what arrived (default 60)
  --small B           body size of GET /small in bytes (default 1024)
  --phases LIST       comma-separated, from newconn,keepalive,bulk,latency,firsthost (default: all five); firsthost:
                      a first connection to a host never seen (a new leaf) against the next one, tlslab and direct
  --latency-probes N  sequential connections per peer and round for the relay-path latency (default 50)
  --quick             tiny sizes for a smoke run: 1 round, 1 s, 2 workers, 2 conns, 8 MiB
  --profile DIR       run tlslab under node --cpu-prof (profile written to DIR) and print its top functions;
                      profiling slows tlslab, so use it to see where time goes, not for the figures
  --mitmdump-buffered run mitmdump with its default stream_large_bodies (unset: every body is buffered whole before
                      it is sent on; 128 MiB then takes minutes); by default it gets stream_large_bodies=1m
  --tlslab-node-arg A an extra node option for the tlslab process (repeatable), e.g. --require FILE to try a change
  --proxy-cpus LIST   pin every proxy process (all its threads) to these CPUs with taskset, e.g. 1 or 0,1
  --load-cpus LIST    pin the origin and this client to these CPUs, e.g. 0. Run once with --proxy-cpus 1 --load-cpus 0
                      and once with --proxy-cpus 0,1 --load-cpus 0 to see what a second core gives the proxy
  --json FILE         also write every figure as JSON
`;

function parseArgs(argv) {
  const o = { peers: ['direct', 'tlslab', 'http-mitm-proxy', 'mitmdump'], rounds: 2, seconds: 5, workers: 8, conns: 4, maxRequests: 20000, bulkMb: 256, bulkTimeoutS: 60, small: 1024, profile: null, json: null, phases: ['newconn', 'keepalive', 'bulk', 'latency', 'firsthost'], latencyProbes: 50, tlslabNodeArgs: [], mitmStream: true, proxyCpus: null, loadCpus: null };
  eachOption(argv, HELP, (a, { value: v, positive: num }) => {
    if (a === '--peers') o.peers = v().split(',').map((p) => p.trim()).filter(Boolean);
    else if (a === '--phases') {
      o.phases = v().split(',').map((p) => p.trim()).filter(Boolean);
      const bad = o.phases.filter((p) => !['newconn', 'keepalive', 'bulk', 'latency', 'firsthost'].includes(p));
      if (bad.length) throw new Error(`unknown phase(s) ${bad.join(', ')}`);
    } else if (a === '--rounds') o.rounds = num();
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--workers') o.workers = num();
    else if (a === '--conns') o.conns = num();
    else if (a === '--max-requests') o.maxRequests = num();
    else if (a === '--bulk-mb') o.bulkMb = num();
    else if (a === '--bulk-timeout') o.bulkTimeoutS = num();
    else if (a === '--small') o.small = num();
    else if (a === '--latency-probes') o.latencyProbes = num();
    else if (a === '--quick') Object.assign(o, { rounds: 1, seconds: 1, workers: 2, conns: 2, bulkMb: 8, latencyProbes: 10 });
    else if (a === '--profile') o.profile = path.resolve(v());
    else if (a === '--mitmdump-buffered') o.mitmStream = false;
    else if (a === '--tlslab-node-arg') o.tlslabNodeArgs.push(v());
    else if (a === '--json') o.json = path.resolve(v());
    else if (a === '--proxy-cpus') o.proxyCpus = cpuList(v());
    else if (a === '--load-cpus') o.loadCpus = cpuList(v());
    else return false;
    return true;
  });
  return o;
}

const progress = (msg) => process.stderr.write(`[proxy bench] ${msg}\n`);

/** A taskset CPU list (digits, commas, ranges), checked against this machine's CPUs. */
function cpuList(text) {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text)) throw new Error(`--proxy-cpus/--load-cpus: "${text}" is not a CPU list like 0 or 0,1 or 0-3`);
  const max = Math.max(...text.split(/[,-]/).map(Number));
  if (max >= os.cpus().length) throw new Error(`CPU ${max} does not exist here (${os.cpus().length} CPUs)`);
  return text;
}

/** Pins process `pid` and all its threads to `cpus` (taskset -a); throws when taskset is missing or refuses. */
function pin(pid, cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err.message}\n${HELP}`);
    process.exit(2);
  }
  const work = makeWorkDir();
  const started = [];
  let origin = null;
  // Ctrl-C or a kill: stop every child by its pid and remove the work folder before leaving.
  const onSignal = (sig) => {
    progress(`${sig}: stopping the children`);
    Promise.allSettled([...started.map((p) => p.stop()), origin ? origin.stop() : null]).finally(() => {
      fs.rmSync(work, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const loadBefore = loadNote();
  try {
    progress(`origin PKI and origin process (work folder ${work})`);
    const pki = makeOriginPki(work);
    origin = await startOrigin(pki, work, o.small);

    const peers = [];
    const skipped = [];
    for (const name of o.peers) {
      progress(`starting ${name}`);
      const nodeArgs = name !== 'tlslab' ? [] : [...o.tlslabNodeArgs, ...(o.profile ? ['--cpu-prof', '--cpu-prof-dir', o.profile] : [])];
      if (o.profile) fs.mkdirSync(o.profile, { recursive: true });
      try {
        const p = await startPeer(name, { pki, work, nodeArgs, mitmStream: o.mitmStream });
        if (p.skip) {
          skipped.push(`${name}: skipped — ${p.skip}`);
          continue;
        }
        started.push(p);
        p.idleRssMiB = p.pid ? rssMiB(p.pid) : NaN;
        progress(`warming up ${name}`);
        await phases.warmUp(p, origin, o.small);
        p.warmRssMiB = p.pid ? rssMiB(p.pid) : NaN;
        peers.push(p);
      } catch (err) {
        skipped.push(`${name}: skipped — it failed to start or to answer: ${err.message.split('\n').join(' | ')}`);
      }
    }

    if (o.proxyCpus) for (const p of peers) if (p.pid) pin(p.pid, o.proxyCpus);
    if (o.loadCpus) for (const pid of [origin.pid, process.pid]) pin(pid, o.loadCpus);

    const results = { newConn: {}, keepAlive: {}, bulk: {}, latency: {}, firstHost: {} };
    for (const p of peers) for (const k of Object.keys(results)) results[k][p.name] = [];
    const bulkBytes = Math.round(o.bulkMb * 1048576);
    for (let round = 1; round <= o.rounds; round++) {
      for (const p of o.phases.includes('newconn') ? peers : []) {
        progress(`round ${round}: new connections via ${p.name}`);
        results.newConn[p.name].push(await phases.newConnections(p, origin, { workers: o.workers, seconds: o.seconds, maxRequests: o.maxRequests, smallBytes: o.small }));
        await settle();
      }
      for (const p of o.phases.includes('keepalive') ? peers : []) {
        progress(`round ${round}: keep-alive via ${p.name}`);
        results.keepAlive[p.name].push(await phases.keepAlive(p, origin, { conns: o.conns, seconds: o.seconds, maxRequests: o.maxRequests, smallBytes: o.small }));
        await settle();
      }
      for (const p of o.phases.includes('bulk') ? peers : []) {
        progress(`round ${round}: bulk ${o.bulkMb} MiB via ${p.name}`);
        results.bulk[p.name].push(await phases.bulk(p, origin, { bytes: bulkBytes, timeoutS: o.bulkTimeoutS }));
        await settle();
      }
      for (const p of o.phases.includes('latency') ? peers : []) {
        progress(`round ${round}: relay-path latency via ${p.name} (${o.latencyProbes} sequential connections)`);
        results.latency[p.name].push(await relayLatency(p, origin, { probes: o.latencyProbes }));
        await settle();
      }
      // Only tlslab resolves the new names (run-tlslab.js); direct is the reference with no leaf to mint.
      for (const p of o.phases.includes('firsthost') ? peers.filter((x) => x.name === 'tlslab' || x.name === 'direct') : []) {
        progress(`round ${round}: first connection to a new host via ${p.name} (${o.latencyProbes} pairs)`);
        results.firstHost[p.name].push(await newHostLatency(p, origin, { probes: o.latencyProbes, domain: NEW_HOST_DOMAIN }));
        await settle();
      }
    }
    // Integrity, not speed: the origin closes right after the last byte (Connection: close); is every byte delivered?
    const closeBytes = Math.min(bulkBytes, 64 * 1048576);
    const closeCheck = {};
    for (const p of o.phases.includes('bulk') ? peers : []) {
      progress(`Connection: close download via ${p.name}`);
      closeCheck[p.name] = await phases.bulk(p, origin, { bytes: closeBytes, timeoutS: o.bulkTimeoutS, close: true });
      await settle();
    }
    for (const p of peers) p.endRssMiB = p.pid ? rssMiB(p.pid) : NaN;
    const loadAfter = loadNote();

    const out = [];
    out.push(`tlslab proxy benchmark — ${new Date().toISOString()}`);
    out.push(`node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}; ${loadBefore} before, ${loadAfter} after`);
    out.push(`peers: ${peers.map((p) => p.version).join('; ')}`);
    for (const s of skipped) out.push(s);
    out.push(`origin: Node https, HTTP/1.1, TLS 1.3 only, RSA-2048 leaf, its own process; client: Node tls in this process, no session resumption`);
    out.push(`command: node scripts/bench/proxy.js ${process.argv.slice(2).join(' ')}`.trimEnd());
    if (o.proxyCpus || o.loadCpus) out.push(`pinned (taskset -a): proxies on CPU(s) ${o.proxyCpus ?? 'any'}; origin and client on CPU(s) ${o.loadCpus ?? 'any'}`);
    out.push('');
    if (o.phases.includes('newconn')) {
      out.push(`New-connection HTTPS: CONNECT (not direct) + TLS handshake + GET /small (${o.small} B) + close; ${o.workers} workers, ${o.seconds} s per round`);
      out.push(rateTable(peers, results.newConn, false), '');
    }
    if (o.phases.includes('keepalive')) {
      out.push(`Keep-alive: ${o.conns} persistent TLS connections through the proxy, GET /small back to back, ${o.seconds} s per round`);
      out.push(rateTable(peers, results.keepAlive, true), '');
    }
    if (o.phases.includes('bulk')) {
      out.push(`Bulk: one GET of ${o.bulkMb} MiB over one connection (its setup not timed)`);
      out.push(bulkTable(peers, results.bulk), '');
      out.push(`Integrity: one GET of ${fmt(closeBytes / 1048576, 0)} MiB with Connection: close (the origin closes right after its last byte)`);
      out.push(table(['peer', 'received', 'expected', 'complete', 'MiB/s', 'note'], peers.map((p) => {
        const r = closeCheck[p.name];
        return [p.name, String(r.bytes), String(closeBytes), r.complete ? 'yes' : 'NO', fmt(r.mibps, 0), r.lastError ?? ''];
      })), '');
    }
    if (o.phases.includes('latency')) {
      out.push(`Relay-path latency: ${o.latencyProbes} sequential new connections per round (one at a time, no load from this bench), each through a`);
      out.push('timestamping TCP forwarder in front of the origin; p50 / p95 in ms over all rounds. "upstream SH → client SH": the origin');
      out.push("sends its first flight (ServerHello) → the client's first TLS bytes back (its ServerHello); \"hello\": ClientHello out → first");
      out.push('bytes back at the client; "request →": GET written → first response byte, on the new connection and a second on it');
      out.push(latencyTable(peers, results.latency), '');
    }
    if (o.phases.includes('firsthost')) {
      out.push(`First connection to a new host: ${o.latencyProbes} pairs per round, one connection at a time: a name under *.${NEW_HOST_DOMAIN} never`);
      out.push('asked for before (tlslab mints a leaf for it), then a second connection to the same name (the leaf cached); p50 / p95 in ms.');
      out.push('"total": CONNECT sent → first response byte; "hello": ClientHello out → first bytes back');
      out.push(firstHostTable(peers, results.firstHost), '');
    }
    out.push('Proxy process memory (RSS, MiB)');
    out.push(memoryTable(peers, results));
    out.push('');
    out.push('Targets, on the median over rounds');
    out.push(targets(peers, results, closeCheck, closeBytes));
    process.stdout.write(`${out.join('\n')}\n`);
    if (o.json) fs.writeFileSync(o.json, JSON.stringify({ options: o, loadBefore, loadAfter, peers: peers.map((p) => ({ name: p.name, version: p.version, idleRssMiB: p.idleRssMiB, warmRssMiB: p.warmRssMiB, endRssMiB: p.endRssMiB })), skipped, results, closeCheck }, null, 2));
  } finally {
    for (const p of started) await p.stop();
    if (origin) await origin.stop();
    if (o.profile) printProfiles(o.profile);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A short pause between measurements so closing connections of one do not land in the next. */
function settle() {
  return new Promise((r) => setTimeout(r, 500));
}

function rateTable(peers, res, keepAlive) {
  const header = ['peer', 'round', 'req/s', 'p50 ms', 'p95 ms', 'ok', 'errors', ...(keepAlive ? ['reconnects'] : []), 'proxy CPU %', 'CPU ms/req', 'peak RSS'];
  const rows = [];
  for (const p of peers) {
    const rs = res[p.name];
    rs.forEach((r, i) => rows.push([p.name, String(i + 1), fmt(r.rate, 0), fmt(r.p50), fmt(r.p95), String(r.ok), String(r.errors), ...(keepAlive ? [String(r.reconnects)] : []),
      fmt(r.cpuPct, 0), fmt(r.ok ? (r.cpuS * 1000) / r.ok : NaN, 3), fmt(r.peakRssMiB, 0)]));
    if (rs.length > 1) rows.push([p.name, 'median', fmt(median(rs.map((r) => r.rate)), 0), fmt(median(rs.map((r) => r.p50))), fmt(median(rs.map((r) => r.p95))), '', '', ...(keepAlive ? [''] : []), '', '', '']);
  }
  return [table(header, rows), ...errorLines(peers, res)].join('\n');
}

function bulkTable(peers, res) {
  const header = ['peer', 'round', 'MiB/s', 'seconds', 'complete', 'proxy CPU %', 'peak RSS'];
  const rows = [];
  for (const p of peers) {
    const rs = res[p.name];
    rs.forEach((r, i) => rows.push([p.name, String(i + 1), fmt(r.mibps, 0), fmt(r.wallS), r.complete ? 'yes' : `NO (${fmt(r.bytes / 1048576, 0)} MiB)`, fmt(r.cpuPct, 0), fmt(r.peakRssMiB, 0)]));
    if (rs.length > 1) rows.push([p.name, 'median', fmt(median(rs.map((r) => r.mibps)), 0), '', '', '', '']);
  }
  return [table(header, rows), ...errorLines(peers, res)].join('\n');
}

function errorLines(peers, res) {
  const lines = [];
  for (const p of peers) {
    const bad = res[p.name].filter((r) => r.errors > 0);
    if (bad.length) lines.push(`  ${p.name}: ${bad.reduce((a, r) => a + r.errors, 0)} error(s), last: ${bad[bad.length - 1].lastError}`);
  }
  return lines;
}

function latencyTable(peers, res) {
  const cols = [['tunnelMs', 'CONNECT → 200'], ['helloMs', 'hello'], ['upstreamToClientHelloMs', 'upstream SH → client SH'], ['firstRequestMs', 'request → response, 1st'], ['secondRequestMs', 'request → response, 2nd']];
  const rows = [];
  const notes = [];
  for (const p of peers) {
    const rs = res[p.name];
    if (!rs.length) continue;
    const pooled = (k, pct) => median(rs.map((r) => r[k][pct]));
    rows.push([p.name, ...cols.map(([k]) => (rs.some((r) => r[k].n > 0) ? `${fmt(pooled(k, 'p50'))} / ${fmt(pooled(k, 'p95'))}` : '-')), String(rs.reduce((a, r) => a + r.errors, 0))]);
    const bad = rs.filter((r) => r.errors > 0);
    if (bad.length) notes.push(`  ${p.name}: last error: ${bad[bad.length - 1].lastError}`);
  }
  return [table(['peer', ...cols.map(([, h]) => h), 'errors'], rows), ...notes].join('\n');
}

function firstHostTable(peers, res) {
  const cols = [['coldTotal', 'total, first'], ['warmTotal', 'total, next'], ['coldHello', 'hello, first'], ['warmHello', 'hello, next']];
  const rows = [];
  for (const p of peers) {
    const rs = res[p.name] ?? [];
    if (!rs.length) continue;
    const pooled = (k, pct) => median(rs.map((r) => r[k][pct]));
    const ratio = pooled('coldTotal', 'p50') / pooled('warmTotal', 'p50');
    rows.push([p.name, ...cols.map(([k]) => (rs.some((r) => r[k].n > 0) ? `${fmt(pooled(k, 'p50'))} / ${fmt(pooled(k, 'p95'))}` : '-')), `${fmt(ratio)}×`, String(rs.reduce((a, r) => a + r.errors, 0))]);
  }
  return table(['peer', ...cols.map(([, h]) => h), 'first / next (p50 total)', 'errors'], rows);
}

function memoryTable(peers, res) {
  const header = ['peer', 'after start', 'after warm-up', 'peak new-conn', 'peak keep-alive', 'peak bulk', 'at the end'];
  const peak = (rs) => (rs.length ? Math.max(...rs.map((r) => r.peakRssMiB)) : NaN);
  const rows = peers.filter((p) => p.pid).map((p) => [p.name, fmt(p.idleRssMiB, 0), fmt(p.warmRssMiB, 0), fmt(peak(res.newConn[p.name]), 0), fmt(peak(res.keepAlive[p.name]), 0), fmt(peak(res.bulk[p.name]), 0), fmt(p.endRssMiB, 0)]);
  return table(header, rows);
}

function targets(peers, res, closeCheck, closeBytes) {
  const has = (phase, n) => peers.some((p) => p.name === n) && res[phase][n]?.length > 0;
  const med = (phase, n, f) => median(res[phase][n].map(f));
  const lines = [];
  const check = (label, ok, detail) => lines.push(`${ok ? '✓' : '✗'} ${label}: ${detail}`);
  const rate = (r) => r.rate;
  const mibps = (r) => r.mibps;
  const cpuMs = (r) => (r.ok ? (r.cpuS * 1000) / r.ok : NaN);
  const stock = 'http-mitm-proxy';
  if (has('newConn', 'tlslab') && has('newConn', stock)) {
    const t = med('newConn', 'tlslab', rate);
    const h = med('newConn', stock, rate);
    check('new connections ≥ stock http-mitm-proxy', t >= h, `tlslab ${fmt(t, 0)} req/s vs ${fmt(h, 0)} req/s = ${fmt(t / h)}×`);
    const tc = med('newConn', 'tlslab', cpuMs);
    const hc = med('newConn', stock, cpuMs);
    check('proxy CPU per new connection ≤ 1.2× stock http-mitm-proxy', tc <= 1.2 * hc, `tlslab ${fmt(tc)} ms vs ${fmt(hc)} ms = ${fmt(tc / hc)}×`);
  } else lines.push('- new-connection targets: tlslab and stock http-mitm-proxy not both measured');
  if (has('newConn', 'tlslab')) {
    const peak = Math.max(...res.newConn.tlslab.map((r) => r.peakRssMiB));
    check('tlslab peak RSS during the new-connection storm ≤ 200 MiB', peak <= 200, `${fmt(peak, 0)} MiB`);
  }
  if (has('bulk', 'tlslab') && has('bulk', stock)) {
    const t = med('bulk', 'tlslab', mibps);
    const h = med('bulk', stock, mibps);
    check('bulk ≥ stock http-mitm-proxy', t >= h, `tlslab ${fmt(t, 0)} MiB/s vs ${fmt(h, 0)} MiB/s = ${fmt(t / h)}×`);
  } else lines.push('- bulk target: tlslab and stock http-mitm-proxy not both measured');
  if (has('bulk', 'tlslab')) {
    if (res.bulk.tlslab.some((r) => !r.complete)) lines.push('  ✗ tlslab did not deliver every bulk byte in at least one round (see the bulk table)');
    if (closeCheck.tlslab && !closeCheck.tlslab.complete) lines.push(`  ✗ tlslab lost the last ${closeCheck.tlslab.bytes >= 0 ? closeBytes - closeCheck.tlslab.bytes : '?'} bytes of a Connection: close download (see Integrity)`);
  }
  if (has('keepAlive', 'tlslab') && has('keepAlive', 'mitmdump')) {
    const t = med('keepAlive', 'tlslab', rate);
    const m = med('keepAlive', 'mitmdump', rate);
    check('keep-alive ≥ 5× mitmdump', t >= 5 * m, `tlslab ${fmt(t, 0)} req/s vs ${fmt(m, 0)} req/s = ${fmt(t / m)}×`);
  } else lines.push('- keep-alive target: tlslab and mitmdump not both measured');
  if (res.firstHost.tlslab?.length) {
    const cold = median(res.firstHost.tlslab.map((r) => r.coldTotal.p50));
    const warm = median(res.firstHost.tlslab.map((r) => r.warmTotal.p50));
    check('a first connection to a new host p50 ≤ 2× the next one', cold <= 2 * warm, `${fmt(cold)} ms vs ${fmt(warm)} ms = ${fmt(cold / warm)}×`);
  }
  return lines.join('\n');
}

function printProfiles(dir) {
  let files = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(dir, f));
  } catch {
    // none
  }
  if (files.length === 0) {
    process.stdout.write(`\nno .cpuprofile found in ${dir}\n`);
    return;
  }
  const newest = files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  process.stdout.write(`\ntlslab CPU profile (whole run, warm-up included)\n${formatProfile(newest, 25)}\n`);
}

main().catch((err) => {
  process.stderr.write(`proxy bench failed: ${err && err.stack ? err.stack : err}\n`);
  process.exitCode = 1;
});
