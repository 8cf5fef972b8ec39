#!/usr/bin/env node
// Opening a dashboard view on a busy tlslab: how big the view's snapshot is and how long it takes to see rows.
// One tlslab (its own process, startTlslab from dist/, the built-in lab as origins) is filled with connections:
// `--real` real TLS connections through the proxy to lab cases (valid, expired, wrong-host, self-signed, incomplete
// chain, TLS 1.2 only), each with a GET, then — since 20,000 real handshakes take many minutes on 2 cores — the event
// sequences those real connections produced are emitted again onto tlslab's own bus under new connection ids until
// `--connections` are kept. Then a view is opened the way the dashboard opens one: a WebSocket to /ws from Node
// (the first message, the snapshot: size and time) and Chromium (playwright-core) loading the page (the snapshot
// frame's size, time until the first `.row` is visible). Prints figures, asserts nothing.
// Usage: npm run -s build && node scripts/bench/dashboard-open.js [--connections 20000] [--real 200] [--rounds 3]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork } = require('node:child_process');
const { connectTls, HttpConn } = require('./lib/clients');
const { eachOption } = require('./lib/options');
const { loadNote } = require('./lib/proc');
const { median, fmt } = require('./lib/stats');

const CASES = ['valid', 'valid', 'valid', 'expired', 'wrong-host', 'self-signed', 'incomplete-chain', 'tls12-only'];

const HELP = 'Usage: node scripts/bench/dashboard-open.js [--connections 20000] [--real 200] [--rounds 3] [--chromium /usr/bin/chromium]\n';

function parseArgs(argv) {
  const o = { connections: 20_000, real: 200, rounds: 3, child: false, chromium: '/usr/bin/chromium' };
  eachOption(argv, HELP, (name, { value, positive }) => {
    if (name === '--connections') o.connections = Math.round(positive());
    else if (name === '--real') o.real = Math.round(positive());
    else if (name === '--rounds') o.rounds = Math.round(positive());
    else if (name === '--chromium') o.chromium = value();
    else if (name === '--child') o.child = true;
    else return false;
    return true;
  });
  return o;
}

// ---------------------------------------------------------------------------------------------------------
// Child: tlslab, recording what its bus emits, and re-emitting those sequences on demand.

async function child() {
  const { startTlslab } = require('../../dist/app');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-open-bench-'));
  const tlslab = await startTlslab({ lab: true, certsDir: tmp, host: '127.0.0.1', uiPort: 0, port: 0 });
  const bus = tlslab.bus;
  /** conn id → its events as emitted (drafts: no v/seq/t), in order. */
  const recorded = new Map();
  const stopRecording = bus.subscribe((e) => {
    const { v: _v, seq: _seq, t: _t, ...draft } = e;
    let list = recorded.get(e.conn);
    if (!list) recorded.set(e.conn, (list = []));
    list.push(draft);
  });
  process.on('message', (msg) => {
    if (msg.cmd !== 'fill') return;
    stopRecording();
    // Only connections seen from conn:open to conn:close are copies worth emitting.
    const seqs = [...recorded.values()].filter((l) => l[0]?.type === 'conn:open' && l[l.length - 1].type === 'conn:close');
    const started = performance.now();
    let n = 0;
    let events = 0;
    while (bus.connectionCount < msg.connections && seqs.length > 0) {
      const id = `r${++n}`;
      for (const draft of seqs[n % seqs.length]) {
        bus.emit({ ...draft, conn: id });
        events++;
      }
    }
    process.send({ kind: 'filled', emitted: n, events, ms: performance.now() - started, kept: bus.connectionCount, history: bus.history.size, sequences: seqs.length });
  });
  // The parent going away (its IPC channel closing) ends tlslab and this process.
  process.once('disconnect', async () => {
    await tlslab.close().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(0);
  });
  process.send({ kind: 'ready', port: tlslab.proxyPort, dashboard: tlslab.dashboardUrl, ca: path.join(tmp, 'tlslab-ca.pem'), pid: process.pid });
}

// ---------------------------------------------------------------------------------------------------------
// Parent: real connections, the fill, then the views.

/** One HTTPS request through the proxy: CONNECT, TLS (a refusal is a real connection too), GET, close. */
async function oneConnection(port, host, ca) {
  try {
    const s = await connectTls({ proxyPort: port, host, port: 443, ca });
    const c = new HttpConn(s, host);
    await c.request('/', { close: true }).catch(() => undefined);
    s.destroy();
  } catch {
    /* the broken lab cases are refused by the client on purpose */
  }
}

/** A WebSocket view from Node: the time to and size of the hello and of the snapshot. */
function nodeView(WebSocket, url) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const out = { firstMs: 0, firstBytes: 0, firstKind: '', snapshotMs: 0, snapshotBytes: 0, summaries: 0, total: null, eventConns: 0 };
    ws.on('message', (data) => {
      const at = performance.now() - t0;
      const text = String(data);
      if (out.firstKind === '') Object.assign(out, { firstMs: at, firstBytes: Buffer.byteLength(text), firstKind: JSON.parse(text).kind });
      if (text.startsWith('{"kind":"snapshot"')) {
        const m = JSON.parse(text);
        Object.assign(out, { snapshotMs: at, snapshotBytes: Buffer.byteLength(text), summaries: m.summaries.length, total: m.total ?? null, eventConns: new Set(m.events.map((e) => e.conn)).size });
        ws.terminate();
        resolve(out);
      }
    });
    ws.once('error', reject);
  });
}

/** Chromium loads the dashboard: the snapshot frame's size and when the first `.row` is visible. */
async function browserView(browser, url) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  let frameBytes = 0;
  let frameMs = 0;
  const t0 = performance.now();
  page.on('websocket', (ws) => ws.on('framereceived', (f) => {
    const p = typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8');
    if (frameBytes === 0 && p.startsWith('{"kind":"snapshot"')) {
      frameBytes = Buffer.byteLength(p);
      frameMs = performance.now() - t0;
    }
  }));
  await page.goto(url);
  await page.locator('.row').first().waitFor({ state: 'visible', timeout: 120_000 });
  const rowMs = performance.now() - t0;
  await ctx.close();
  return { frameBytes, frameMs, rowMs };
}

const mb = (n) => `${fmt(n / 1e6, 2)} MB`;

async function parent(o) {
  const { WebSocket } = require('ws');
  const proc = fork(__filename, ['--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (kind) => new Promise((resolve, reject) => {
    const on = (m) => {
      if (m.kind !== kind) return;
      proc.off('message', on);
      resolve(m);
    };
    proc.on('message', on);
    proc.once('exit', (code) => reject(new Error(`tlslab exited (${code})`)));
  });
  const ready = await next('ready');
  const ca = fs.readFileSync(ready.ca, 'utf8');
  const wsUrl = `${ready.dashboard.replace(/^http/, 'ws').replace(/\/?$/, '')}/ws`;
  process.stdout.write(`tlslab pid ${ready.pid}, dashboard ${ready.dashboard}; ${loadNote()}, ${os.cpus().length} cores\n`);

  const realStart = performance.now();
  for (let i = 0; i < o.real; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, o.real - i) }, (_, k) => oneConnection(ready.port, `${CASES[(i + k) % CASES.length]}.lab.tlslab`, ca)));
  }
  const realS = (performance.now() - realStart) / 1000;
  await new Promise((r) => setTimeout(r, 500)); // the last conn:close events
  const fillWait = next('filled');
  proc.send({ cmd: 'fill', connections: o.connections });
  const filled = await fillWait;
  process.stdout.write(`real TLS connections through the proxy: ${o.real} in ${fmt(realS, 1)} s (${fmt(o.real / Math.max(realS, 1e-9), 1)}/s)\n`);
  process.stdout.write(`re-emitted their ${filled.sequences} recorded event sequences as ${filled.emitted} more connections (${filled.events} events) in ${fmt(filled.ms / 1000, 1)} s; kept: ${filled.kept} summaries, ${filled.history} events in history\n`);

  const nodeRuns = [];
  for (let r = 0; r < o.rounds; r++) nodeRuns.push(await nodeView(WebSocket, wsUrl));
  const last = nodeRuns[nodeRuns.length - 1];
  process.stdout.write([
    `Node /ws (median of ${o.rounds}):`,
    `  first message            ${last.firstKind}, ${fmt(median(nodeRuns.map((x) => x.firstBytes)), 0)} B after ${fmt(median(nodeRuns.map((x) => x.firstMs)), 1)} ms`,
    `  snapshot                 ${mb(median(nodeRuns.map((x) => x.snapshotBytes)))} after ${fmt(median(nodeRuns.map((x) => x.snapshotMs)), 1)} ms: ${last.summaries} summaries${last.total === null ? '' : ` of ${last.total}`}, events of ${last.eventConns} connections`,
  ].join('\n') + '\n');

  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    chromium = null;
  }
  if (chromium === null || !fs.existsSync(o.chromium)) {
    process.stdout.write(`Chromium: skipped (${chromium === null ? 'no playwright-core' : `no ${o.chromium}`})\n`);
  } else {
    const browser = await chromium.launch({ executablePath: o.chromium, args: ['--no-sandbox', '--disable-gpu', '--no-proxy-server', '--disable-background-networking'] });
    const runs = [];
    for (let r = 0; r < o.rounds; r++) runs.push(await browserView(browser, ready.dashboard));
    await browser.close();
    process.stdout.write([
      `Chromium, the dashboard page (median of ${o.rounds}; each a fresh context):`,
      `  snapshot frame           ${mb(median(runs.map((x) => x.frameBytes)))} after ${fmt(median(runs.map((x) => x.frameMs)), 0)} ms`,
      `  first .row visible       ${fmt(median(runs.map((x) => x.rowMs)), 0)} ms after navigation (runs: ${runs.map((x) => fmt(x.rowMs, 0)).join(', ')} ms)`,
    ].join('\n') + '\n');
  }
  process.stdout.write(`${loadNote()}\n`);
  proc.disconnect();
}

const opts = parseArgs(process.argv.slice(2));
(opts.child ? child() : parent(opts)).catch((err) => {
  process.stderr.write(`dashboard-open bench: ${err && err.stack ? err.stack : err}\n`);
  process.exit(2);
});
