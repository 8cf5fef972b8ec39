// Test helper: run the real `tlslab` bin (bin/tlslab.js → dist/) after making sure dist/ is built and fresh.
// Builds with `tsc -p tsconfig.json` when any src/*.ts is newer than dist/cli.js (one build at a time).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { run, type RunResult } from './ca-temp';

export const REPO = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'tlslab.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'dashboard') newest = Math.max(newest, newestSource(p));
    } else if (entry.name.endsWith('.ts')) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Build dist/ if it is missing or older than src/. Type errors elsewhere do not stop tsc from emitting. */
export function ensureBuilt(): void {
  const cli = path.join(REPO, 'dist', 'cli.js');
  const fresh = () => existsSync(cli) && statSync(cli).mtimeMs >= newestSource(path.join(REPO, 'src'));
  if (fresh()) return;
  const lock = path.join(REPO, '.tlslab-build-lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for 2 minutes`);
      sleep(200);
    }
  }
  try {
    if (!fresh()) {
      try {
        execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(REPO, 'tsconfig.json')], { cwd: REPO, stdio: 'pipe', timeout: 120_000 });
      } catch {
        // tsc exits non-zero on type errors in files still being written by others; it has emitted anyway.
      }
    }
  } finally {
    rmdirSync(lock);
  }
  if (!existsSync(path.join(REPO, 'dist', 'commands', 'ca.js'))) throw new Error('build did not produce dist/commands/ca.js');
}

/** `node bin/tlslab.js ...args`. */
export function tlslab(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult & { stdoutBuf: Buffer }> {
  return run(process.execPath, [BIN, ...args], { ...opts, cwd: REPO, timeoutMs: 30_000 });
}
