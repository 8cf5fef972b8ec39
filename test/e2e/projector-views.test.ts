// The connection views on real traffic: headless Chromium through tlslab (block mode, its CA trusted) on lab origins,
// curl for many plain OK connections, and the dashboard in Chromium at 1280×800: list rows that tell connections
// apart, the hex view scrolling to the bytes of a hovered field, a blocked connection's 502 in the HTTP panel, finding
// codes and certificate chains that fit, and evicted connections said to be evicted while failures keep their ladder.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { contextProxy, launchChromium, makeNssHome, type TrustedHome } from '../helpers/chromium-proxy';
import { screenshot } from '../helpers/dashboard-browser';
import { labHost } from '../helpers/lab-proxy-conns';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(90_000);

describeWithTools(['chromium', 'certutil', 'curl'], 'projector views on real traffic (Chromium and curl through tlslab)', () => {
  let app: TestTlslab;
  let home: TrustedHome;
  let browser: Browser;
  let visitor: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  /**
   * Chromium loads `https://<case>.lab.tlslab/`, then `/again`, through tlslab. On a blocked case tlslab ends the
   * connection after its teaching page, so the second load is a second connection, which resumes the first's session.
   */
  async function chromiumVisits(name: string, conns: number): Promise<void> {
    const tab = await visitor.newPage();
    await tab.goto(`https://${labHost(name)}/`, { timeout: 20_000 });
    await tab.goto(`https://${labHost(name)}/again`, { timeout: 20_000 });
    await tab.close();
    // Connections that carried a request (Chromium may also hold a preconnected one that never does).
    const asked = (): number => app.bus.summaries().filter((x) => x.target.host === labHost(name) && x.firstRequest !== undefined && x.resumed !== undefined).length;
    for (let i = 0; i < 300 && asked() < conns; i++) await new Promise((r) => setTimeout(r, 50));
    expect(asked()).toBeGreaterThanOrEqual(conns);
  }

  beforeAll(async () => {
    // A small history, so that a few dozen OK connections evict the oldest ones.
    app = await startTestTlslab({ uiPort: 0, lab: true, history: 2000 });
    home = makeNssHome([{ nick: 'tlslab', pem: app.ca.certPem }]);
    browser = await launchChromium(home, { perContextProxy: true });
    visitor = await browser.newContext({ proxy: contextProxy(app.proxyUrl) });
    await chromiumVisits('incomplete-chain', 2);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' })).newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(app.dashboardUrl as string);
    await page.locator('.link-live').waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    home?.remove();
    await app?.close();
  });

  it('list rows say when, what was asked, the ALPN, and which connection resumed the other', async () => {
    await page.locator('.search').fill('incomplete-chain');
    await page.waitForFunction("document.querySelectorAll('.row').length >= 2");
    // Runs in the page (the test tsconfig has no DOM lib, hence the strings).
    const rows = await page.evaluate<{ when: string; req: string; alpn: string; session: string }[]>(
      "[...document.querySelectorAll('.row')].map((el) => ({ when: el.querySelector('.when')?.textContent ?? '', req: el.querySelector('.req')?.textContent ?? '', alpn: el.querySelector('.alpn')?.textContent ?? '', session: el.querySelector('.session')?.textContent ?? '' }))",
    );
    for (const r of rows) {
      expect(r.when).toMatch(/^\d\d:\d\d:\d\d$/);
      expect(r.alpn).toBe('http/1.1');
    }
    // The page on a full handshake, the second load (tlslab ended the first connection after its 502 page) on a second
    // connection that resumed the first one's session.
    expect(rows.find((r) => r.req === 'GET /')?.session).toBe('new');
    expect(rows.find((r) => r.req === 'GET /again')?.session).toBe('resumed');
    await screenshot(page, 'projector-rows-1280');
    await page.locator('.search').fill('');
  });

  it('hovering a field far into a 2 KB ClientHello scrolls its bytes into view', async () => {
    await page.locator('.search').fill('incomplete-chain');
    await page.locator('.row', { has: page.locator('.req', { hasText: /^GET \/$/ }) }).first().click();
    await page.locator('.lane-client .msg', { hasText: 'ClientHello' }).first().click();
    await page.locator('.hex-view').waitFor();
    const size = await page.locator('.hex-dump .b').count();
    expect(size).toBeGreaterThan(1000); // Chromium's ClientHello, with its post-quantum key share
    const dumpBox = async (): Promise<{ top: number; bottom: number }> => {
      const b = await page.locator('.hex-dump').boundingBox();
      return { top: b!.y, bottom: b!.y + b!.height };
    };
    const litInView = async (): Promise<boolean> => {
      const d = await dumpBox();
      const boxes = await page.evaluate<{ top: number; bottom: number }[]>("[...document.querySelectorAll('.hex-bytes .b.lit')].map((e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; })");
      return boxes.length > 0 && boxes.every((b) => b.top >= d.top - 0.5 && b.bottom <= d.bottom + 0.5);
    };
    // The last top-level field of the message: its bytes are at the end, far below the first rows of the dump.
    const extensions = page.locator('.field-tree > li[data-name="extensions"] > ul > li');
    const last = extensions.last();
    await last.locator(':scope > .field-line').hover();
    const firstLit = Number(await page.locator('.hex-bytes .b.lit').first().getAttribute('data-i'));
    expect(firstLit).toBeGreaterThan(size - 600);
    expect(await litInView()).toBe(true);
    // server_name, wherever Chromium's shuffled extension order put it.
    await page.locator('.field-tree li[data-name="server_name"]').first().locator(':scope > .field-line').hover();
    await expect(page.locator('.hex-status .status-name').textContent()).resolves.toBe('server_name');
    expect(await litInView()).toBe(true);
    await screenshot(page, 'projector-hex-server-name-1280');
    await page.locator('.hex-close').click();
    await page.locator('.search').fill('');
  });

  it('a blocked connection: the 502 in the HTTP panel, the finding code whole, the chains inside the page at 1280', async () => {
    await page.locator('.search').fill('incomplete-chain');
    const blocked = page.locator('.row', { has: page.locator('.req', { hasText: /^GET \/$/ }) }).first();
    await blocked.waitFor();
    // The list names the code in full (no ellipsis) at 1280 px, and the failed leg in the status column.
    const code = blocked.locator('.failed-leg');
    await expect(code.textContent()).resolves.toBe('CHAIN_MISSING_INTERMEDIATE');
    await expect(blocked.locator('.st-leg').textContent()).resolves.toBe('upstream');
    const id = await blocked.getAttribute('data-id');
    const whole = `(() => { const el = document.querySelector('.row[data-id="${id}"] .failed-leg'); return el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= el.closest('.row').getBoundingClientRect().right; })()`;
    expect(await page.evaluate<boolean>(whole)).toBe(true);
    await blocked.click();
    await page.locator('.band.step-3 .lane-upstream.lane-failed').waitFor();
    await expect(page.locator('.problems .finding-code').first().textContent()).resolves.toContain('CHAIN_MISSING_INTERMEDIATE');
    // tlslab answered the request with its teaching page: the panel shows the 502, never "waiting".
    await expect(page.locator('.http-resp .http-line').first().textContent()).resolves.toMatch(/^502 Bad Gateway/);
    await expect(page.locator('.http-resp', { hasText: 'waiting' }).count()).resolves.toBe(0);
    // Both chain columns and every certificate card stay inside the connection view.
    const fit = await page.evaluate<{ n: number; over: string[] }>(
      "(() => { const view = document.querySelector('.conn-view'); const right = view.getBoundingClientRect().right; const cols = [...view.querySelectorAll('.chain-cols, .chain, .cert')]; return { n: cols.length, over: cols.filter((c) => c.getBoundingClientRect().right > right + 0.5 || c.scrollWidth > c.clientWidth + 1).map((c) => c.className) }; })()",
    );
    expect(fit.n).toBeGreaterThan(3);
    expect(fit.over).toEqual([]);
    await page.locator('#chains').scrollIntoViewIfNeeded();
    await screenshot(page, 'projector-chains-incomplete-chain-1280');
    await page.locator('.search').fill('');
  });

  it('after many OK connections, the oldest says its details were evicted, and the failure keeps its ladder', async () => {
    const valid = app.lab!.cases.find((c) => c.name === 'valid')!;
    // Plain OK connections to 127.0.0.1 (no lab name, nothing failed): the kind the history lets go first.
    const curl = (): ReturnType<typeof run> => run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, `https://127.0.0.1:${valid.port}/`]);
    expect((await curl()).code).toBe(0);
    const first = app.events.filter((e) => e.type === 'conn:open' && e.target.host === '127.0.0.1')[0].conn;
    for (let round = 0; round < 20 && app.bus.eventsFor(first).length > 0; round++) await Promise.all([curl(), curl(), curl(), curl()]);
    expect(app.bus.eventsFor(first)).toEqual([]);
    expect(app.bus.summary(first)?.status).toBe('ok');
    // A fresh page: its snapshot lists the connection, whose events are gone.
    await page.reload();
    await page.locator('.link-live').waitFor();
    await page.locator(`.search`).fill(first);
    await page.locator(`.row[data-id="${first}"]`).click();
    await page.locator('.kept-evicted', { hasText: 'Details no longer kept' }).waitFor();
    await page.locator(`.row[data-id="${first}"] .evicted-tag`).waitFor();
    await expect(page.locator('.ladders').count()).resolves.toBe(0);
    await screenshot(page, 'projector-evicted-1280');
    // The failed lab connection, older than all of them, still has its whole ladder.
    await page.locator('.search').fill('incomplete-chain');
    await page.locator('.row', { has: page.locator('.req', { hasText: /^GET \/$/ }) }).first().click();
    await page.locator('.band.step-3 .lane-upstream.lane-failed').waitFor();
    await expect(page.locator('.kept-note').count()).resolves.toBe(0);
    await expect(page.locator('.lane-client .msg', { hasText: 'ClientHello' }).count()).resolves.toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
