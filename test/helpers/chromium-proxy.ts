// Headless Chromium (/usr/bin/chromium via playwright-core) for every browser test: the one launcher, optionally with
// a temporary HOME whose NSS database trusts the CAs a test names, through tlslab or directly. I/O: temp folders,
// certutil, Chromium.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page, type Response } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../test-output/screenshots');

/** Flags every launch gets: quiet, no QUIC (it would bypass the CONNECT proxy), no background traffic. */
const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TrustedHome {
  /** The temporary HOME: Chromium reads `$HOME/.pki/nssdb`. */
  home: string;
  remove(): void;
}

/** A temporary HOME with an NSS database trusting each PEM in `cas` to identify websites (certutil trust "C,,"). */
export function makeNssHome(cas: { nick: string; pem: string }[]): TrustedHome {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-chromium-home-'));
  const db = path.join(home, '.pki', 'nssdb');
  fs.mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password'], { stdio: 'pipe' });
  for (const ca of cas) {
    const file = path.join(home, `${ca.nick.replace(/[^a-z0-9]+/gi, '-')}.pem`);
    fs.writeFileSync(file, ca.pem);
    execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', ca.nick, '-i', file], { stdio: 'pipe' });
  }
  return { home, remove: () => fs.rmSync(home, { recursive: true, force: true }) };
}

export interface LaunchOptions {
  /** `http://127.0.0.1:PORT`: every request goes through this proxy, loopback targets included. */
  proxyUrl?: string;
  /** Extra flags, e.g. `--host-resolver-rules=MAP expired.lab.tlslab 127.0.0.1:PORT`. */
  args?: string[];
  /** Sign in to `proxyUrl` with these (Playwright answers its 407 with Basic credentials); loopback goes through it too. */
  proxyAuth?: { username: string; password: string };
}

/**
 * Google hosts Chromium 156 still calls at start-up and on every navigation despite --disable-background-networking
 * (update.googleapis.com, clients2.google.com, accounts.google.com, connectivitycheck.gstatic.com). Through the proxy
 * tlslab would try to resolve them; instead they bypass it and fail in Chromium's own resolver: no lookup, loopback only.
 */
const GOOGLE = ['*.google.com', '*.googleapis.com', '*.gstatic.com'];
const NO_GOOGLE = GOOGLE.map((h) => `MAP ${h} ~NOTFOUND`);

/**
 * Chromium with `home` as HOME (the test's own HOME when none is given: no CA trusted but the system's); through
 * `proxyUrl` when given, else with no proxy at all (`resolve` maps names). `perContextProxy`: no proxy flag at all, each
 * context names its own (`contextProxy`), so one browser can use several proxies.
 */
export function launchChromium(home?: TrustedHome, o: LaunchOptions & { resolve?: string[]; perContextProxy?: boolean } = {}): Promise<Browser> {
  const signIn = o.proxyUrl && o.proxyAuth ? { server: o.proxyUrl, ...o.proxyAuth, bypass: GOOGLE.join(', ') } : undefined;
  const proxy = signIn ? [] : o.proxyUrl
    ? [`--proxy-server=${o.proxyUrl}`, `--proxy-bypass-list=${['<-loopback>', ...GOOGLE].join(';')}`]
    : o.perContextProxy ? [] : ['--no-proxy-server'];
  const rules = [...(o.resolve ?? []), ...NO_GOOGLE].join(', ');
  return chromium.launch({
    executablePath: CHROMIUM,
    env: home ? { ...process.env, HOME: home.home } : process.env,
    args: [...BASE_ARGS, ...proxy, `--host-resolver-rules=${rules}`, ...(o.args ?? [])],
    ...(signIn ? { proxy: signIn } : {}),
    timeout: 30_000,
  });
}

/** A context's proxy settings for `newContext({ proxy })`: everything through `proxyUrl` but Chromium's Google calls. */
export function contextProxy(proxyUrl: string): { server: string; bypass: string } {
  return { server: proxyUrl, bypass: GOOGLE.join(',') };
}

export interface Visit {
  /** `ERR_…` from the rejected `page.goto`, or null when the page loaded. */
  error: string | null;
  status: number | null;
  title: string | null;
  /** The page's visible text, when it loaded. */
  text: string | null;
  /** Where a screenshot was saved, when one was asked for. */
  screenshot?: string;
}

/**
 * `page.goto(url)`: its response, or the navigation's `ERR_…` code (else the error's message). Other suites make and
 * remove network namespaces (a student on the LAN), and Chromium abandons a navigation under way when the machine's
 * interfaces change (ERR_NETWORK_CHANGED): that says nothing about the page, so it is tried again, twice at most.
 */
export async function navigate(page: Page, url: string, timeout: number): Promise<{ response: Response | null; error: string | null }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { response: await page.goto(url, { timeout }), error: null };
    } catch (err) {
      const message = (err as Error).message;
      const code = /net::(ERR_[A-Z0-9_]+)/.exec(message)?.[1] ?? null;
      if (code === 'ERR_NETWORK_CHANGED' && attempt < 3) continue;
      return { response: null, error: code ?? message };
    }
  }
}

/** Loads `url` in a fresh page; never throws for a net error (it is the result). Optionally saves a screenshot. */
export async function visit(browser: Browser, url: string, shot?: string): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
  const page: Page = await context.newPage();
  try {
    const { response, error } = await navigate(page, url, 20_000);
    const out: Visit = error === null
      ? { error: null, status: response?.status() ?? null, title: await page.title(), text: await page.locator('body').innerText() }
      : { error, status: null, title: null, text: null };
    if (shot) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${shot}.png`);
      // The screenshot is evidence for people, not what the test asserts: Chromium sometimes cannot capture an
      // interstitial that is still settling ("Unable to capture screenshot"), so try twice and then say so.
      for (let attempt = 1; attempt <= 2 && out.screenshot === undefined; attempt++) {
        try {
          await page.screenshot({ path: file });
          out.screenshot = file;
        } catch (err) {
          if (attempt === 2) process.stderr.write(`(no screenshot ${shot}: ${(err as Error).message.split('\n')[0]})\n`);
          else await page.waitForTimeout(500);
        }
      }
    }
    return out;
  } finally {
    await context.close();
  }
}
