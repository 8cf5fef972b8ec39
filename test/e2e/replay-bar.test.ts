// The replay bar of `tlslab open`, clicked in Chromium: a session recorded with `tlslab start --record` (curl through
// the proxy to the built-in lab: a good site, then an expired one) opened with `tlslab open --play step`. Next step
// grows the ladder one message at a time, in order; a connection's step-through replay goes back; ▶ Play plays at
// real speed, » All shows the rest, and the expired site's failing step is lit. Real processes, real Chromium.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { TlslabEvent } from '../../src/events/schema';
import { run, tempDir } from '../helpers/capture-tools';
import { BIN, REPO, requireBuilt } from '../helpers/cli';
import { launchChromium, openPage, waitForLive } from '../helpers/dashboard-browser';
import { startTestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(180_000);

/** Event types the ladder draws as an arrow (src/dashboard/ladder-model.ts); application data may join the arrow before. */
const ARROWS = new Set(['tls:handshake', 'tls:ccs', 'tls:alert', 'tls:tcp-end', 'tls:decode-error', 'tls:appdata']);

/** The arrows of both lanes of the open connection, in order, as `leg: label`. */
async function arrows(page: Page): Promise<{ client: string[]; upstream: string[] }> {
  const lane = async (leg: string): Promise<string[]> => (await page.locator(`.lane-${leg} .msg.is-arrow .msg-label`).allTextContents()).map((s) => s.trim());
  return { client: await lane('client'), upstream: await lane('upstream') };
}

/** Event types "Next step" stops after (src/replay/player.ts); the others come along with the step they belong to. */
const STOPS = new Set(['conn:open', 'tls:handshake', 'tls:ccs', 'tls:alert', 'tls:appdata', 'tls:undecryptable', 'tls:decode-error', 'tls:verdict', 'tls:client-outcome', 'tls:tcp-end', 'http:request', 'http:response', 'conn:error', 'conn:close']);

/** A label without the count of joined application-data records. */
const bare = (label: string): string => label.replace(/\s*×\d+$/u, '');

/** `a` appears in `b` in the same order (other items may be between). */
function isSubsequence(a: string[], b: string[]): boolean {
  let j = 0;
  for (const x of b) if (j < a.length && x === a[j]) j++;
  return j === a.length;
}

describeWithTools(['curl', 'chromium'], 'the replay bar of tlslab open, in Chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  let open: ChildProcess | null = null;
  let url = '';
  let browser: Browser | null = null;

  beforeAll(async () => {
    requireBuilt();
    tmp = tempDir('tlslab-replay-bar-');
    const record = path.join(tmp.dir, 'lesson.pcapng');
    const app = await startTestTlslab({ lab: true, record });
    const curl = (u: string) => run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', app.caFile, '-x', app.proxyUrl, u]);
    expect((await curl('https://valid.lab.tlslab/')).stdout).toBe('200');
    expect((await curl('https://expired.lab.tlslab/')).stdout).toBe('502'); // the teaching page
    for (let i = 0; i < 100 && app.bus.summaries().some((s) => s.closedAt === null); i++) await new Promise((r) => setTimeout(r, 50));
    await app.close();
    open = spawn(process.execPath, [BIN, 'open', record, '--ui-port', '0', '--play', 'step'], { cwd: REPO, env: { ...process.env, TLSLAB_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    open.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const child = open;
    url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`tlslab open printed no dashboard address: ${out}`)), 30_000);
      child.stdout?.on('data', () => {
        const m = /Dashboard {3}(http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`tlslab open exited (${code}): ${out}`)));
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (open && open.exitCode === null) {
      const child = open;
      await new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      });
    }
    tmp?.cleanup();
  });

  it('steps through the ladder message by message, goes back in the step-through replay, then plays and shows the failing step', async () => {
    const { page, errors } = await openPage(browser as Browser, url, 1400, 900);
    await waitForLive(page, [errors]);
    const bar = page.locator('.playback');
    await bar.waitFor();
    await expect(bar.locator('.playback-status').textContent()).resolves.toContain('step by step');
    // Waiting on the first step: nothing is listed yet.
    expect(await page.locator('.row').count()).toBe(0);
    const step = bar.locator('button[data-action="step"]');
    // The events played so far (both connections), in order.
    const played = async (): Promise<TlslabEvent[]> => {
      const lists = await Promise.all(['c1', 'c2'].map(async (c) => {
        const r = await fetch(`${url}api/connections/${c}/events`);
        return r.ok ? ((await r.json()) as TlslabEvent[]) : [];
      }));
      return lists.flat().sort((a, b) => a.seq - b.seq);
    };
    let total = 0;
    /** Clicks Next step and waits until the player has played the step: more events, the last one a step's stop. */
    const next = async (): Promise<TlslabEvent[]> => {
      await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/replay') && r.request().method() === 'POST'), step.click()]);
      for (let i = 0; i < 400; i++) {
        const all = await played();
        const last = all[all.length - 1];
        if (all.length > total && last && STOPS.has(last.type)) {
          const fresh = all.slice(total);
          total = all.length;
          return fresh;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the player did not play the next step');
    };
    await next();
    await page.locator('.row[data-id="c1"]').waitFor();
    await page.locator('.row[data-id="c1"]').click();
    await page.locator('.conn-title h1', { hasText: 'valid.lab.tlslab' }).waitFor();
    await page.locator('.ladders').waitFor();

    // Step by step until the second connection opens: each step that carries a message adds one arrow to one lane (or,
    // for application data, joins the arrow before it); what was drawn stays, in order.
    let before = await arrows(page);
    let grew = 0;
    for (let i = 0; i < 200 && (await page.locator('.row[data-id="c2"]').count()) === 0; i++) {
      const fresh = (await next()).filter((e) => e.conn === 'c1');
      // One step is one line of the story at most.
      expect(fresh.filter((e) => STOPS.has(e.type)).length).toBeLessThanOrEqual(1);
      if (!fresh.some((e) => ARROWS.has(e.type))) continue;
      const was = JSON.stringify(before);
      // Until the page has drawn it (the events come over its stream). Runs in the page: the test tsconfig has no DOM lib.
      await page.waitForFunction(`(() => { const lane = (leg) => [...document.querySelectorAll('.lane-' + leg + ' .msg.is-arrow .msg-label')].map((e) => (e.textContent || '').trim()); return JSON.stringify({ client: lane('client'), upstream: lane('upstream') }) !== ${JSON.stringify(was)}; })()`);
      const now = await arrows(page);
      const added = now.client.length + now.upstream.length - before.client.length - before.upstream.length;
      const where = { i, fresh: fresh.map((e) => e.type), before, now };
      expect({ ...where, added: added === 0 || added === 1 }).toEqual({ ...where, added: true });
      for (const leg of ['client', 'upstream'] as const) {
        // Every arrow drawn before is still there, in the same order (the ladder files each one under its step, so a new
        // one may land above a later step's; application data may have grown: "Application data ×2").
        expect({ leg, kept: isSubsequence(before[leg].map(bare), now[leg].map(bare)) }).toEqual({ leg, kept: true });
      }
      if (added === 1) grew++;
      before = now;
    }
    expect(await page.locator('.row[data-id="c2"]').count()).toBe(1);
    // The whole handshake of both legs came one message at a time.
    expect(before.client).toEqual(expect.arrayContaining(['ClientHello', 'ServerHello', 'Finished']));
    expect(before.upstream).toEqual(expect.arrayContaining(['ClientHello', 'ServerHello', 'Finished']));
    expect(grew).toBeGreaterThanOrEqual(before.client.length + before.upstream.length - 2);
    expect(before.client.indexOf('ClientHello')).toBeLessThan(before.client.indexOf('ServerHello'));

    // The connection's step-through replay: forward three messages, then back one.
    await page.locator('.conn-replay').click();
    const dialog = page.locator('dialog.replay-dialog');
    await dialog.locator('.replay-pos').waitFor();
    const pos = async (): Promise<string> => (await dialog.locator('.replay-pos').textContent()) ?? '';
    expect(await pos()).toMatch(/^1 \/ \d+$/);
    for (let i = 0; i < 3; i++) await dialog.getByRole('button', { name: 'Forward' }).click();
    expect(await pos()).toMatch(/^4 \/ \d+$/);
    const shown = await dialog.locator('.replay-item').count();
    const current = await dialog.locator('.replay-current').textContent();
    await dialog.getByRole('button', { name: 'Back' }).click();
    expect(await pos()).toMatch(/^3 \/ \d+$/);
    expect(await dialog.locator('.replay-item').count()).toBe(shown - 1);
    expect(await dialog.locator('.replay-current').textContent()).not.toBe(current);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Real speed, then everything at once.
    const play = bar.locator('button[data-action="play"]');
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/replay') && r.request().method() === 'POST'), play.click()]);
    // Playing at ×1 (the button pressed), or already at the end of a short recording.
    const status = (await bar.locator('.playback-status').textContent()) ?? '';
    expect([status, await play.getAttribute('aria-pressed')]).toEqual(status.includes('replayed') ? [expect.stringContaining('replayed'), 'false'] : [expect.stringContaining('playing ×1'), 'true']);
    const all = bar.locator('button[data-action="all"]');
    if (await all.isEnabled()) await all.click();
    await bar.locator('.playback-status', { hasText: 'replayed' }).waitFor();
    expect(await page.locator('.row').count()).toBe(2);

    // The expired site's connection: step 3 failed on the upstream leg, lit.
    await page.locator('.row[data-id="c2"]').click();
    await page.locator('.conn-title h1', { hasText: 'expired.lab.tlslab' }).waitFor();
    await expect(page.locator('.band-failed').getAttribute('data-step')).resolves.toBe('3');
    await expect(page.locator('.band.step-3 .lane-upstream .fail-text').textContent()).resolves.toContain('expired');
    expect(errors).toEqual([]);
  });
});
