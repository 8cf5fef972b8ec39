// Follow mode on the projector with real traffic: headless Chromium and curl through tlslab, the dashboard in Chromium
// at 1280×800. A failure holds the screen (box and step in view) against the same host's later connections; follow
// mode limited to a host or a client; background hosts hidden on request, and said so; --ignore-host tunnels relayed
// untouched and never listed.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { contextProxy, launchChromium, makeNssHome, navigate, type TrustedHome } from '../helpers/chromium-proxy';
import { screenshot, waitForLive } from '../helpers/dashboard-browser';
import { labHost } from '../helpers/lab-proxy-conns';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(90_000);

const SIZE = { width: 1280, height: 800 };
type Box = { x: number; y: number; width: number; height: number } | null;
const inViewport = (b: Box): boolean => b !== null && b.width > 0 && b.y >= 0 && b.x >= 0 && b.x + b.width <= SIZE.width && b.y + b.height <= SIZE.height;

describeWithTools(['chromium', 'certutil', 'curl'], 'projector follow mode on real traffic (Chromium and curl through tlslab)', () => {
  let app: TestTlslab;
  const homes: TrustedHome[] = [];
  const browsers: Browser[] = [];
  /** Trusts nothing: refuses tlslab's certificate. */
  let refusing: BrowserContext;
  /** Trusts tlslab's CA and the lab root; also shows the dashboard. */
  let trusting: Browser;
  let visitor: BrowserContext;
  const errors: string[] = [];

  const curl = (url: string, extra: string[] = []): ReturnType<typeof run> =>
    run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, ...extra, url]);
  /** The newest connection to `host` once it has closed. */
  const closedTo = async (host: string, since: number): Promise<string> => {
    const open = await app.waitFor((e) => e.type === 'conn:open' && e.target.host === host && e.seq > since);
    await app.waitFor((e) => e.type === 'conn:close' && e.conn === open.conn);
    return open.conn;
  };
  async function projector(query: string): Promise<Page> {
    const page = await (await trusting.newContext({ viewport: SIZE, colorScheme: 'dark' })).newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${app.dashboardUrl as string}${query}`);
    await waitForLive(page, [errors, consoleErrors]);
    return page;
  }
  async function browse(ctx: BrowserContext, url: string): Promise<{ status: number | null; error: string | null }> {
    const tab = await ctx.newPage();
    try {
      const { response, error } = await navigate(tab, url, 15_000);
      return { status: response?.status() ?? null, error };
    } finally {
      await tab.close();
    }
  }

  beforeAll(async () => {
    app = await startTestTlslab({ uiPort: 0, lab: true, ignoreHosts: ['expired.lab.tlslab', '/^wrong-host\\.lab\\.tlslab:443$/'] });
    const none = makeNssHome([]);
    const both = makeNssHome([{ nick: 'tlslab', pem: app.ca.certPem }, { nick: 'tlslab Lab Root', pem: app.lab!.rootPem }]);
    homes.push(none, both);
    const a = await launchChromium(none, { perContextProxy: true });
    trusting = await launchChromium(both, { perContextProxy: true });
    browsers.push(a, trusting);
    refusing = await a.newContext({ proxy: contextProxy(app.proxyUrl) });
    visitor = await trusting.newContext({ proxy: contextProxy(app.proxyUrl) });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    for (const h of homes) h.remove();
    await app?.close();
  });

  it('a failure holds the screen against the same host\'s later connection, box and step in view, its sentence once', async () => {
    const page = await projector('?follow=1');
    const since = app.bus.seq;
    expect((await browse(refusing, `https://${labHost('valid')}/`)).error).toBe('ERR_CERT_AUTHORITY_INVALID');
    const refused = await closedTo(labHost('valid'), since);
    await page.locator('.conn-id', { hasText: `${refused} ·` }).waitFor();
    await page.locator('.band-failed .lane-client .fail-box').waitFor();
    // The refusal's explanation is written once on the page (at the step), not in the header and the box as well.
    const outcome = app.events.find((e) => e.type === 'tls:client-outcome' && e.conn === refused);
    const sentence = outcome?.type === 'tls:client-outcome' ? outcome.explanation : '';
    expect(sentence.length).toBeGreaterThan(20);
    const text = await page.locator('.conn-view').innerText();
    expect(text.split(sentence).length - 1).toBe(1);
    // A later connection to the same host that did not fail (curl trusts tlslab's CA) does not take the screen.
    const after = app.bus.seq;
    expect((await curl(`https://${labHost('valid')}/`)).code).toBe(0);
    const ok = await closedTo(labHost('valid'), after);
    expect(app.bus.summary(ok)?.status).toBe('ok');
    await page.waitForTimeout(1000);
    await expect(page.locator('.conn-id').textContent()).resolves.toMatch(new RegExp(`^${refused} ·`));
    expect(inViewport(await page.locator('.problems').boundingBox())).toBe(true);
    expect(inViewport(await page.locator('.lane-failed .fail-box').first().boundingBox())).toBe(true);
    expect(inViewport(await page.locator('.band-failed .rail').first().boundingBox())).toBe(true);
    await screenshot(page, 'projector-follow-holds-failure-1280');
    // Another host does.
    expect((await curl(`https://${labHost('tls12-only')}/`)).code).toBe(0);
    await page.locator('.conn-title h1', { hasText: labHost('tls12-only') }).waitFor();
    await page.close();
  });

  it('spotlight a host: only that host\'s newer connections take over (from the header button, and from the URL)', async () => {
    expect((await curl(`https://${labHost('static-rsa')}/`)).code).toBe(0);
    const page = await projector('');
    await page.locator('.row', { hasText: labHost('static-rsa') }).first().click();
    await page.locator('.scope-btn[data-scope="host"]').click();
    await page.locator('body.follow.spotlight').waitFor();
    await expect(page.locator('.spot-pill .spot-name').textContent()).resolves.toBe(`host ${labHost('static-rsa')}`);
    expect(new URL(page.url()).searchParams.get('spotlight')).toBe(`host:${labHost('static-rsa')}`);
    const other = app.bus.seq;
    expect((await curl(`https://${labHost('hello-retry')}/`)).code).toBe(0);
    await closedTo(labHost('hello-retry'), other);
    await page.waitForTimeout(800);
    await expect(page.locator('.conn-title h1').textContent()).resolves.toBe(labHost('static-rsa'));
    const again = app.bus.seq;
    expect((await curl(`https://${labHost('static-rsa')}/`)).code).toBe(0);
    const newer = await closedTo(labHost('static-rsa'), again);
    await page.locator('.conn-id', { hasText: `${newer} ·` }).waitFor();
    // Ending it leaves follow mode.
    await page.locator('.spot-end').click();
    await page.locator('body:not(.follow)').waitFor();
    await page.close();
  });

  it('spotlight a client address (?spotlight=client:…): another client\'s connections never take the screen', async () => {
    const page = await projector('?follow=1&spotlight=client:127.0.0.2');
    await page.locator('body.follow.spotlight').waitFor();
    const since = app.bus.seq;
    expect((await curl(`https://${labHost('valid')}/`, ['--interface', '127.0.0.2'])).code).toBe(0);
    const mine = await closedTo(labHost('valid'), since);
    await page.locator('.conn-id', { hasText: `${mine} · from 127.0.0.2:` }).waitFor();
    const later = app.bus.seq;
    expect((await curl(`https://${labHost('tls12-only')}/`)).code).toBe(0); // from 127.0.0.1
    await closedTo(labHost('tls12-only'), later);
    await page.waitForTimeout(800);
    await expect(page.locator('.conn-id').textContent()).resolves.toMatch(new RegExp(`^${mine} ·`));
    await page.close();
  });

  it('hide background: those connections leave the list and follow mode, and the page says how many and by what rule', async () => {
    // A page that counts connections to 127.0.0.1 as background (background=): plain OK connections, no lab name.
    const port = app.lab!.cases.find((c) => c.name === 'valid')!.port;
    const page = await projector('?follow=1&background=127.0.0.1');
    const since = app.bus.seq;
    expect((await curl(`https://${labHost('valid')}/`)).code).toBe(0);
    const typed = await closedTo(labHost('valid'), since);
    await page.locator('.conn-id', { hasText: `${typed} ·` }).waitFor();
    const bgSince = app.bus.seq;
    expect((await curl(`https://127.0.0.1:${port}/`)).code).toBe(0);
    const noise = await closedTo('127.0.0.1', bgSince);
    await page.locator('.conn-id', { hasText: `${noise} ·` }).waitFor(); // shown while background is not hidden
    const toggle = page.locator('.bg-btn');
    await expect(toggle.getAttribute('title')).resolves.toMatch(/update checks.*By name only/s);
    await toggle.click();
    await expect(toggle.getAttribute('aria-pressed')).resolves.toBe('true');
    await page.locator('.conn-id', { hasText: `${typed} ·` }).waitFor(); // follow moved back to what was typed
    await expect(toggle.textContent()).resolves.toMatch(/^⊘ Background hidden \(\d+\)$/);
    expect(new URL(page.url()).searchParams.get('hidebg')).toBe('1');
    // Leaving follow mode: the list has no 127.0.0.1 row and says how many it hides.
    await page.keyboard.press('f');
    await page.locator('.list-pane').waitFor();
    await expect(page.locator('.list-count').textContent()).resolves.toMatch(/ · \d+ background hidden$/);
    await expect(page.locator('.row', { has: page.locator('.host', { hasText: /^127\.0\.0\.1/ }) }).count()).resolves.toBe(0);
    await screenshot(page, 'projector-background-hidden-1280');
    await toggle.click();
    await page.locator('.row', { has: page.locator('.host', { hasText: /^127\.0\.0\.1/ }) }).first().waitFor();
    await page.close();
  });

  it('--ignore-host: the browser gets the real server\'s certificate, tlslab lists nothing and counts the tunnel', async () => {
    const before = app.ignoredTunnels();
    const since = app.events.length;
    // Intercepted (block mode, tlslab's CA trusted): the teaching page. Ignored: the lab origin's own certificate.
    expect(await browse(visitor, `https://${labHost('not-yet-valid')}/`)).toEqual({ status: 502, error: null });
    expect((await browse(visitor, `https://${labHost('expired')}/`)).error).toBe('ERR_CERT_DATE_INVALID'); // glob
    expect((await browse(visitor, `https://${labHost('wrong-host')}/`)).error).toBe('ERR_CERT_COMMON_NAME_INVALID'); // /regex/
    const opened = app.events.slice(since).filter((e) => e.type === 'conn:open').map((e) => (e.type === 'conn:open' ? e.target.host : ''));
    expect(opened).toContain(labHost('not-yet-valid'));
    expect(opened.filter((h) => h === labHost('expired') || h === labHost('wrong-host'))).toEqual([]);
    expect(app.ignoredTunnels() - before).toBeGreaterThanOrEqual(2);
    const page = await projector('');
    await page.locator('.row', { hasText: labHost('not-yet-valid') }).first().waitFor();
    await expect(page.locator('.row', { hasText: labHost('expired') }).count()).resolves.toBe(0);
    await page.close();
    expect(errors).toEqual([]);
  });
});
