// Test helpers for src/ca and src/lab: temporary folders, running openssl, one shared CA per test file.
// Real files under os.tmpdir(); every folder is removed by cleanupTempDirs().
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'tlslab-ca-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  while (made.length > 0) rmSync(made.pop() as string, { recursive: true, force: true });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a program with a timeout; never throws on a non-zero exit (the result says). */
export function run(cmd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult & { stdoutBuf: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'buffer', timeout: opts.timeoutMs ?? 20000, env: opts.env, cwd: opts.cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      if (e && typeof e.code === 'string') {
        reject(e);
        return;
      }
      resolve({ code: e ? Number(e.code ?? 1) : 0, stdout: stdout.toString('utf8'), stdoutBuf: stdout, stderr: stderr.toString('utf8') });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Write PEM text to a temp file and return its path. */
export function pemFile(dir: string, name: string, pem: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, pem);
  return file;
}

/** `openssl x509 -text` of a PEM certificate. */
export async function opensslText(pem: string): Promise<string> {
  const r = await run('openssl', ['x509', '-noout', '-text'], { input: pem });
  if (r.code !== 0) throw new Error(`openssl x509 failed: ${r.stderr}`);
  return r.stdout;
}
