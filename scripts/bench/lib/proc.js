// Reads a process's resident memory and CPU time from /proc (Linux), and samples its peak RSS over a phase.
// I/O: /proc/<pid>/status and /proc/<pid>/stat only.
'use strict';
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');

let ticks = 100;
try {
  ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // keep 100 Hz, the Linux default
}

/** Resident set size in MiB (VmRSS), or NaN when the process is gone. */
function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * User + system CPU seconds the process has used so far, or NaN. `mainThread`: its main thread's only (the rest is
 * libuv's pool — file writes — and V8's helpers — garbage collection).
 */
function cpuSeconds(pid, mainThread = false) {
  try {
    const stat = fs.readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / ticks;
  } catch {
    return NaN;
  }
}

/**
 * Watches a process during one measured phase: peak RSS (sampled every `everyMs`) and CPU seconds used, in all and
 * by its main thread. `stop()` returns `{ peakRssMiB, endRssMiB, cpuS, mainCpuS }`. With no pid (a direct
 * connection) everything is NaN.
 */
function watchProcess(pid, everyMs = 100) {
  if (!pid) return { stop: () => ({ peakRssMiB: NaN, endRssMiB: NaN, cpuS: NaN, mainCpuS: NaN }) };
  const cpu0 = cpuSeconds(pid);
  const main0 = cpuSeconds(pid, true);
  let peak = rssMiB(pid);
  const timer = setInterval(() => {
    const r = rssMiB(pid);
    if (r > peak || !Number.isFinite(peak)) peak = r;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const end = rssMiB(pid);
      return { peakRssMiB: Math.max(peak, end), endRssMiB: end, cpuS: cpuSeconds(pid) - cpu0, mainCpuS: cpuSeconds(pid, true) - main0 };
    },
  };
}

/** The 1-minute load average and core count, for the report header. */
function loadNote() {
  try {
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    return `load average ${load}`;
  } catch {
    return 'load average ?';
  }
}

module.exports = { rssMiB, cpuSeconds, watchProcess, loadNote };
