#!/usr/bin/env node
// The floor under a recording: FILE written with a plain fs.WriteStream (1 MiB chunks from one reused buffer, 16 MiB
// in flight at most), no tlslab, in a process of its own. Prints {"mib":N,"mibps":N,"userMsPerMiB":N,"sysMsPerMiB":N}.
// Usage: node scripts/bench/lib/disk-probe.js FILE MIB. I/O: writes FILE (the caller removes it).
'use strict';
const fs = require('node:fs');

const [file, mibArg] = process.argv.slice(2);
const mib = Math.max(1, Math.round(Number(mibArg)));
const chunk = Buffer.alloc(1024 * 1024, 0x5a);
const out = fs.createWriteStream(file, { highWaterMark: 16 * 1024 * 1024 });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let n = 0;
function more() {
  while (n < mib) {
    n++;
    if (!out.write(chunk)) {
      out.once('drain', more);
      return;
    }
  }
  out.end(() => {
    const s = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(cpu0);
    process.stdout.write(`${JSON.stringify({ mib, mibps: mib / s, userMsPerMiB: c.user / 1000 / mib, sysMsPerMiB: c.system / 1000 / mib })}\n`);
  });
}
more();
