// `tlslab start --classroom`, the real CLI on port 0: the banner with the class code, the proxy setting, the PAC and
// join URLs and the loopback dashboard; the PAC file it names is served; bad options are one clear line; --help says it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { requireBuilt } from '../helpers/cli';
import { run } from '../helpers/tlslab';

const REPO = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO, 'bin', 'tlslab.js');

/** Runs `tlslab start …` until its banner is printed, hands the banner over, then stops it (SIGINT). */
async function withBanner(args: string[], use: (stdout: string) => Promise<void>): Promise<void> {
  const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-classroom-cli-'));
  const child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--ui-port', '0', '--no-lab', '--certs', certs, '--log-level', 'warn', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('Ctrl-C to stop') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect([stdout, stderr]).toEqual([expect.stringContaining('Ctrl-C to stop'), expect.any(String)]);
    await use(stdout);
  } finally {
    child.kill('SIGINT');
    await exited;
    fs.rmSync(certs, { recursive: true, force: true });
  }
}

/** The value of a banner row: `  Label   value   ← note`. */
function row(stdout: string, label: string): string {
  const line = stdout.split('\n').find((l) => l.startsWith(`  ${label} `)) ?? '';
  return line.slice(2 + label.length).trim().split(/\s{2,}/)[0] ?? '';
}

beforeAll(() => requireBuilt(), 120_000);

it('prints the classroom banner with the class code, and serves the PAC file it names', async () => {
  await withBanner(['--classroom', '--class-code', 'maple-rocket-47'], async (out) => {
    expect(out).toContain('tlslab is running in classroom mode.');
    expect(row(out, 'Class code')).toBe('maple-rocket-47');
    const proxy = row(out, 'Proxy');
    const port = Number(/:(\d+)$/.exec(proxy)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(row(out, 'PAC URL')).toBe(`http://${proxy}/proxy.pac`);
    expect(row(out, 'Join page')).toBe(`http://${proxy}/`);
    expect(row(out, 'Dashboard')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(row(out, 'Student view')).toBe('http://tlslab/');
    expect(row(out, 'CA SHA-256')).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    // The proxy listens on every interface: this machine reaches it on loopback too, and the file names that address.
    const pac = await fetch(`http://127.0.0.1:${port}/proxy.pac`);
    expect(pac.status).toBe(200);
    expect(pac.headers.get('content-type')).toBe('application/x-ns-proxy-autoconfig');
    expect(await pac.text()).toContain(`return "PROXY 127.0.0.1:${port}";`);
    // Sign-in is asked for through the proxy.
    const asked = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-x', `http://127.0.0.1:${port}`, 'http://tlslab/']);
    expect(asked.stdout).toBe('407');
  });
}, 60_000);

it('makes up a class code easy to read aloud when none is given', async () => {
  await withBanner(['--classroom'], (out) => {
    expect(row(out, 'Class code')).toMatch(/^[a-z]+-[a-z]+-[1-9]\d$/);
    return Promise.resolve();
  });
}, 60_000);

it('refuses a bad class code, a class code without --classroom and a bad --allow-client with one line each', async () => {
  for (const [args, message] of [
    [['--classroom', '--class-code', 'ab'], '--class-code is too short'],
    [['--class-code', 'maple-rocket-47'], '--class-code needs --classroom'],
    [['--classroom', '--allow-client', '203.0.113.7/24'], '--allow-client "203.0.113.7/24" has bits set after the prefix'],
  ] as const) {
    const r = await run(process.execPath, [CLI, 'start', '--port', '0', '--no-ui', '--no-lab', '--certs', fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-cli-bad-')), ...args]);
    expect([r.code, r.stderr]).toEqual([1, expect.stringContaining(message)]);
    expect(r.stderr).toContain('[TLSLAB_ERR_USAGE]');
  }
}, 60_000);

it('--help describes the classroom options', async () => {
  const r = await run(process.execPath, [CLI, 'start', '--help']);
  for (const option of ['--classroom', '--class-code', '--allow-client']) expect(r.stdout).toContain(option);
});
