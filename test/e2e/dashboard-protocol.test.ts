// The page against a scripted server (the fixture stand-in): a snapshot that holds summaries without their events
// (the page fetches them over REST) and a history-evicted gap. Real Chromium; loopback only.
import type { Browser } from 'playwright-core';
import { launchChromium, openPage } from '../helpers/dashboard-browser';
import { teachingConnections } from '../helpers/dashboard-fixture-events';
import { startFixtureServer, type FixtureServer } from '../helpers/dashboard-fixture-server';
import { describeWithTools } from '../helpers/tools';

describeWithTools(['chromium'], 'dashboard page and the stream protocol (scripted server, real Chromium)', () => {
  let browser: Browser;
  let server: FixtureServer;

  beforeAll(async () => {
    // c2's events are left out of the snapshot: only its summary arrives over the WebSocket.
    server = await startFixtureServer(teachingConnections().events, { inSnapshot: (e) => e.conn !== 'c2' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists a connection known only by its summary, and fetches its events over REST when opened', async () => {
    const { page, errors } = await openPage(browser, server.url);
    const c2 = page.locator('.row[data-id="c2"]');
    await c2.waitFor();
    await expect(c2.locator('.failed-leg').textContent()).resolves.toContain('CERT_EXPIRED');
    // The snapshot says events were held back.
    await expect(page.locator('.gap-text').textContent()).resolves.toContain('evicted');
    await c2.click();
    await page.locator('.band.step-3 .lane-upstream.lane-failed').waitFor();
    await expect(page.locator('.lane-upstream .msg.is-arrow').count()).resolves.toBeGreaterThan(5);
    server.gap(7, 500, 506, 'history-evicted');
    await page.locator('.gap-text', { hasText: '7 events (seq 500–506) were evicted' }).waitFor();
    expect(errors).toEqual([]);
  });
});
