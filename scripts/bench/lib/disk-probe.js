#!/usr/bin/env node
// The floor under a recording: FILE written with a plain fs.WriteStream (1 MiB chunks from one reused buffer, 16 MiB
// in flight at most), or with `--appender` by the recorder's own FileAppender (dist/record/file-appender.js: O_DIRECT
// where the file system allows it), no tlslab, in a process of its own. Prints
// {"mib":N,"mibps":N,"userMsPerMiB":N,"sysMsPerMiB":N,"direct":bool|null}.
// Usage: node scripts/bench/lib/disk-probe.js FILE MIB [--appender]. I/O: writes FILE (the caller removes it).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [file, mibArg, mode] = process.argv.slice(2);
const mib = Math.max(1, Math.round(Number(mibArg)));
const chunk = Buffer.alloc(1024 * 1024, 0x5a);
const out = mode === '--appender' ? appenderStream() : fs.createWriteStream(file, { highWaterMark: 16 * 1024 * 1024 });

/** The recorder's appender behind the few stream calls used here (write → false past 16 MiB waiting, drain, end). */
function appenderStream() {
  const { FileAppender } = require(path.join(__dirname, '..', '..', '..', 'dist', 'record', 'file-appender.js'));
  const a = new FileAppender({ fd: fs.openSync(file, 'w', 0o600), path: file }, (err) => {
    throw err;
  });
  return {
    direct: () => a.direct,
    write: (b) => {
      a.write(b);
      return a.writableLength < 16 * 1024 * 1024;
    },
    once: (_event, fn) => {
      const poll = () => (a.writableLength < 16 * 1024 * 1024 ? fn() : setTimeout(poll, 1));
      poll();
    },
    end: (fn) => void a.end().then(fn),
  };
}
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
    const direct = typeof out.direct === 'function' ? out.direct() : null;
    process.stdout.write(`${JSON.stringify({ mib, mibps: mib / s, userMsPerMiB: c.user / 1000 / mib, sysMsPerMiB: c.system / 1000 / mib, direct })}\n`);
  });
}
more();
