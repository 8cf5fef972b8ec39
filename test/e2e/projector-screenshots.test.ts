// The projector on every lab case, in block and in mirror mode: headless Chromium visits each case through tlslab
// (one browser, one context per mode), the dashboard follows it live at one size, then the same page resized to the
// other (1280×800, 1920×1080), and after 2 s of follow mode the failure box and the failing step are inside the
// viewport at both sizes.
// PNGs go to test-output/screenshots/projector-<mode>-<case>-<size>.png.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { contextProxy, launchChromium, makeNssHome, type TrustedHome } from '../helpers/chromium-proxy';
import { screenshot } from '../helpers/dashboard-browser';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(150_000);

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;
type Mode = 'block' | 'mirror';
type Box = { x: number; y: number; width: number; height: number } | null;

/** A box as playwright measures it, whole inside the page's viewport. */
function inViewport(box: Box, size: { width: number; height: number }): boolean {
  return box !== null && box.width > 0 && box.height > 0 && box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width && box.y + box.height <= size.height;
}

describeWithTools(['chromium', 'certutil'], 'projector: every lab case in block and mirror mode, at 1280×800 and 1920×1080', () => {
  const apps = {} as Record<Mode, TestTlslab>;
  const visitors = {} as Record<Mode, BrowserContext>;
  const projectors = {} as Record<Mode, { page: Page; errors: string[] }>;
  let home: TrustedHome;
  let browser: Browser;

  beforeAll(async () => {
    // Two tlslabs (one per mode) sharing one CA, so the browser trusts both with one root.
    apps.block = await startTestTlslab({ uiPort: 0, lab: true, slowHandshakeMs: 200 });
    apps.mirror = await startTestTlslab({ uiPort: 0, lab: true, slowHandshakeMs: 200, upstreamFailure: ['mirror'], certsDir: apps.block.certsDir });
    home = makeNssHome([{ nick: 'tlslab', pem: apps.block.ca.certPem }]);
    browser = await launchChromium(home, { perContextProxy: true });
    for (const mode of ['block', 'mirror'] as const) {
      visitors[mode] = await browser.newContext({ proxy: contextProxy(apps[mode].proxyUrl), viewport: { width: 1100, height: 760 } });
      const page = await (await browser.newContext({ viewport: SIZES[0], colorScheme: 'dark' })).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${apps[mode].dashboardUrl as string}?follow=1`);
      await page.locator('.link-live').waitFor();
      projectors[mode] = { page, errors };
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    home?.remove();
    await Promise.all(Object.values(apps).map((a) => a.close()));
  });

  /** Screenshots the projector at `size` and says whether the failure box, the failing step's box and its name are in view. */
  async function check(mode: Mode, name: string, size: (typeof SIZES)[number], failing: boolean): Promise<[string, boolean, boolean, boolean] | null> {
    const { page } = projectors[mode];
    if (page.viewportSize()?.width !== size.width) {
      await page.setViewportSize(size);
      await page.waitForFunction(`innerWidth === ${size.width}`);
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    }
    const shot = `projector-${mode}-${name}-${size.width}x${size.height}`;
    await screenshot(page, shot);
    if (!failing) return null;
    return [
      shot,
      inViewport(await page.locator('.problems').boundingBox(), size),
      inViewport(await page.locator('.lane-failed .fail-box').first().boundingBox(), size),
      inViewport(await page.locator('.band-failed .rail').first().boundingBox(), size),
    ];
  }

  it('keeps the failure box and the failing step in view after 2 s of follow mode, on every case', async () => {
    const checked: [string, boolean, boolean, boolean][] = [];
    for (const [i, c] of apps.block.lab!.cases.entries()) {
      // The projectors follow live at one size, then are resized to the other; the next case starts at that one.
      const sizes = i % 2 === 0 ? SIZES : [SIZES[1], SIZES[0]];
      // Both modes at once, each context through its own tlslab; the projectors react as the connections happen.
      const visits = (['block', 'mirror'] as const).map(async (mode) => {
        const page = await visitors[mode].newPage();
        await page.goto(`https://${c.host}/`, { timeout: 15_000, waitUntil: 'domcontentloaded' }).catch(() => undefined); // a refused certificate is the lesson
        return page;
      });
      for (const mode of ['block', 'mirror'] as const) await projectors[mode].page.locator('.conn-title h1', { hasText: c.host }).waitFor({ timeout: 15_000 });
      const failing = c.expected.upstreamCodes === undefined || c.expected.upstreamCodes.length > 0;
      // A failure must still be in view after 2 s of follow mode; a case that does not fail is only pictured.
      await new Promise((r) => setTimeout(r, failing ? 2000 : 500));
      await Promise.all((['block', 'mirror'] as const).map(async (mode) => {
        for (const size of sizes) {
          const seen = await check(mode, c.name, size, failing);
          if (seen) checked.push(seen);
        }
        await expect(projectors[mode].page.locator('.conn-title h1').textContent()).resolves.toBe(c.host);
      }));
      for (const v of await Promise.all(visits)) await v.close();
    }
    // Ten cases fail (every flawed certificate, and the reset), in both modes, at both sizes: all in view.
    expect(checked).toHaveLength(10 * 2 * SIZES.length);
    expect(checked.filter(([, ...seen]) => seen.some((x) => !x))).toEqual([]);
    expect([...projectors.block.errors, ...projectors.mirror.errors]).toEqual([]);
  });
});
