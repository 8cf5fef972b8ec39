// Debian's firefox-esr for the proxy's browser tests: a profile whose NSS database trusts the tlslab CA, and a run of
// test/helpers/firefox-driver.mjs (puppeteer-core over WebDriver BiDi) in a child process. I/O: temp folders, certutil,
// the driver process; and a guard that keeps name lookups in this process on the test's own loopback names.
import dns from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, execFileSync } from 'node:child_process';

export const FIREFOX = '/usr/bin/firefox-esr';
const DRIVER = path.resolve(__dirname, 'firefox-driver.mjs');

/**
 * A fresh Firefox profile folder whose NSS database (cert9.db) trusts `caPem` to identify websites ("C,,"); with
 * `null`, a profile that trusts no added CA (a student who has not installed tlslab's yet).
 */
export function makeFirefoxProfile(caPem: string | null): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-firefox-'));
  execFileSync('certutil', ['-d', `sql:${dir}`, '-N', '--empty-password'], { stdio: 'pipe' });
  if (caPem !== null) {
    const ca = path.join(dir, 'tlslab-ca.pem');
    fs.writeFileSync(ca, caPem);
    execFileSync('certutil', ['-d', `sql:${dir}`, '-A', '-t', 'C,,', '-n', 'tlslab', '-i', ca], { stdio: 'pipe' });
  }
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export interface FirefoxJob {
  profile: string;
  proxyPort: number;
  /** The highest TLS version Firefox offers (on the client leg, to tlslab). */
  tlsMax: 'TLSv1.2' | 'TLSv1.3';
  urls: string[];
  /** Screenshot path prefix, e.g. `test-output/screenshots/firefox`; none when absent. */
  shots?: string;
  /** More Firefox prefs for this run (over the driver's own). */
  prefs?: Record<string, string | number | boolean>;
}

export interface FirefoxVisit {
  url: string;
  status: number | null;
  title: string | null;
  text: string | null;
  error: string | null;
}

/** Launches Firefox, visits each URL in a new tab, closes the browser; resolves once Firefox has exited. */
export function runFirefox(job: FirefoxJob): Promise<FirefoxVisit[]> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DRIVER, JSON.stringify({ firefox: FIREFOX, ...job })], { timeout: 90_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`firefox driver failed: ${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as FirefoxVisit[]);
      } catch {
        reject(new Error(`firefox driver printed no result: ${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * While installed, a name lookup in this process (tlslab's upstream connects) for a name that `allowed` rejects fails
 * as an unknown name (ENOTFOUND) without leaving the machine, and is recorded: a browser's call home through the proxy
 * must not become a DNS query. Allowed names resolve as usual.
 */
export function guardLookups(allowed: (host: string) => boolean): { refused: string[]; restore(): void } {
  const original = dns.lookup;
  const refused: string[] = [];
  const guarded = ((host: string, ...rest: unknown[]) => {
    if (allowed(host)) return (original as (...a: unknown[]) => void)(host, ...rest);
    refused.push(host);
    const cb = rest.at(-1) as (err: NodeJS.ErrnoException) => void;
    const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host} (refused by the test: not a loopback test name)`);
    err.code = 'ENOTFOUND';
    process.nextTick(cb, err);
  }) as typeof dns.lookup;
  dns.lookup = guarded;
  return { refused, restore: () => void (dns.lookup = original) };
}
