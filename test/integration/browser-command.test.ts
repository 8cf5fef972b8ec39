// `tlslab browser` through the real bin against a real tlslab: headless Chromium in a throwaway profile reaches a lab
// origin through the proxy and accepts tlslab's certificate (the CA is trusted in the profile only), or refuses it
// with --untrusted; the profile is gone once the browser exits; a missing browser, certutil or tlslab is named.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TlslabEvent } from '../../src/events/schema';
import { BIN, REPO, requireBuilt } from '../helpers/cli';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(90_000);

interface Launched {
  child: ChildProcess;
  /** Resolves with the profile folder once the command has printed it. */
  profile: Promise<string>;
  exited: Promise<number | null>;
}

function launch(args: string[], env: NodeJS.ProcessEnv = process.env): Launched {
  const child = spawn(process.execPath, [BIN, 'browser', '--headless', '--dashboard', '', ...args], { cwd: REPO, env });
  let out = '';
  const profile = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /throwaway profile \(([^)]+)\)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`tlslab browser exited before naming its profile: ${out}`)));
  });
  profile.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, profile, exited };
}

describeWithTools(['chromium', 'certutil'], 'tlslab browser', () => {
  let app: TestTlslab;
  beforeAll(async () => {
    requireBuilt();
    app = await startTestTlslab({ lab: true });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** A client outcome on a connection to this lab case (Chromium also opens connections it drops mid-handshake). */
  const outcomeFor = (lab: string, outcome?: string) => (e: TlslabEvent): boolean =>
    e.type === 'tls:client-outcome' && app.bus.summary(e.conn)?.lab === lab && (outcome === undefined || e.outcome === outcome);
  const outcomesFor = (lab: string): string[] => app.events.filter(outcomeFor(lab)).map((e) => (e.type === 'tls:client-outcome' ? e.outcome : ''));

  it('opens the page through tlslab with the tlslab CA trusted in a throwaway profile, removed when the browser exits', async () => {
    const home = fs.existsSync(path.join(os.homedir(), '.pki')) ? fs.statSync(path.join(os.homedir(), '.pki')).mtimeMs : null;
    const b = launch(['--proxy', app.proxyUrl, '--certs', app.certsDir, 'https://valid.lab.tlslab/']);
    try {
      const dir = await b.profile;
      expect(fs.existsSync(path.join(dir, '.pki', 'nssdb', 'cert9.db'))).toBe(true);
      const outcome = await app.waitFor(outcomeFor('valid', 'accepted'), 45_000);
      expect(outcomesFor('valid')).not.toContain('rejected-alert');
      const presented = app.events.find((e) => e.type === 'tls:presented' && e.conn === outcome.conn);
      const caName = /CN=([^,]+)/.exec(app.ca.subject)?.[1] as string;
      expect(presented?.type === 'tls:presented' && presented.chain[0]?.issuer).toContain(`CN=${caName}`);
      const request = await app.waitFor((e) => e.type === 'http:request' && e.conn === outcome.conn, 10_000);
      expect(request.type === 'http:request' && request.headers.find(([k]) => k.toLowerCase() === 'user-agent')?.[1]).toMatch(/Chrome/);
      b.child.kill('SIGTERM');
      await b.exited;
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      if (b.child.exitCode === null) b.child.kill('SIGKILL');
    }
    // Nothing outside the profile: the user's own NSS folder is as it was.
    expect(fs.existsSync(path.join(os.homedir(), '.pki')) ? fs.statSync(path.join(os.homedir(), '.pki')).mtimeMs : null).toBe(home);
  });

  it('--untrusted: the browser refuses the certificate tlslab presents (the client leg fails at step 3)', async () => {
    const b = launch(['--untrusted', '--proxy', app.proxyUrl, '--certs', app.certsDir, 'https://tls12-only.lab.tlslab/']);
    try {
      const outcome = await app.waitFor(outcomeFor('tls12-only', 'rejected-alert'), 45_000);
      expect(outcomesFor('tls12-only')).not.toContain('accepted');
      // Chromium: certificate_unknown (46) for every refusal, encrypted under the handshake keys (tlslab decrypted it).
      expect(outcome.type === 'tls:client-outcome' && [outcome.outcome, outcome.step, outcome.alert?.description.name, outcome.alert?.encrypted]).toEqual(['rejected-alert', 3, 'certificate_unknown', true]);
    } finally {
      b.child.kill('SIGTERM');
      await b.exited;
    }
  });

  it('names what to do when tlslab is not running, no browser or no certutil is installed', async () => {
    const down = await run(process.execPath, [BIN, 'browser', '--proxy', 'http://127.0.0.1:1', '--certs', app.certsDir], { timeoutMs: 20_000 });
    expect([down.code, down.stderr]).toEqual([1, expect.stringMatching(/nothing answers at 127\.0\.0\.1:1 .*start tlslab first.*\[TLSLAB_ERR_BROWSER\]/)]);

    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-nobrowser-'));
    try {
      const none = await run(process.execPath, [BIN, 'browser', '--proxy', app.proxyUrl, '--certs', app.certsDir], { env: { ...process.env, PATH: empty }, timeoutMs: 20_000 });
      expect([none.code, none.stderr]).toEqual([1, expect.stringMatching(/no Chromium or Firefox found on PATH: install one \(Debian and Ubuntu: apt-get install chromium \(or firefox-esr\)\)/)]);
      fs.symlinkSync('/usr/bin/chromium', path.join(empty, 'chromium'));
      const noCertutil = await run(process.execPath, [BIN, 'browser', '--proxy', app.proxyUrl, '--certs', app.certsDir], { env: { ...process.env, PATH: empty }, timeoutMs: 20_000 });
      expect([noCertutil.code, noCertutil.stderr]).toEqual([1, expect.stringMatching(/certutil is needed .*apt-get install libnss3-tools/)]);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
