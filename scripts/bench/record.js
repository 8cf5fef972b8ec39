#!/usr/bin/env node
// What recording costs and what opening a recording takes: tlslab without and with --record side by side in one run
// (new-connection rate, bulk MiB/s, CPU, the proxy's main thread apart), the same bytes the recording holds written by
// a plain fs stream without tlslab (the floor: what the kernel takes to write them), then `tlslab open` on a large
// recording this script makes itself (time until the first connection is served, peak RSS, read rate). Prints tables;
// asserts nothing. I/O: child processes, loopback sockets, a work folder under the system temp folder (removed at the
// end), /proc. Needs `npx tsc -p tsconfig.json`.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { makeOriginPki } = require('./lib/pki');
const { startOrigin, startPeer, makeWorkDir } = require('./lib/peers');
const phases = require('./lib/phases');
const { watchProcess, loadNote } = require('./lib/proc');
const { median, fmt, table } = require('./lib/stats');

const REPO = path.resolve(__dirname, '..', '..');

const HELP = `Usage: node scripts/bench/record.js [options]

  --rounds N       overhead rounds, each peer once per round, alternating (default 3)
  --seconds S      seconds of new connections per round and peer (default 5)
  --workers N      concurrent new-connection loops (default 8)
  --bulk-mb N      one bulk download per round and peer (default 256)
  --open-mib N     size of the recording made for \`tlslab open\` (default 1024; both legs are recorded, so N/2 MiB of
                   traffic go through the proxy)
  --skip-open      measure the recording overhead only
  --keep FILE      keep the large recording at FILE (it is removed otherwise)
  --quick          tiny sizes: a smoke run (1 round of 1 s, 8 MiB bulk, a 64 MiB recording)
`;

function parseArgs(argv) {
  const o = { rounds: 3, seconds: 5, workers: 8, bulkMb: 256, openMib: 1024, skipOpen: false, keep: null, small: 1024 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const x = Number(argv[++i]);
      if (!(x > 0)) throw new Error(`${a} needs a positive number`);
      return x;
    };
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (a === '--rounds') o.rounds = num();
    else if (a === '--seconds') o.seconds = num();
    else if (a === '--workers') o.workers = num();
    else if (a === '--bulk-mb') o.bulkMb = num();
    else if (a === '--open-mib') o.openMib = num();
    else if (a === '--skip-open') o.skipOpen = true;
    else if (a === '--keep') o.keep = path.resolve(String(argv[++i]));
    else if (a === '--quick') Object.assign(o, { rounds: 1, seconds: 1, workers: 2, bulkMb: 8, openMib: 64 });
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

const progress = (msg) => process.stderr.write(`[record bench] ${msg}\n`);
const settle = () => new Promise((r) => setTimeout(r, 500));

/** The recording overhead: the same phases through tlslab and through tlslab --record, alternating. */
async function overhead(o, pki, origin, work, started) {
  const recordFile = path.join(work, 'overhead.pcapng');
  const peers = [];
  for (const [label, args] of [['tlslab', []], ['tlslab --record', ['--record', recordFile]]]) {
    progress(`starting ${label}`);
    const p = await startPeer('tlslab', { pki, work, tlslabArgs: args, label });
    started.push(p);
    progress(`warming up ${label}`);
    await phases.warmUp(p, origin, o.small);
    peers.push(p);
  }
  const res = { newConn: new Map(peers.map((p) => [p.name, []])), bulk: new Map(peers.map((p) => [p.name, []])) };
  for (let round = 1; round <= o.rounds; round++) {
    // Alternate which peer goes first, so a drift in the machine's load does not favour one.
    const order = round % 2 ? peers : [...peers].reverse();
    for (const p of order) {
      progress(`round ${round}: new connections via ${p.name}`);
      res.newConn.get(p.name).push(await phases.newConnections(p, origin, { workers: o.workers, seconds: o.seconds, maxRequests: 1e9, smallBytes: o.small }));
      await settle();
    }
    for (const p of order) {
      progress(`round ${round}: bulk ${o.bulkMb} MiB via ${p.name}`);
      res.bulk.get(p.name).push(await phases.bulk(p, origin, { bytes: Math.round(o.bulkMb * 1048576), timeoutS: 120 }));
      await settle();
    }
  }
  const rows = peers.map((p) => {
    const n = res.newConn.get(p.name);
    const b = res.bulk.get(p.name);
    const rate = median(n.map((r) => r.rate));
    return {
      name: p.name,
      rate,
      msPerConn: median(n.map((r) => (r.cpuS * 1000) / r.ok)),
      errors: n.reduce((s, r) => s + r.errors, 0) + b.reduce((s, r) => s + r.errors, 0),
      mibps: median(b.map((r) => r.mibps)),
      msPerMiB: median(b.map((r) => (r.cpuS * 1000) / (r.bytes / 1048576))),
      mainMsPerMiB: median(b.map((r) => (r.mainCpuS * 1000) / (r.bytes / 1048576))),
      rss: Math.max(...n.map((r) => r.peakRssMiB), ...b.map((r) => r.peakRssMiB)),
    };
  });
  for (const p of peers) await p.stop();
  const size = fs.existsSync(recordFile) ? fs.statSync(recordFile).size : NaN;
  return { rows, recordBytes: size };
}

/**
 * The recording's bytes written again by a plain fs stream, no tlslab: once to a new file (as the recording was), once
 * more after deleting it (the kernel reuses the pages it just freed). On a virtual machine whose memory the host backs
 * only when first touched, the first costs the kernel several times more than the second.
 */
async function diskFloor(work, bytes) {
  const mib = Math.max(1, Math.round(bytes / 1048576));
  const file = path.join(work, 'disk-probe.bin');
  const once = (...extra) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'lib', 'disk-probe.js'), file, String(mib), ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`disk-probe exited ${code}`))));
  });
  progress(`writing ${mib} MiB with a plain fs stream, twice, then with the recorder's appender`);
  const fresh = await once();
  fs.rmSync(file, { force: true });
  const reused = await once();
  fs.rmSync(file, { force: true });
  await new Promise((r) => setTimeout(r, 3000)); // the pages just freed go back to the host first, as for a new file
  const appender = await once('--appender');
  fs.rmSync(file, { force: true });
  return { fresh, reused, appender };
}

/** Makes a recording of about `mib` MiB through a tlslab --record: many small connections, then bulk downloads. */
async function makeRecording(o, pki, origin, work, started, file) {
  progress(`making a recording of about ${o.openMib} MiB at ${file}`);
  const p = await startPeer('tlslab', { pki, work, tlslabArgs: ['--record', file], label: 'tlslab --record (generator)' });
  started.push(p);
  await phases.newConnections(p, origin, { workers: o.workers, seconds: 1e6, maxRequests: Math.max(200, Math.min(5000, o.openMib * 4)), smallBytes: o.small });
  const target = o.openMib * 1048576;
  const chunk = Math.min(64 * 1048576, Math.max(1048576, Math.round(target / 8)));
  for (let i = 0; i < 1000; i++) {
    const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    if (size >= target) break;
    // Each byte downloaded is recorded twice (the upstream leg and the client leg).
    await phases.bulk(p, origin, { bytes: Math.min(chunk, Math.max(1048576, Math.ceil((target - size) / 2))), timeoutS: 300 });
  }
  await p.stop();
  started.splice(started.indexOf(p), 1);
  return fs.statSync(file).size;
}

/** `tlslab open FILE` in its own process: until the first connection is served, until the whole file is read, and its peak RSS. */
async function openRecording(file) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(REPO, 'bin', 'tlslab.js'), 'open', file, '--ui-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const watch = watchProcess(child.pid, 50);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  try {
    let url = null;
    for (let i = 0; i < 1200 && url === null; i++) {
      url = /Dashboard {3}(http:\/\/\S+)/.exec(out)?.[1] ?? null;
      if (url === null) {
        if (child.exitCode !== null) throw new Error(`tlslab open exited: ${err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    if (url === null) throw new Error('tlslab open printed no dashboard address');
    const listening = performance.now() - t0;
    let first = NaN;
    for (let i = 0; i < 6000 && Number.isNaN(first); i++) {
      const list = await (await fetch(`${url}api/connections?limit=1`)).json();
      if (Array.isArray(list) && list.length > 0) first = performance.now() - t0;
      else await new Promise((r) => setTimeout(r, 10));
    }
    let state = null;
    for (let i = 0; i < 36000; i++) {
      state = await (await fetch(`${url}api/replay`)).json();
      if (state.done) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const all = performance.now() - t0;
    const w = watch.stop();
    const conns = await (await fetch(`${url}api/connections`)).json();
    return { listeningMs: listening, firstMs: first, allMs: all, peakRssMiB: w.peakRssMiB, endRssMiB: w.endRssMiB, cpuS: w.cpuS, state, connections: conns.length };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e.message}\n${HELP}`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) {
    process.stderr.write('record bench: dist/ is missing — run `npx tsc -p tsconfig.json` first\n');
    process.exit(1);
  }
  const work = makeWorkDir();
  const started = [];
  let origin = null;
  const cleanup = () => Promise.allSettled([...started.map((p) => p.stop()), origin ? origin.stop() : null]).finally(() => fs.rmSync(work, { recursive: true, force: true }));
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  const loadBefore = loadNote();
  try {
    const pki = makeOriginPki(work);
    origin = await startOrigin(pki, work, o.small);
    const ov = await overhead(o, pki, origin, work, started);
    const disk = Number.isFinite(ov.recordBytes) ? await diskFloor(work, ov.recordBytes) : null;
    let op = null;
    let big = null;
    if (!o.skipOpen) {
      const file = o.keep ?? path.join(work, 'large.pcapng');
      const size = await makeRecording(o, pki, origin, work, started, file);
      progress(`opening ${fmt(size / 1048576, 0)} MiB with tlslab open`);
      big = { file, size };
      op = await openRecording(file);
    }
    const out = [];
    out.push(`tlslab recording benchmark — ${new Date().toISOString()}`);
    out.push(`node ${process.version}, ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}; ${loadBefore} before, ${loadNote()} after`);
    out.push(`command: node scripts/bench/record.js ${process.argv.slice(2).join(' ')}`.trimEnd());
    out.push('origin: Node https, HTTP/1.1, TLS 1.3, its own process; tlslab in its own process (scripts/bench/run-tlslab.js); client: this process', '');
    out.push(`Recording overhead: ${o.rounds} round(s), alternating; new connections: ${o.workers} workers, ${o.seconds} s; bulk: one GET of ${o.bulkMb} MiB (medians)`);
    out.push(table(['peer', 'new conn/s', 'CPU ms/conn', 'bulk MiB/s', 'CPU ms/MiB', 'main thread ms/MiB', 'peak RSS MiB', 'errors'], ov.rows.map((r) => [r.name, fmt(r.rate, 0), fmt(r.msPerConn, 2), fmt(r.mibps, 0), fmt(r.msPerMiB, 2), fmt(r.mainMsPerMiB, 2), fmt(r.rss, 0), String(r.errors)])));
    const [plain, rec] = ov.rows;
    const cost = (a, b) => (1 - b / a) * 100;
    out.push(`recording file: ${fmt(ov.recordBytes / 1048576, 1)} MiB ("CPU ms/MiB": the proxy process, per MiB downloaded; "main thread": its JavaScript thread alone, the rest is libuv's file writes and V8's garbage collection helpers)`, '');
    if (disk) {
      out.push(`The same ${fmt(disk.fresh.mib, 0)} MiB written without tlslab (scripts/bench/lib/disk-probe.js, 1 MiB writes)`);
      out.push(table(['file', 'MiB/s', 'user ms/MiB', 'system ms/MiB'], [
        ['plain fs stream, new file', fmt(disk.fresh.mibps, 0), fmt(disk.fresh.userMsPerMiB, 2), fmt(disk.fresh.sysMsPerMiB, 2)],
        ['plain fs stream, again after deleting it', fmt(disk.reused.mibps, 0), fmt(disk.reused.userMsPerMiB, 2), fmt(disk.reused.sysMsPerMiB, 2)],
        [`the recorder's appender, new file (${disk.appender.direct ? 'O_DIRECT' : 'O_DIRECT refused: page cache'})`, fmt(disk.appender.mibps, 0), fmt(disk.appender.userMsPerMiB, 2), fmt(disk.appender.sysMsPerMiB, 2)],
      ]));
      out.push('');
    }
    if (op && big) {
      out.push(`tlslab open of a recording of ${fmt(big.size / 1048576, 0)} MiB (made by this run through tlslab --record: ${op.connections} connections), the dashboard on port 0`);
      out.push(table(['listening ms', 'first connection ms', 'whole file s', 'read MiB/s', 'peak RSS MiB', 'RSS at end MiB', 'CPU s'], [[
        fmt(op.listeningMs, 0), fmt(op.firstMs, 0), fmt(op.allMs / 1000, 1), fmt(big.size / 1048576 / (op.allMs / 1000), 0), fmt(op.peakRssMiB, 0), fmt(op.endRssMiB, 0), fmt(op.cpuS, 1),
      ]]));
      out.push('"first connection": from starting the process until GET /api/connections lists one; "whole file": until /api/replay says done', '');
    }
    out.push('Targets:');
    out.push(`  recording costs ≤ 10%: new connections ${fmt(cost(plain.rate, rec.rate), 1)}% (${fmt(plain.rate, 0)} → ${fmt(rec.rate, 0)}/s), bulk ${fmt(cost(plain.mibps, rec.mibps), 1)}% (${fmt(plain.mibps, 0)} → ${fmt(rec.mibps, 0)} MiB/s)`);
    if (op) out.push(`  tlslab open: first connection ≤ 2 s: ${fmt(op.firstMs / 1000, 2)} s; peak RSS ≤ 300 MiB: ${fmt(op.peakRssMiB, 0)} MiB`);
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`record bench: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
