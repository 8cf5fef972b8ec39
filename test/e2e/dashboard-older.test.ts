// The dashboard past the snapshot's window, in real Chromium against the real server: the page opens with the
// newest connections only, "Show older connections (N more)" loads the rest from GET /api/connections?before= in
// pages, the list ends at the oldest connection, an older connection opens with its events fetched, and a link to a
// connection older than the window (`?conn=`) still opens it. No timing assertions.
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, waitForLive } from '../helpers/dashboard-browser';
import { startRealDashboard, type RealDashboard } from '../helpers/dashboard-real-server';
import { okConnection } from '../helpers/events-drafts';
import { describeWithTools } from '../helpers/tools';

const N = 620;
const WINDOW = 40;

describeWithTools(['chromium'], 'dashboard: older connections beyond the snapshot window (real server, real Chromium)', () => {
  let browser: Browser;
  let server: RealDashboard;

  beforeAll(async () => {
    server = await startRealDashboard({ server: { snapshotSummaries: WINDOW, snapshotConnections: 3 } });
    for (let i = 1; i <= N; i++) for (const d of okConnection(`o${i}`, i % 2 === 0 ? 'valid.lab.tlslab' : 'example.com', 40000 + i)) server.bus.emit(d);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens with the window, loads older pages on demand, and ends at the oldest connection', async () => {
    const { page, errors } = await openPage(browser, server.url, 1280, 800);
    await waitForLive(page, [errors]);
    await page.locator('.list-count', { hasText: `${WINDOW} connections` }).waitFor();
    const older = page.locator('.older-btn');
    await older.filter({ hasText: `Show older connections (${N - WINDOW} more)` }).waitFor();
    // The newest row is the newest connection; the oldest in the window is o(N − WINDOW + 1).
    await page.locator('.row[aria-posinset="1"][data-id="o620"]').waitFor();

    await older.click();
    await page.locator('.list-count', { hasText: `${WINDOW + 500} connections` }).waitFor();
    await older.filter({ hasText: `Show older connections (${N - WINDOW - 500} more)` }).waitFor();
    await older.click();
    await page.locator('.list-count', { hasText: `${N} connections` }).waitFor();
    await older.waitFor({ state: 'hidden' });

    // Every connection once, newest first: the store holds o1…o620 and the list's last row is o1.
    const ids = await page.evaluate<string[]>('[...window.tlslab.store.order]');
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => `o${i + 1}`));
    await page.locator('.list-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = page.locator(`.row[aria-posinset="${N}"]`);
    await last.waitFor();
    expect(await last.getAttribute('data-id')).toBe('o1');

    // An older connection's ladder: its events were not in the snapshot, opening it fetches them.
    await last.click();
    await page.locator('.conn-title .conn-id', { hasText: 'o1 ' }).waitFor();
    await page.locator('.ladders .msg').first().waitFor();
    expect(await page.evaluate('window.tlslab.store.conns.get("o1").events.length')).toBe(okConnection('o1').length);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a link to a connection older than the window opens it', async () => {
    const { page, errors } = await openPage(browser, `${server.url}?conn=o7`, 1280, 800);
    await waitForLive(page, [errors]);
    await page.locator('.conn-title .conn-id', { hasText: 'o7 ' }).waitFor();
    await page.locator('.row.selected[data-id="o7"]').waitFor({ state: 'attached' });
    // Only the window and the linked connection are held: nothing else was loaded for it.
    expect(await page.evaluate('window.tlslab.store.conns.size')).toBe(WINDOW + 1);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('the search box searches every connection the server keeps, not only the window', async () => {
    const { page, errors } = await openPage(browser, server.url, 1280, 800);
    await waitForLive(page, [errors]);
    await page.locator('.list-count', { hasText: `${WINDOW} connections` }).waitFor();
    // o7's client port is in no connection of the window: the page asks the server, which finds it.
    await page.locator('.search').fill('40007');
    await page.locator('.list-count', { hasText: '1 older match' }).waitFor();
    await page.locator('.row[data-id="o7"]').waitFor();
    expect(await page.locator('.row').count()).toBe(1);
    expect(await page.locator('.list-count').textContent()).toMatch(/^1 of 41 · searched all the server keeps: 1 older match$/);
    // A term that matches hundreds: the newest 500 matches come back; held ones are not added twice.
    await page.locator('.search').fill('example.com');
    await page.locator('.list-count', { hasText: 'older matches' }).waitFor();
    const held = await page.evaluate<number>('window.tlslab.store.conns.size');
    expect(held).toBe(N / 2 + WINDOW / 2); // every example.com connection (o7 among them) and the window's valid ones
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

