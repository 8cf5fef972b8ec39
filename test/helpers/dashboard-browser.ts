// Pages and screenshots for the dashboard's browser tests (Chromium is launched by ./chromium-proxy).
// I/O: launches a browser process and writes PNGs under test-output/screenshots/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SCREENSHOT_DIR } from './chromium-proxy';

/** The one Chromium launcher (test/helpers/chromium-proxy.ts): the dashboard tests call it with no trusted HOME. */
export { launchChromium, SCREENSHOT_DIR } from './chromium-proxy';

/** A page at `width`×`height`, with page errors collected into `errors` (a test asserts it stays empty). */
export async function openPage(browser: Browser, url: string, width = 1280, height = 800, theme: 'dark' | 'light' = 'dark'): Promise<{ page: Page; errors: string[] }> {
  const ctx = await browser.newContext({ viewport: { width, height }, colorScheme: theme });
  const page = await ctx.newPage();
  page.setDefaultTimeout(8000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

/**
 * Waits until the page's event stream is live (the header's link pill). When it is not within `timeoutMs`, the error
 * says what the pill shows (connecting, or reconnecting and why) and what the page reported, not a bare timeout.
 */
export async function waitForLive(page: Page, errorLists: ReadonlyArray<readonly string[]> = [], timeoutMs = 45_000): Promise<void> {
  try {
    await page.locator('.link-live').waitFor({ timeout: timeoutMs });
  } catch (err) {
    const errors = errorLists.flat();
    const pill = await page.locator('.link').first().textContent({ timeout: 1000 }).catch(() => '(no link pill on the page)');
    throw new Error(`The dashboard's stream did not come up within ${timeoutMs} ms at ${page.url()}: the link pill says ${JSON.stringify(pill)}; page errors: ${errors.length ? errors.join(' | ') : 'none'} (${(err as Error).message.split('\n')[0]})`, { cause: err });
  }
}

/**
 * Saves `test-output/screenshots/<name>.png`. `tall`: the page scrolls inside its panes, so the viewport is grown to
 * the connection view's full height for the shot, then restored.
 */
export async function screenshot(page: Page, name: string, tall = false): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  const size = page.viewportSize();
  if (tall && size) {
    // Runs in the page (the test tsconfig has no DOM lib, hence the string).
    const h = Number(await page.evaluate("(() => { const v = document.querySelector('.conn-view'); return v ? v.scrollHeight + (document.body.clientHeight - v.clientHeight) : document.body.scrollHeight; })()"));
    const height = Math.min(8000, Math.max(size.height, h));
    await page.setViewportSize({ width: size.width, height });
    await page.screenshot({ path, animations: 'disabled' });
    // The same page in viewport-sized parts, readable one by one.
    for (let y = 0, i = 1; y < height; y += size.height, i++) {
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-part${i}.png`), animations: 'disabled', clip: { x: 0, y, width: size.width, height: Math.min(size.height, height - y) } });
    }
    await page.setViewportSize(size);
  } else {
    await page.screenshot({ path, animations: 'disabled' });
  }
  return path;
}
