// The one way tests run the tlslab command line: the built bin/tlslab.js (→ dist/cli.js) in a child process, to see its
// real stdout, stderr and exit code. dist/ is built once before jest (`npm test` runs `npm run build` first); nothing here
// builds, compiles or takes a lock. I/O: child processes.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { run, type RunResult } from './ca-temp';

export const REPO = path.resolve(__dirname, '..', '..');
/** The installed entry point (`tlslab` on PATH runs this file). */
export const BIN = path.join(REPO, 'bin', 'tlslab.js');
const CLI = path.join(REPO, 'dist', 'cli.js');

function newestSource(dir: string): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    const found = entry.isDirectory() ? (entry.name === 'dashboard' ? newest : newestSource(p)) : entry.name.endsWith('.ts') ? { file: p, mtimeMs: statSync(p).mtimeMs } : newest;
    if (found.mtimeMs > newest.mtimeMs) newest = found;
  }
  return newest;
}

/**
 * Fails at once, saying what to do, when dist/ has not been built; warns when a source file is newer than the build
 * (the test would run the old code).
 */
export function requireBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${path.relative(REPO, CLI)} is missing: run \`npm run build\` first (\`npm test\` does it before jest)`);
  const newest = newestSource(path.join(REPO, 'src'));
  if (newest.mtimeMs > statSync(CLI).mtimeMs) {
    process.stderr.write(`\n*** dist/ is older than ${path.relative(REPO, newest.file)}: these CLI tests run the last build (\`npm run build\` to refresh) ***\n\n`);
  }
}

/** `tlslab …args` (node bin/tlslab.js), logs silenced unless `env` says otherwise; never throws on a non-zero exit. */
export function tlslab(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult & { stdoutBuf: Buffer }> {
  requireBuilt();
  return run(process.execPath, [BIN, ...args], { input: opts.input, env: opts.env ?? { ...process.env, TLSLAB_LOG_LEVEL: 'silent' }, cwd: REPO, timeoutMs: opts.timeoutMs ?? 60_000 });
}
