#!/usr/bin/env node
// Prints where a `node --cpu-prof` profile spent its time: top functions by self and total time, self time per file.
// With --callers NAME: which of our functions (dist/) lead to the functions named *NAME* (e.g. X509Certificate).
// Usage: node scripts/bench/cpuprofile-top.js FILE.cpuprofile [N=25] [--callers NAME]
'use strict';
const { formatProfile, callersOf } = require('./lib/cpuprofile');

const args = process.argv.slice(2);
const ci = args.indexOf('--callers');
const needle = ci >= 0 ? args.splice(ci, 2)[1] : null;
const [file, n] = args;
if (!file || (ci >= 0 && !needle)) {
  process.stderr.write('usage: node scripts/bench/cpuprofile-top.js FILE.cpuprofile [N=25] [--callers NAME]\n');
  process.exit(2);
}
process.stdout.write(`${needle ? callersOf(file, needle, Number(n || 15)) : formatProfile(file, Number(n || 25))}\n`);
