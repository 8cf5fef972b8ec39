// The connection list with 5,000 connections from the real server: it opens with the snapshot's window (the newest
// 300), loads the older ones page by page with "Show older connections", stays virtualised (the number of rows in
// the DOM is bounded), scrolls, filters and answers the keyboard. Real Chromium; no timing assertions.
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot } from '../helpers/dashboard-browser';
import { Timeline, manyConnections } from '../helpers/dashboard-fixture-events';
import { startRealDashboard, type RealDashboard } from '../helpers/dashboard-real-server';
import { describeWithTools } from '../helpers/tools';

const N = 5000;
/** manyConnections: host index 6 of 9 is expired.lab.tlslab, and exactly those fail (i % 9 === 6). */
const EXPIRED = Array.from({ length: N }, (_, i) => i).filter((i) => i % 9 === 6).length;

describeWithTools(['chromium'], 'dashboard list with 5,000 connections (real server, real Chromium)', () => {
  let browser: Browser;
  let server: RealDashboard;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    server = await startRealDashboard();
    server.emit(manyConnections(N).events);
    browser = await launchChromium();
    ({ page, errors } = await openPage(browser, server.url, 1920, 1080));
    // The snapshot holds the newest 300; the other 4,700 are on the server, 500 per click.
    await page.locator('.list-count', { hasText: '300 connections' }).waitFor({ timeout: 20_000 });
    const older = page.locator('.older-btn');
    for (let loaded = 300; loaded < N; loaded = Math.min(N, loaded + 500)) {
      await older.filter({ hasText: `Show older connections (${(N - loaded).toLocaleString('en-US')} more)` }).click();
      await page.locator('.list-count', { hasText: `${Math.min(N, loaded + 500)} connections` }).waitFor({ timeout: 20_000 });
    }
    await older.waitFor({ state: 'hidden' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const rowCount = (): Promise<number> => page.locator('.row').count();
  const setsize = (): Promise<string | null> => page.locator('.row').first().getAttribute('aria-setsize');

  it('renders only the rows in view, not 5,000', async () => {
    const n = await rowCount();
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThan(60);
    await expect(setsize()).resolves.toBe(String(N));
    await screenshot(page, 'list-5000-1920');
  });

  it('scrolls to the middle and the end with the row count still bounded', async () => {
    const scroller = page.locator('.list-scroll');
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await page.locator(`.row[aria-posinset="${N / 2}"]`).waitFor();
    expect(await rowCount()).toBeLessThan(60);
    await scroller.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    // Newest first: the last row is the oldest connection, m0.
    await page.locator(`.row[aria-posinset="${N}"][data-id="m0"]`).waitFor();
    expect(await rowCount()).toBeLessThan(60);
  });

  it('moves through the list with the keyboard and opens the selected connection', async () => {
    await page.locator('.list-scroll').focus();
    await page.keyboard.press('Home');
    await expect(page.locator('.list-scroll').getAttribute('aria-activedescendant')).resolves.toBe(`row-m${N - 1}`);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(page.locator('.list-scroll').getAttribute('aria-activedescendant')).resolves.toBe(`row-m${N - 3}`);
    await page.locator('.conn-title .conn-id', { hasText: `m${N - 3}` }).waitFor();
    await page.keyboard.press('End');
    await expect(page.locator('.list-scroll').getAttribute('aria-activedescendant')).resolves.toBe('row-m0');
    await page.locator('.conn-title .conn-id', { hasText: 'm0 ' }).waitFor();
  });

  it('filters by text, failures and client, and counts what matches', async () => {
    await page.locator('input.search').fill('expired');
    await page.locator('.list-count', { hasText: `${EXPIRED} of ${N}` }).waitFor();
    await expect(setsize()).resolves.toBe(String(EXPIRED));
    await page.locator('input.search').fill('');
    await page.locator('#only-failures').check();
    await page.locator('.list-count', { hasText: `${EXPIRED} of ${N}` }).waitFor();
    const statuses = await page.locator('.row .st-word').allTextContents();
    expect(new Set(statuses)).toEqual(new Set(['failed']));
    await screenshot(page, 'list-5000-failures');
    await page.locator('#only-failures').uncheck();
    await page.locator('select[aria-label="Filter by client"]').selectOption('127.0.0.2');
    await page.locator('.list-count', { hasText: `${N / 4} of ${N}` }).waitFor();
    await page.locator('select[aria-label="Filter by client"]').selectOption('');
    await page.locator('.list-count', { hasText: `${N} connections` }).waitFor();
  });

  it('keeps taking live connections on top of 5,000', async () => {
    server.emit(manyConnections(200, new Timeline(), 'live').events);
    await page.locator('.list-count', { hasText: `${N + 200} connections` }).waitFor();
    expect(await rowCount()).toBeLessThan(60);
    expect(errors).toEqual([]);
  });
});
