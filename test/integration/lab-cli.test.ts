// `tlslab lab --list` and `tlslab lab` (origins only, until SIGINT) through the real bin.
import { spawn } from 'node:child_process';
import path from 'node:path';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { LAB_CASES } from '../../src/lab';
import { BIN, REPO, requireBuilt, tlslab } from '../helpers/cli';
import { cleanupTempDirs, tempDir } from '../helpers/ca-temp';

jest.setTimeout(150_000);
beforeAll(() => requireBuilt());
afterAll(cleanupTempDirs);

describe('tlslab lab', () => {
  it('--list prints every case with its host and what it teaches, and starts nothing', async () => {
    const r = await tlslab(['lab', '--list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CASE +HOST +TEACHES$/);
    expect(lines).toHaveLength(LAB_CASES.length + 1);
    for (const c of LAB_CASES) expect(r.stdout).toMatch(new RegExp(`^${c.name} +${c.name}\\.lab\\.tlslab +${c.teaches.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    const json = JSON.parse((await tlslab(['lab', '--list', '--json'])).stdout);
    expect(json.map((c: { name: string }) => c.name)).toEqual(LAB_CASES.map((c) => c.name));
  });

  it('--help explains the options', async () => {
    const r = await tlslab(['lab', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--list/);
    expect(r.stdout).toMatch(/--slow-handshake/);
    expect(r.stdout).toMatch(/lab\.tlslab/);
  });

  it('without --list runs the origins, prints their addresses, serves them, and stops on SIGINT', async () => {
    const certs = path.join(tempDir('tlslab-labcli-'), 'certs');
    const child = spawn(process.execPath, [BIN, 'lab', '--certs', certs, '--json'], { cwd: REPO, env: { ...process.env, TLSLAB_LOG_LEVEL: 'warn' } });
    try {
      let timer: NodeJS.Timeout | undefined;
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]);
        });
        child.once('exit', (code) => reject(new Error(`tlslab lab exited early (${code})`)));
        timer = setTimeout(() => reject(new Error('no output in 60 s')), 60_000);
      }).finally(() => clearTimeout(timer)); // a pending timer would hold the jest worker for a minute after the file
      const info = JSON.parse(line) as { root: string; cases: { name: string; host: string; port: number }[] };
      expect(info.cases.map((c) => c.name)).toEqual(LAB_CASES.map((c) => c.name));
      expect(info.root).toBe(path.join(certs, 'lab', 'lab-root.pem'));
      const valid = info.cases.find((c) => c.name === 'valid')!;
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: valid.port, servername: valid.host, ca: readFileSync(info.root) }, () => {
          resolve(s.authorized);
          s.destroy();
        });
        s.once('error', reject);
      });
      expect(authorized).toBe(true);
      child.kill('SIGINT');
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
