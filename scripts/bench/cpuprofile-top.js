#!/usr/bin/env node
// Prints where a `node --cpu-prof` profile spent its time: top functions by self and total time, self time per file.
// Usage: node scripts/bench/cpuprofile-top.js FILE.cpuprofile [N=25]
'use strict';
const { formatProfile } = require('./lib/cpuprofile');

const [file, n] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node scripts/bench/cpuprofile-top.js FILE.cpuprofile [N=25]\n');
  process.exit(2);
}
process.stdout.write(`${formatProfile(file, Number(n || 25))}\n`);
