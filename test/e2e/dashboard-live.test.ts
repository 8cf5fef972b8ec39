// The dashboard on real traffic: tlslab (proxy + lab origins + dashboard server) on loopback, curl through the
// proxy to lab origins, and the page in Chromium drawing what the real decoder saw. No fixtures.
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot } from '../helpers/dashboard-browser';
import { run, startTestTlslab, tlsThroughProxy, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

describeWithTools(['chromium', 'curl'], 'dashboard on real traffic (tlslab + curl + Chromium)', () => {
  let app: TestTlslab;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  const curl = (name: string, extra: string[] = []): ReturnType<typeof run> =>
    run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, ...extra, `https://${name}.lab.tlslab/`]);
  const row = (host: string): ReturnType<Page['locator']> => page.locator('.row', { has: page.locator('.host', { hasText: host }) });

  beforeAll(async () => {
    app = await startTestTlslab({ uiPort: 0, lab: true });
    browser = await launchChromium();
    ({ page, errors } = await openPage(browser, app.dashboardUrl as string));
    await page.locator('.link-live').waitFor();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a valid origin: the connection appears live, both ladders complete, no failed step', async () => {
    await curl('valid');
    await row('valid.lab.tlslab').first().waitFor();
    await row('valid.lab.tlslab').first().click();
    await page.locator('.conn-title h1', { hasText: 'valid.lab.tlslab' }).waitFor();
    await page.locator('.lane-client .msg-label', { hasText: 'close_notify' }).first().waitFor();
    for (const leg of ['client', 'upstream']) {
      const labels = await page.locator(`.lane-${leg} .msg.is-arrow .msg-label`).allTextContents();
      expect(labels[0]).toBe('ClientHello');
      expect(labels).toContain('ServerHello');
      expect(labels).toContain('Certificate');
      expect(labels).toContain('Finished');
    }
    await expect(page.locator('.band-failed').count()).resolves.toBe(0);
    await screenshot(page, 'live-valid', true);
  });

  it('an expired origin: step 3 lit on the upstream leg with the finding', async () => {
    await curl('expired');
    await row('expired.lab.tlslab').first().waitFor();
    await row('expired.lab.tlslab').first().click();
    await page.locator('.conn-title h1', { hasText: 'expired.lab.tlslab' }).waitFor();
    await page.locator('.band.step-3 .lane-upstream.lane-failed').waitFor();
    await expect(page.locator('.band.step-3 .lane-upstream .fail-text').textContent()).resolves.toMatch(/expired/i);
    await expect(page.locator('.chain-upstream .cert').first().locator('.check-bad .check-name').allTextContents()).resolves.toContain('validity');
    await screenshot(page, 'live-expired', true);
  });

  it('a static-RSA TLS 1.2 origin: the classic story, ClientKeyExchange on step 4, ChangeCipherSpec on step 6', async () => {
    await curl('static-rsa');
    await row('static-rsa.lab.tlslab').first().waitFor();
    await row('static-rsa.lab.tlslab').first().click();
    await page.locator('.conn-title h1', { hasText: 'static-rsa.lab.tlslab' }).waitFor();
    await page.locator('.band.step-4 .lane-upstream .msg-label', { hasText: 'ClientKeyExchange' }).waitFor();
    await page.locator('.band.step-6 .lane-upstream .msg-label', { hasText: 'ChangeCipherSpec' }).first().waitFor();
    // Step 5 has no message with RSA key transport, and the page says why.
    await expect(page.locator('.band.step-5 .lane-upstream .lane-note').textContent()).resolves.toContain('RSA key transport');
    await expect(page.locator('.band.step-5 .band-notes').textContent()).resolves.toContain('decrypts the premaster secret');
    await page.locator('.band.step-4 .lane-upstream .msg', { hasText: 'ClientKeyExchange' }).click();
    await page.locator('.hex-view').waitFor();
    await screenshot(page, 'live-static-rsa', true);
    expect(errors).toEqual([]);
  });

  it('a connection still running is drawn again at its events, and when it ends, but the header button under the focus stays the same button', async () => {
    const host = 'valid.lab.tlslab';
    const socket = await tlsThroughProxy(app.proxyPort, host, 443, { ca: app.ca.certPem, ALPNProtocols: ['http/1.1'] });
    socket.on('error', () => undefined);
    const responses = (): number => app.events.filter((e) => e.type === 'http:response' && e.conn === conn).length;
    const opened = app.events.filter((e) => e.type === 'conn:open' && e.target.host === host).at(-1);
    const conn = opened?.conn ?? '';
    const ask = async (n: number): Promise<void> => {
      socket.write(`GET /?n=${n} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      await app.waitFor(() => responses() >= n);
    };
    try {
      await ask(1);
      await page.locator(`.row[data-id="${conn}"]`).click();
      const keys = page.locator('.conn-keys');
      await keys.waitFor();
      // A property, not an attribute: the page compares the title row's HTML, and this must not change it.
      // In the page's own world: a property (not an attribute, which would change the title row's HTML) on the button.
      await page.evaluate("(() => { const el = document.querySelector('.conn-keys'); el.kept = true; el.focus(); })()");
      const legsBefore = await page.locator('.conn-legs').textContent();
      await ask(2);
      // The header was drawn again: the legs' byte counts moved.
      await page.waitForFunction(`document.querySelector('.conn-legs')?.textContent !== ${JSON.stringify(legsBefore)}`);
      const sameAndFocused = "(() => { const el = document.querySelector('.conn-keys'); return el.kept === true && document.activeElement === el; })()";
      await expect(page.evaluate(sameAndFocused)).resolves.toBe(true);
      // The connection ends: the title row changes (open → lasted …), and its buttons are moved into it, not copied.
      socket.end();
      await page.locator('.conn-title .conn-id', { hasText: 'lasted' }).waitFor();
      await expect(page.evaluate(sameAndFocused)).resolves.toBe(true);
      expect(errors).toEqual([]);
    } finally {
      socket.destroy();
    }
  });

  it('a dialog whose request gets no answer (the network changed under the page) tries again, and says so when it cannot', async () => {
    await curl('valid');
    await row('valid.lab.tlslab').first().click();
    const conn = ((await page.locator('.conn-title').getAttribute('data-conn')) as string) ?? '';
    const events = `**/api/connections/${conn}/events`;
    const dialog = page.locator('dialog.replay-dialog');
    // The browser's own network layer drops the first try, as Chromium does with a request in flight when the interfaces change.
    let dropped = 0;
    await page.route(events, (route) => (dropped++ === 0 ? route.abort('internetdisconnected') : route.continue()));
    await page.locator('.conn-head').getByRole('button', { name: '▶ Replay' }).click();
    await dialog.getByText(`Replay of ${conn}`).waitFor();
    expect(dropped).toBe(2);
    await dialog.getByRole('button', { name: 'Close' }).click();
    // Every try dropped: the dialog says it got no answer, instead of "Loading…" for good.
    await page.unroute(events);
    await page.route(events, (route) => route.abort('internetdisconnected'));
    await page.locator('.conn-head').getByRole('button', { name: '▶ Replay' }).click();
    await dialog.getByText(`Could not load the replay of ${conn}: the page got no answer from tlslab.`).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.unroute(events);
  });
});
