// Reads a V8 .cpuprofile (node --cpu-prof) and ranks where the time went: self time per function, total
// (inclusive) time per function, and self time per source file. I/O: reads the profile file only.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..', '..', '..');

function shortUrl(url) {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(REPO + path.sep)) u = u.slice(REPO.length + 1);
  return u;
}

/** `{ totalMs, self: [{ name, ms, pct }], inclusive: [...], files: [...] }` for one profile. */
function analyzeProfile(file) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  }
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => {
    const cf = n.callFrame;
    const name = cf.functionName || '(anonymous)';
    const url = shortUrl(cf.url);
    return url ? `${name}  ${url}:${cf.lineNumber + 1}` : name;
  };
  const self = new Map();
  const files = new Map();
  const incl = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const k = key(n);
    self.set(k, (self.get(k) ?? 0) + us);
    const f = shortUrl(n.callFrame.url) || n.callFrame.functionName || '(native)';
    files.set(f, (files.get(f) ?? 0) + us);
    // Inclusive: charge every distinct function on the stack once.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const kk = key(byId.get(cur));
      if (seen.has(kk)) continue;
      seen.add(kk);
      incl.set(kk, (incl.get(kk) ?? 0) + us);
    }
  }
  const rank = (m) => [...m].map(([name, us]) => ({ name, ms: us / 1000, pct: total ? (us / total) * 100 : 0 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total / 1000, self: rank(self), inclusive: rank(incl).filter((r) => r.name !== '(root)'), files: rank(files) };
}

/** Text report of the top `n` rows of each ranking; `busyOnly` leaves (idle) and (program) out of the % base. */
function formatProfile(file, n = 25) {
  const a = analyzeProfile(file);
  const idle = a.self.find((r) => r.name === '(idle)')?.ms ?? 0;
  const busy = a.totalMs - idle;
  const pctBusy = (ms) => (busy > 0 ? ((ms / busy) * 100).toFixed(1) : '0.0').padStart(5);
  const row = (r) => `  ${r.ms.toFixed(0).padStart(7)} ms ${pctBusy(r.ms)}%  ${r.name}`;
  return [
    `profile ${file}: ${a.totalMs.toFixed(0)} ms sampled, ${idle.toFixed(0)} ms idle, ${busy.toFixed(0)} ms busy (percentages of busy time)`,
    `top ${n} functions by self time:`,
    ...a.self.filter((r) => r.name !== '(idle)').slice(0, n).map(row),
    `top ${n} functions by total (inclusive) time:`,
    ...a.inclusive.filter((r) => r.name !== '(idle)').slice(0, n).map(row),
    `self time by file:`,
    ...a.files.filter((r) => r.name !== '(idle)').slice(0, n).map(row),
  ].join('\n');
}

/**
 * Who calls the functions whose name contains `needle`: their time (self + below) grouped by the nearest caller
 * frame that is not itself a match, as `callerKey → ms`. Useful when a native function (X509Certificate,
 * getPeerCertificate, …) tops the list and the question is which of our code paths reaches it.
 */
function callersOf(file, needle, n = 15) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((x) => [x.id, x]));
  const parent = new Map();
  for (const x of prof.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const key = (x) => `${x.callFrame.functionName || '(anonymous)'}  ${shortUrl(x.callFrame.url)}:${x.callFrame.lineNumber + 1}`;
  const matches = (x) => (x.callFrame.functionName || '').includes(needle);
  const out = new Map();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const us = prof.timeDeltas[i] ?? 0;
    // Walk up from the sampled frame: find the outermost-contiguous match, then the first non-matching caller
    // that lives in our code (dist/) or, failing that, any caller.
    let cur = prof.samples[i];
    let hit = null;
    for (let id = cur; id !== undefined; id = parent.get(id)) if (matches(byId.get(id))) hit = id;
    if (hit === null) continue;
    total += us;
    let caller = 'unknown';
    for (let id = parent.get(hit); id !== undefined; id = parent.get(id)) {
      const x = byId.get(id);
      if (shortUrl(x.callFrame.url).startsWith('dist/')) {
        caller = key(x);
        break;
      }
    }
    out.set(caller, (out.get(caller) ?? 0) + us);
  }
  const rows = [...out].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [`${(total / 1000).toFixed(0)} ms in functions named *${needle}*, by the nearest caller in dist/:`,
    ...rows.map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`)].join('\n');
}

module.exports = { analyzeProfile, formatProfile, callersOf };
