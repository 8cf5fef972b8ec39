#!/usr/bin/env node
'use strict';
// Micro-benchmark: cold leaf issuance (issueLeaf) and a cold LeafCache miss (issue + tls.createSecureContext)
// over N distinct names, p50/p95/p99/max in milliseconds. Needs the build: `npm run build` (or `npx tsc -p tsconfig.json`).
// Usage: node scripts/bench/leaf-issuance.js [N=1000]    (uses a throw-away CA in a temp folder)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let ca;
try {
  ca = require('../../dist/ca');
} catch (err) {
  process.stderr.write(`leaf-issuance: cannot load dist/ca (${err.message}); run \`npx tsc -p tsconfig.json\` first\n`);
  process.exit(1);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(label, samples) {
  const s = [...samples].sort((a, b) => a - b);
  const f = (v) => v.toFixed(3).padStart(8);
  return `${label.padEnd(34)} n=${s.length}  p50 ${f(percentile(s, 50))} ms  p95 ${f(percentile(s, 95))} ms  p99 ${f(percentile(s, 99))} ms  max ${f(s[s.length - 1])} ms`;
}

async function main() {
  const n = Number(process.argv[2] ?? 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-bench-'));
  try {
    let t = process.hrtime.bigint();
    const authority = await ca.CertificateAuthority.loadOrCreate(dir);
    const createMs = Number(process.hrtime.bigint() - t) / 1e6;

    // Warm up the code paths (JIT), on names not used below.
    for (let i = 0; i < 50; i++) authority.issueLeaf({ dns: [`warm${i}.bench.test`], ips: [] });

    const issue = [];
    for (let i = 0; i < n; i++) {
      t = process.hrtime.bigint();
      authority.issueLeaf({ dns: [`host${i}.bench.test`, `www.host${i}.bench.test`], ips: [] });
      issue.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    const cache = new ca.LeafCache(authority, n + 10);
    const miss = [];
    for (let i = 0; i < n; i++) {
      t = process.hrtime.bigint();
      await cache.get({ dns: [`cache${i}.bench.test`], ips: ['127.0.0.1'] });
      miss.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    const hit = [];
    for (let i = 0; i < n; i++) {
      t = process.hrtime.bigint();
      await cache.get({ dns: [`cache${i}.bench.test`], ips: ['127.0.0.1'] });
      hit.push(Number(process.hrtime.bigint() - t) / 1e6);
    }

    process.stdout.write(`tlslab leaf issuance — node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? '?'})\n`);
    process.stdout.write(`CA + untrusted root + leaf key created in ${createMs.toFixed(0)} ms (once per install)\n`);
    process.stdout.write(`${summary('issueLeaf (cold, distinct names)', issue)}\n`);
    process.stdout.write(`${summary('LeafCache.get miss (+SecureContext)', miss)}\n`);
    process.stdout.write(`${summary('LeafCache.get hit', hit)}\n`);
    const p50 = percentile([...issue].sort((a, b) => a - b), 50);
    process.stdout.write(`target: cold leaf p50 <= 2 ms -> ${p50 <= 2 ? 'met' : 'NOT met'} (${p50.toFixed(3)} ms)\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`leaf-issuance: ${err.stack ?? err}\n`);
  process.exit(1);
});
