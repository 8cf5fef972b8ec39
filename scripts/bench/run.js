#!/usr/bin/env node
// `npm run bench`: runs every benchmark in scripts/bench that exists, one after another, and prints their output.
// A missing script (or an uncompiled decrypt.ts) is skipped with a line. I/O: child processes, stdout.
// Usage: node scripts/bench/run.js [--quick] [--only a,b]   (needs `npx tsc -p tsconfig.json` first)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const BENCH = __dirname;
const REPO = path.resolve(BENCH, '..', '..');
const DECRYPT_JS = path.join('/tmp', 'tlslab-bench', 'scripts', 'bench', 'decrypt.js');
const DECRYPT_BUILD = 'npx tsc --strict --outDir /tmp/tlslab-bench --rootDir . --module commonjs --target es2022 --esModuleInterop --skipLibCheck scripts/bench/decrypt.ts';

/** Each benchmark: where it is, its arguments for a full run and for a quick (smoke) run. */
const BENCHMARKS = [
  { name: 'proxy', file: path.join(BENCH, 'proxy.js'), full: [], quick: ['--quick'] },
  { name: 'leaf-issuance', file: path.join(BENCH, 'leaf-issuance.js'), full: [], quick: ['50'] },
  { name: 'decoder', file: path.join(BENCH, 'decoder.js'), full: [], quick: ['8', '50'] },
  { name: 'ws-stream', file: path.join(BENCH, 'ws-stream.js'), full: [], quick: ['--seconds', '1'] },
  { name: 'memory', file: path.join(BENCH, 'memory.js'), node: ['--expose-gc'], full: [], quick: ['--steps', '50,50'] },
  { name: 'record', file: path.join(BENCH, 'record.js'), full: [], quick: ['--quick'] },
  { name: 'decrypt', file: DECRYPT_JS, full: [], quick: [], missing: `not compiled: run \`${DECRYPT_BUILD}\` from the repository root first` },
];

function parseArgs(argv) {
  const o = { quick: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') o.quick = true;
    else if (argv[i] === '--only') o.only = String(argv[++i] ?? '').split(',').filter(Boolean);
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write(`Usage: node scripts/bench/run.js [--quick] [--only ${BENCHMARKS.map((b) => b.name).join(',')}]\n`);
      process.exit(0);
    } else {
      process.stderr.write(`unknown option ${argv[i]}\n`);
      process.exit(2);
    }
  }
  return o;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(path.join(REPO, 'dist', 'app.js'))) {
    process.stderr.write('bench: dist/ is missing — run `npx tsc -p tsconfig.json` (or `npm run build`) first\n');
    process.exit(1);
  }
  const unknown = (o.only ?? []).filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length) {
    process.stderr.write(`bench: unknown benchmark(s) ${unknown.join(', ')}\n`);
    process.exit(2);
  }
  const summary = [];
  for (const b of BENCHMARKS) {
    if (o.only && !o.only.includes(b.name)) continue;
    const rel = b.file.startsWith(REPO + path.sep) ? path.relative(REPO, b.file) : b.file;
    process.stdout.write(`\n=== ${b.name} (${rel}) ===\n`);
    if (!fs.existsSync(b.file)) {
      const line = `skipped: ${b.missing ?? `${rel} does not exist`}`;
      process.stdout.write(`${line}\n`);
      summary.push(`${b.name.padEnd(14)} ${line}`);
      continue;
    }
    const args = o.quick ? b.quick : b.full;
    const t0 = Date.now();
    // Output goes straight to this terminal; the child runs from the repository root, as each script expects.
    const r = spawnSync(process.execPath, [...(b.node ?? []), b.file, ...args], { cwd: REPO, stdio: 'inherit', timeout: 30 * 60 * 1000 });
    const s = ((Date.now() - t0) / 1000).toFixed(1);
    const status = r.error ? `failed: ${r.error.message}` : r.status === 0 ? 'ok' : `exit ${r.status ?? r.signal}`;
    summary.push(`${b.name.padEnd(14)} ${status} in ${s} s — node ${rel} ${args.join(' ')}`.trimEnd());
  }
  process.stdout.write(`\n=== summary ===\n${summary.join('\n')}\n`);
  if (summary.some((l) => / (failed|exit )/.test(l))) process.exitCode = 1;
}

main();
