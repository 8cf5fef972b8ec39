// The dashboard behind an access token, in Chromium: the login link trades the token for an HttpOnly cookie and
// leaves the address bar without it; the live stream, the REST API and the pcapng link then work by the cookie alone.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage } from '../helpers/dashboard-browser';
import { makeOriginPki, startHttpsOrigin, type Origin, type TestPki } from '../helpers/origin';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

const TOKEN = `t${crypto.randomBytes(12).toString('hex')}`;

describeWithTools(['chromium', 'curl'], 'dashboard with an access token (Chromium)', () => {
  let pki: TestPki;
  let origin: Origin;
  let app: TestTlslab;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    pki = makeOriginPki(['localhost']);
    origin = await startHttpsOrigin(pki);
    app = await startTestTlslab({ uiPort: 0, token: TOKEN, upstreamCa: [pki.caFile] });
    browser = await launchChromium();
    ({ page, errors } = await openPage(browser, app.dashboardLoginUrl as string));
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await origin?.close();
    fs.rmSync(pki.dir, { recursive: true, force: true });
  });

  it('the login link lands on the page without the token, signed in by an HttpOnly cookie', async () => {
    expect(app.dashboardLoginUrl).toBe(`${app.dashboardUrl}?token=${TOKEN}`);
    expect(page.url()).toBe(app.dashboardUrl);
    await page.locator('.link-live').waitFor();
    expect(await page.evaluate('document.cookie')).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'tlslab_token', value: TOKEN, httpOnly: true, sameSite: 'Strict' })]);
  });

  it('live events arrive over the cookie-authenticated WebSocket; the REST API and the pcapng link answer', async () => {
    const curl = await run('curl', ['-sS', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, `https://localhost:${origin.port}/through-the-page`]);
    expect(curl.code).toBe(0);
    const row = page.locator('.row', { has: page.locator('.host', { hasText: 'localhost' }) }).first();
    await row.waitFor();
    await row.click();
    const link = page.locator('a.pcapng-link[href$="/pcapng"]');
    await link.waitFor();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^\/api\/connections\/c\d+\/pcapng$/);
    const statuses = await page.evaluate(`Promise.all([fetch(${JSON.stringify(href)}).then((r) => r.status), fetch('/api/connections').then((r) => r.status)])`);
    expect(statuses).toEqual([200, 200]);
    expect(page.url()).not.toContain(TOKEN);
    expect(errors).toEqual([]);
  });
});
