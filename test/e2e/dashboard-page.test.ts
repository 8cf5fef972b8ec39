// Browser tests of the dashboard page served by the real dashboard server (events fed through EventBus.emit): live
// list, both ladders, the failing step, the hex view's field ↔ byte highlighting, follow mode, gaps, reconnects.
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, screenshot } from '../helpers/dashboard-browser';
import { Timeline, clientRejects, goodConnection, teachingConnections } from '../helpers/dashboard-fixture-events';
import { startRealDashboard, type RealDashboard } from '../helpers/dashboard-real-server';
import { describeWithTools } from '../helpers/tools';

/** Hosts of the rendered rows in visual order (rows are positioned, so DOM order may differ). */
async function rowHosts(page: Page): Promise<string[]> {
  const rows = await page.locator('.row').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('aria-posinset')), e.querySelector('.host')?.textContent ?? ''] as const));
  return [...rows].sort((a, b) => a[0] - b[0]).map((r) => r[1]);
}

describeWithTools(['chromium'], 'dashboard page (real server, real Chromium)', () => {
  let browser: Browser;
  let server: RealDashboard;
  let page: Page;
  let errors: string[];
  let tl: Timeline;

  beforeAll(async () => {
    tl = teachingConnections();
    server = await startRealDashboard();
    browser = await launchChromium();
    ({ page, errors } = await openPage(browser, server.url));
    await page.locator('.link-live').waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows connections appearing live from the stream', async () => {
    expect(await page.locator('.row').count()).toBe(0);
    await server.emitPaced(tl.events.filter((e) => e.conn === 'c1'));
    await page.locator('.row[data-id="c1"]').waitFor();
    await server.emitPaced(tl.events.filter((e) => e.conn !== 'c1'));
    await page.locator('.row[data-id="c3"]').waitFor();
    const hosts = await rowHosts(page);
    expect(hosts).toEqual(['shop.example', 'expired.lab.tlslab', 'example.com']); // newest first
    await expect(page.locator('.row[data-id="c2"]').getAttribute('class')).resolves.toContain('s-failed');
    await expect(page.locator('.row[data-id="c2"] .failed-leg').textContent()).resolves.toBe('CERT_EXPIRED');
    await expect(page.locator('.row[data-id="c2"] .st-leg').textContent()).resolves.toBe('upstream');
    await expect(page.locator('.row[data-id="c3"] .st-leg').textContent()).resolves.toBe('client');
    await expect(page.locator('.row[data-id="c1"] .st-word').textContent()).resolves.toBe('ok');
    await screenshot(page, 'list-live');
  });

  it('opens a connection with both ladders, messages in order', async () => {
    await page.locator('.row[data-id="c1"]').click();
    await page.locator('.ladders').waitFor();
    const labels = async (leg: string): Promise<string[]> => (await page.locator(`.lane-${leg} .msg.is-arrow .msg-label`).allTextContents()).map((s) => s.replace(/^[✗⚠ ]+/u, ''));
    const client = await labels('client');
    const upstream = await labels('upstream');
    for (const l of [client, upstream]) {
      expect(l.slice(0, 7)).toEqual(['ClientHello', 'ServerHello', 'EncryptedExtensions', 'Certificate', 'CertificateVerify', 'Finished', 'Finished']);
      expect(l[l.length - 1]).toBe('close_notify');
    }
    // Arrows point the right way: the ClientHello goes right (client → server), the ServerHello left.
    await expect(page.locator('.lane-client .arrow-right .msg-label', { hasText: 'ClientHello' }).count()).resolves.toBe(1);
    await expect(page.locator('.lane-upstream .arrow-left .msg-label', { hasText: 'ServerHello' }).count()).resolves.toBe(1);
    // The TLS 1.3 difference is explained where the story's step has no message.
    await expect(page.locator('.band.step-5 .band-notes').textContent()).resolves.toContain('TLS 1.3: no ServerKeyExchange');
    await expect(page.locator('.band.step-4 .band-notes').textContent()).resolves.toContain('TLS 1.3: no ClientKeyExchange');
    await expect(page.locator('.band.step-4 .lane-upstream .lane-note').textContent()).resolves.toContain('no message here in TLS 1.3');
    // The same note on both legs is written once, as a footnote of the band.
    await expect(page.locator('.band.step-2 .band-notes li', { hasText: 'In TLS 1.3 the certificate travels encrypted' }).count()).resolves.toBe(1);
    await expect(page.locator('.band-failed').count()).resolves.toBe(0);
        await screenshot(page, 'conn-good-1280', true);
  });

  it('lights step 3 on the upstream leg for the expired certificate, with the finding', async () => {
    await page.locator('.row[data-id="c2"]').click();
    await page.locator('.conn-title h1', { hasText: 'expired.lab.tlslab' }).waitFor();
    await expect(page.locator('.band-failed').count()).resolves.toBe(1);
    await expect(page.locator('.band-failed').getAttribute('data-step')).resolves.toBe('3');
    const lane = page.locator('.band.step-3 .lane-upstream');
    await expect(lane.getAttribute('class')).resolves.toContain('lane-failed');
    await expect(page.locator('.band.step-3 .lane-client').getAttribute('class')).resolves.not.toContain('lane-failed');
    await expect(lane.locator('.fail-text').textContent()).resolves.toContain("The server's certificate expired on 2025-01-01");
    await expect(page.locator('.problems .finding-code').first().textContent()).resolves.toContain('CERT_EXPIRED');
    // The chains side by side: the server's leaf has a red validity check; tlslab's minted leaf is all green.
    await expect(page.locator('.chain-upstream .cert').first().locator('.check-bad .check-name').allTextContents()).resolves.toEqual(['validity']);
    await expect(page.locator('.chain-client .cert .check-bad').count()).resolves.toBe(0);
    await screenshot(page, 'conn-expired-1280');
    await screenshot(page, 'conn-expired-1280-full', true);
  });

  it('shows the browser rejecting with an encrypted certificate_unknown on the client leg', async () => {
    await page.locator('.row[data-id="c3"]').click();
    await page.locator('.conn-title h1', { hasText: 'shop.example' }).waitFor();
    const lane = page.locator('.band.step-3 .lane-client');
    await expect(lane.getAttribute('class')).resolves.toContain('lane-failed');
    await expect(lane.locator('.msg.arrow-right.enc .msg-label').textContent()).resolves.toContain('certificate_unknown');
    await expect(lane.locator('.fail-text').textContent()).resolves.toContain("does not trust tlslab's CA");
    // The alert's two bytes, named.
    await lane.locator('.msg.is-arrow', { hasText: 'certificate_unknown' }).click();
    await page.locator('.field-tree li[data-name="description"] > .field-line').hover();
    await expect(page.locator('.hex-status .status-value').textContent()).resolves.toContain('certificate_unknown (46)');
    await expect(page.locator('.hex-bytes .b.lit').allTextContents()).resolves.toEqual(['2e']);
    await screenshot(page, 'conn-rejected-1280');
  });

  it('hex view: hovering cipher_suites lights its bytes and names it; hovering a byte lights the innermost field', async () => {
    await page.locator('.row[data-id="c1"]').click();
    await page.locator('.conn-title h1', { hasText: 'example.com' }).waitFor();
    await page.locator('.lane-client .msg', { hasText: 'ClientHello' }).click();
    await page.locator('.hex-view').waitFor();
    await page.locator('.field-tree li[data-name="cipher_suites"] > .field-line').hover();
    const lit = await page.locator('.hex-bytes .b.lit').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-i')}:${e.textContent}`));
    // RFC 8448 ClientHello: cipher_suites is bytes 39..46 = 00 06 13 01 13 03 13 02.
    expect(lit).toEqual(['39:00', '40:06', '41:13', '42:01', '43:13', '44:03', '45:13', '46:02']);
    await expect(page.locator('.hex-status .status-name').textContent()).resolves.toBe('cipher_suites');
    await screenshot(page, 'hex-cipher-suites');
    // Byte 43 is the second suite: the innermost field is that cipher_suite, not the whole list.
    await page.locator('.hex-bytes .b[data-i="43"]').hover();
    await expect(page.locator('.hex-status .status-name').textContent()).resolves.toBe('cipher_suite');
    await expect(page.locator('.hex-status .status-value').textContent()).resolves.toContain('TLS_CHACHA20_POLY1305_SHA256');
    await expect(page.locator('.hex-bytes .b.lit').evaluateAll((els) => els.map((e) => e.getAttribute('data-i')))).resolves.toEqual(['43', '44']);
    // The SNI host name, inside server_name: an opaque vector, its 2-byte length then the name (RFC 6066 §3).
    await page.locator('.field-tree li[data-name="host_name"] > .field-line').hover();
    await expect(page.locator('.hex-ascii .a.lit').allTextContents()).resolves.toEqual(['·', '·', ...'server']);
    await screenshot(page, 'hex-sni');
    // A record as it was on the wire: the 5-byte header fields of RFC 8446 §5.1.
    await page.locator('.rec-client .rec').first().click();
    await page.locator('.field-tree li[data-name="legacy_record_version"] > .field-line').hover();
    await expect(page.locator('.hex-bytes .b.lit').allTextContents()).resolves.toEqual(['03', '01']);
  });

  it('follow mode shows the newest connection as its events arrive', async () => {
    await page.locator('button.toggle', { hasText: 'Follow' }).click();
    await expect(page.locator('body').getAttribute('class')).resolves.toContain('follow');
    const live = new Timeline(tl.seq, Date.now());
    goodConnection(live, 'c4', 'live.example', 0);
    const evs = live.events;
    server.emit(evs.slice(0, 3));
    await page.locator('.conn-title h1', { hasText: 'live.example' }).waitFor();
    await expect(page.locator('.list-pane').isVisible()).resolves.toBe(false);
    const before = await page.locator('.lane-upstream .msg.is-arrow').count();
    server.emit(evs.slice(3));
    await page.locator('.lane-client .msg-label', { hasText: 'close_notify' }).first().waitFor();
    expect(await page.locator('.lane-upstream .msg.is-arrow').count()).toBeGreaterThan(before);
    expect(new URL(page.url()).searchParams.get('follow')).toBe('1');
    // The view keeps the newest message in sight: step 8 is on screen, and the steps' header stays on top.
    await page.waitForFunction("(() => { const r = document.querySelector('.band.step-8')?.getBoundingClientRect(); return !!r && r.top < innerHeight && r.bottom > 0; })()");
    await expect(page.locator('.band-head').isVisible()).resolves.toBe(true);
    await screenshot(page, 'follow-1280');
    await page.locator('button.toggle', { hasText: 'Following' }).click();
  });

  it('opens a connection from the URL (?conn=), in the light theme at 1920×1080', async () => {
    const other = await openPage(browser, `${server.url}?conn=c2&theme=light`, 1920, 1080, 'light');
    await other.page.locator('.conn-title h1', { hasText: 'expired.lab.tlslab' }).waitFor();
    await expect(other.page.locator('html').getAttribute('data-theme')).resolves.toBe('light');
    await expect(other.page.locator('.row.selected').getAttribute('data-id')).resolves.toBe('c2');
    await screenshot(other.page, 'conn-expired-1920-light');
    await other.page.locator('.lane-upstream .msg', { hasText: 'Certificate' }).first().click();
    await other.page.locator('.field-tree li[data-name="cert_data (leaf)"] > .field-line').hover();
    await screenshot(other.page, 'hex-certificate-1920-light');
    expect(other.errors).toEqual([]);
    await other.page.context().close();
  });

  it('has no page errors', () => {
    expect(errors).toEqual([]);
  });
});

describeWithTools(['chromium'], 'dashboard page: gaps and reconnects (real server, real Chromium)', () => {
  let browser: Browser;
  let server: RealDashboard;

  beforeAll(async () => {
    // A five-event client queue: a burst of events overflows it and the server sends a gap.
    server = await startRealDashboard({ server: { clientQueue: 5 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a gap banner when the server says events were missed, and reconnects after the server restarts', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.locator('.link-live').waitFor();
    server.emit(teachingConnections().events); // ~100 events in one turn: more than the queue holds
    await page.locator('.gap-banner:not([hidden])').waitFor();
    await expect(page.locator('.gap-text').textContent()).resolves.toMatch(/\d+ events were not delivered/);
    await screenshot(page, 'gap-banner');
    const port = server.server.port;
    await server.close();
    await page.locator('.link-reconnecting').waitFor();
    server = await startRealDashboard({ server: { port } });
    await page.locator('.link-live').waitFor({ timeout: 15_000 });
    // A fresh snapshot replaces what the page had.
    const t = new Timeline();
    clientRejects(t, 'c5', 0);
    server.emit(t.events);
    await page.locator('.row[data-id="c5"]').waitFor();
    await expect(page.locator('.row').count()).resolves.toBe(1);
    expect(errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  });
});
