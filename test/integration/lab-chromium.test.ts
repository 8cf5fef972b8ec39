// Headless Chromium visits every lab origin directly (no proxy), trusting the lab root through an NSS
// database in a temporary HOME, and gets the net error each case documents. Real browser, real origins.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { Lab } from '../../src/lab';
import { navigate } from '../helpers/chromium-proxy';
import { describeWithTools } from '../helpers/tools';
import { cleanupTempDirs, pemFile, tempDir } from '../helpers/ca-temp';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'trust-ca-nss.sh');
jest.setTimeout(90_000);

describeWithTools(['chromium', 'certutil'], 'the lab in headless Chromium (direct, lab root trusted via NSS)', () => {
  let lab: Lab;
  let browser: Browser;

  beforeAll(async () => {
    lab = await Lab.start({ certsDir: tempDir('tlslab-labchr-'), slowHandshakeMs: 300 });
    const home = tempDir('tlslab-labchr-home-');
    execFileSync('sh', [SCRIPT, '--cert', pemFile(home, 'lab-root.pem', lab.rootPem), '--name', 'tlslab Lab Root'], { env: { ...process.env, HOME: home }, stdio: 'pipe' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      env: { ...process.env, HOME: home },
      args: ['--host-resolver-rules=MAP *.lab.tlslab 127.0.0.1', '--no-proxy-server'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await lab?.close();
    cleanupTempDirs();
  });

  /** null when the page loaded (with its title), else the net::ERR_… code. */
  async function visit(name: string): Promise<{ error: string | null; title?: string }> {
    const c = lab.cases.find((x) => x.name === name)!;
    const page = await browser.newPage();
    try {
      const { error } = await navigate(page, `https://${c.host}:${c.port}/`, 15_000);
      return error === null ? { error: null, title: await page.title() } : { error };
    } finally {
      await page.close();
    }
  }

  it('every case with a documented Chromium error fails with exactly that error', async () => {
    const seen: Record<string, string | null> = {};
    const want: Record<string, string | null> = {};
    for (const c of lab.cases.filter((x) => x.expected.chromium)) {
      seen[c.name] = (await visit(c.name)).error;
      want[c.name] = c.expected.chromium ?? null;
    }
    expect(seen).toEqual(want);
    expect(Object.keys(seen)).toEqual(expect.arrayContaining(['expired', 'wrong-host', 'untrusted-root', 'reset-mid-handshake']));
  });

  it('the other cases load and show their page (rsa1024 under a locally trusted root included)', async () => {
    for (const c of lab.cases.filter((x) => !x.expected.chromium)) {
      expect([c.name, await visit(c.name)]).toEqual([c.name, { error: null, title: `tlslab lab: ${c.name}` }]);
    }
  });
});
