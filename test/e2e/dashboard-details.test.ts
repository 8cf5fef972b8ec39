// The dashboard with details on demand, on real traffic in Chromium: a message opened from the ladder shows its bytes
// and fields (fetched when the connection is opened), and one whose connection's bytes tlslab no longer keeps says
// "Details no longer kept" in place of the dump, never a broken view.
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot, waitForLive } from '../helpers/dashboard-browser';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

describeWithTools(['chromium', 'curl'], 'dashboard: message details built on demand (tlslab + curl + Chromium)', () => {
  let app: TestTlslab;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const conns: Record<string, string> = {};

  const visit = async (name: string): Promise<string> => {
    const from = app.events.length;
    await run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, `https://${name}.lab.tlslab/`]);
    const open = await app.waitFor((e) => e.type === 'conn:open' && app.events.indexOf(e) >= from && e.target.host === `${name}.lab.tlslab`);
    await app.waitFor((e) => e.type === 'conn:close' && e.conn === open.conn, 15_000);
    return open.conn;
  };

  beforeAll(async () => {
    // One connection's bytes kept: the second connection pushes the first one's out.
    app = await startTestTlslab({ uiPort: 0, lab: true, keptCaptures: { maxConnections: 1 } });
    conns['expired'] = await visit('expired');
    conns['valid'] = await visit('valid');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  const openConn = async (id: string, host: string): Promise<void> => {
    ({ page, errors } = await openPage(browser, `${app.dashboardUrl ?? ''}?conn=${id}`));
    await waitForLive(page, [errors]);
    await page.locator('.conn-title h1', { hasText: host }).waitFor();
  };

  it('a kept connection: the ClientHello opened from the ladder shows its bytes and its field tree', async () => {
    await openConn(conns['valid'], 'valid.lab.tlslab');
    await page.locator('.lane-client .msg', { hasText: 'ClientHello' }).first().click();
    await page.locator('.hex-dump .b').first().waitFor();
    const length = await page.locator('.hex-caption').textContent();
    const bytes = Number(/· (\d+) bytes/.exec(length ?? '')?.[1]);
    expect(bytes).toBeGreaterThan(100);
    expect(await page.locator('.hex-dump .b').count()).toBe(bytes);
    expect(await page.locator('.field-tree .fname').first().textContent()).toBe('msg_type');
    await page.locator('.field-tree [data-name="cipher_suites"] .field-line').first().hover();
    await expect(page.locator('.hex-status .status-name').textContent()).resolves.toBe('cipher_suites');
    // The upstream leg's Certificate (decrypted TLS 1.3) too.
    await page.locator('.lane-upstream .msg', { hasText: 'Certificate' }).first().click();
    await page.locator('.hex-head h3', { hasText: 'certificate' }).waitFor();
    expect(await page.locator('.hex-dump .b').count()).toBeGreaterThan(500);
    expect(await page.locator('.hex-status').getAttribute('data-pending')).toBe('');
    expect(errors).toEqual([]);
  }, 60_000);

  it('a connection whose bytes were dropped: the ladder and verdict stay, the message says its details are no longer kept', async () => {
    await openConn(conns['expired'], 'expired.lab.tlslab');
    await page.locator('.band.step-3 .lane-upstream.lane-failed').waitFor();
    await page.locator('.lane-upstream .msg', { hasText: 'ServerHello' }).first().click();
    await page.locator('.hex-status[data-pending="gone"]').waitFor();
    expect(await page.locator('.hex-status').textContent()).toMatch(/^Details no longer kept/);
    expect(await page.locator('.hex-dump .b').count()).toBe(0);
    expect(await page.locator('.hex-head h3').textContent()).toMatch(/^ServerHello/);
    await page.locator('.hex-wrap').scrollIntoViewIfNeeded();
    await screenshot(page, 'details-no-longer-kept');
    expect(errors).toEqual([]);
  }, 60_000);
});
