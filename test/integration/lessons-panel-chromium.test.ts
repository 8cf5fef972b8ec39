// One lesson walked end to end in Chromium, through the profile `tlslab browser` makes (proxy, loopback proxied, the
// tlslab CA trusted in its own NSS database): the dashboard's lesson panel is opened, the lab case is visited, the
// panel finds the student's connection, a question about it is answered by leg and step, and it comes back checked.
// Then a lesson's "where to look" links open the connection view at the step, message and field (from the panel and
// from the URL), and the connection view's own header opens the replay and the key schedule; a place bound to a task
// links to that task's connection only.
import os from 'node:os';
import { chromium, type BrowserContext } from 'playwright-core';
import { browserProfile, type BrowserProfile } from '../../src/commands/browser-profile';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';
import { requireBuilt } from '../helpers/cli';

jest.setTimeout(90_000);

describeWithTools(['chromium', 'certutil'], 'the lesson panel in Chromium', () => {
  let app: TestTlslab;
  let profile: BrowserProfile;
  let context: BrowserContext;

  beforeAll(async () => {
    requireBuilt();
    app = await startTestTlslab({ lab: true, uiPort: 0 });
    profile = browserProfile({
      kind: 'chromium', proxy: { host: '127.0.0.1', port: app.proxyPort }, caPem: app.ca.certPem, dashboard: app.dashboardUrl,
      headless: true, root: os.userInfo().uid === 0,
    });
    // The same flags as `tlslab browser`; Playwright names the profile folder and the headless mode itself.
    const args = profile.args.filter((a) => !a.startsWith('--user-data-dir=') && !a.startsWith('--headless'));
    context = await chromium.launchPersistentContext(profile.args.find((a) => a.startsWith('--user-data-dir='))?.split('=')[1] as string, {
      executablePath: '/usr/bin/chromium', headless: true, args, env: { ...process.env, ...profile.env }, timeout: 30_000,
    });
  });
  afterAll(async () => {
    await context?.close();
    profile?.remove();
    await app?.close();
  });

  it('picks a lesson, notices the student\'s connection to the lab case, and checks an answer about it', async () => {
    const panel = await context.newPage();
    await panel.goto(app.dashboardUrl as string);
    await panel.getByRole('button', { name: /Lessons/ }).click();
    await panel.locator('.lesson-pick').selectOption('certificate-dates');
    await panel.getByText('Waiting for your connection…').first().waitFor();

    const lab = await context.newPage();
    const res = await lab.goto('https://expired.lab.tlslab/');
    expect(res?.status()).toBe(502); // tlslab's teaching page: the lab server's certificate expired

    const task = panel.locator('[data-task="expired"]');
    const connButton = task.locator('.task-conn');
    await connButton.waitFor({ timeout: 20_000 });
    const conn = await connButton.textContent();
    expect(app.bus.summary(conn as string)?.lab).toBe('expired');

    const where = task.locator('[data-question="where"]');
    await where.locator('select[aria-label="Leg"]').selectOption('upstream');
    await where.locator('select[aria-label="Step"]').selectOption('3');
    await where.getByRole('button', { name: 'Check' }).click();
    await where.locator('.grade-correct').waitFor();
    expect(await where.locator('.grade').textContent()).toContain('upstream:3');

    // A wrong answer says what the connection shows instead.
    const check = task.locator('[data-question="check"]');
    await check.locator('select[aria-label="Answer"]').selectOption('hostname');
    await check.getByRole('button', { name: 'Check' }).click();
    await check.locator('.grade-wrong').waitFor();
    expect(await check.locator('.grade').textContent()).toContain('your connection says validity');

    // Step-through replay of that connection: one message at a time, forward and back, in either order.
    await task.getByRole('button', { name: '▶ Replay' }).click();
    const replay = panel.locator('dialog.replay-dialog');
    await replay.getByText(`Replay of ${conn}`).waitFor();
    const total = Number((await replay.locator('.replay-pos').textContent())?.split(' / ')[1]);
    expect(total).toBeGreaterThan(10);
    expect(await replay.locator('.replay-now-title').textContent()).toBe('ClientHello');
    await replay.getByRole('button', { name: 'Forward' }).click();
    expect(await replay.locator('.replay-pos').textContent()).toBe(`2 / ${total}`);
    expect(await replay.locator('.replay-current').count()).toBe(1);
    await replay.getByRole('button', { name: 'Back' }).click();
    expect(await replay.locator('.replay-pos').textContent()).toBe(`1 / ${total}`);
    await replay.locator('select[aria-label="Order"]').selectOption('story');
    expect(await replay.locator('.replay-now-where').textContent()).toMatch(/step 1 \(Client Hello\)/);
    await replay.getByRole('button', { name: 'Close' }).click();

    // The key schedule of the same connection, computed from its own secrets.
    await task.getByRole('button', { name: '⚷ Key schedule' }).click();
    const keys = panel.locator('dialog.ks-dialog');
    await keys.locator('section[data-leg="client leg"]').waitFor();
    expect(await keys.locator('section[data-leg="client leg"] h3').textContent()).toMatch(/^client leg: TLS 1\.3 · TLS_AES_/);
    expect(await keys.getByText('label "tls13 c hs traffic"').count()).toBe(2);
    expect(await keys.getByText('✓ equals the server Finished on the wire').count()).toBe(2);
  });

  it('"where to look" links open the connection view at the step, message and field; its header opens replay and key schedule', async () => {
    const panel = await context.newPage();
    const errors: string[] = [];
    panel.on('pageerror', (e) => errors.push(String(e)));
    await panel.setViewportSize({ width: 1600, height: 900 });
    await panel.goto(app.dashboardUrl as string);
    await panel.getByRole('button', { name: /Lessons/ }).click();
    await panel.locator('.lesson-pick').selectOption('valid-handshake');
    const look = panel.locator('.lesson-look');
    await look.getByText('(a link once your connection is here)').first().waitFor();

    const lab = await context.newPage();
    expect((await lab.goto('https://valid.lab.tlslab/'))?.status()).toBe(200);
    const connButton = panel.locator('[data-task="load-valid"] .task-conn');
    await connButton.waitFor({ timeout: 20_000 });
    const conn = (await connButton.textContent()) as string;
    expect(app.bus.summary(conn)?.lab).toBe('valid');

    // The ClientHello on the client leg, step 1, at its key_share.
    const hello = look.getByRole('link', { name: 'The ClientHello your browser sent, and the key share it already carries' });
    expect(await hello.getAttribute('href')).toBe(`?conn=${conn}&leg=client&step=1&message=client_hello&field=key_share`);
    await hello.click();
    await panel.locator('.conn-title .conn-id', { hasText: `${conn} ·` }).waitFor();
    const lane = panel.locator('.lane.look-here[data-leg="client"][data-step="1"]');
    await lane.waitFor();
    expect(await lane.locator('.msg.look-here .msg-label').textContent()).toBe('ClientHello');
    expect(await panel.locator('.hex-head h3').textContent()).toMatch(/^ClientHello \(client_hello, type 1\)/);
    const field = panel.locator('.field-tree li.lit');
    expect(await field.getAttribute('data-name')).toBe('key_share');
    expect(await panel.locator('.hex-status .status-name').textContent()).toBe('key_share');
    expect(await panel.locator('.hex-dump .b.lit').count()).toBeGreaterThan(36); // its key share: 32 bytes for x25519 and more
    await panel.waitForFunction("(() => { const r = document.querySelector('.field-tree li.lit > .field-line').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()");
    expect(await panel.locator('.look-here').count()).toBe(2); // the step on the client leg and its ClientHello, nothing else

    // The upstream leg's certificates: that chain is lit and scrolled to.
    await look.getByRole('link', { name: "The lab server's certificate and tlslab's verdict on it" }).click();
    const chain = panel.locator('.chain-upstream.look-here');
    await chain.waitFor();
    await panel.waitForFunction("(() => { const r = document.querySelector('.chain-upstream.look-here').getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0; })()");
    expect(await panel.locator('.look-here').count()).toBe(1);

    // The connection view's header: step-through replay and the key schedule, for this connection.
    const head = panel.locator('.conn-head');
    await head.getByRole('button', { name: '▶ Replay' }).click();
    const replay = panel.locator('dialog.replay-dialog');
    await replay.getByText(`Replay of ${conn}`).waitFor();
    expect(await replay.locator('.replay-now-title').textContent()).toBe('ClientHello');
    await replay.getByRole('button', { name: 'Forward' }).click();
    expect(await replay.locator('.replay-pos').textContent()).toMatch(/^2 \/ \d+$/);
    await replay.getByRole('button', { name: 'Close' }).click();
    await head.getByRole('button', { name: '⚷ Key schedule' }).click();
    const keys = panel.locator('dialog.ks-dialog');
    await keys.getByText(`Key schedule of ${conn}`).waitFor();
    expect(await keys.locator('section[data-leg="upstream leg"] h3').textContent()).toMatch(/^upstream leg: TLS 1\.3 · TLS_AES_/);
    expect(await keys.getByText('✓ equals the client Finished on the wire').count()).toBe(2);
    await keys.getByRole('button', { name: 'Close' }).click();
    expect(await panel.locator('dialog[open]').count()).toBe(0);

    // A place from the address alone (a fresh page), a message without a field: the step stays in view, its bytes
    // open under the ladder, and the parameters are read once and dropped.
    const fresh = await context.newPage();
    await fresh.setViewportSize({ width: 1600, height: 900 });
    await fresh.goto(`${app.dashboardUrl as string}?conn=${conn}&leg=upstream&step=2&message=server_hello`);
    await fresh.locator('.lane.look-here[data-leg="upstream"][data-step="2"] .msg.look-here', { hasText: 'ServerHello' }).waitFor();
    await fresh.waitForFunction("(() => { const r = document.querySelector('.msg.look-here').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; })()");
    expect(await fresh.locator('.hex-head h3').textContent()).toMatch(/^ServerHello \(server_hello, type 2\)/);
    expect(await fresh.locator('.hex-caption').textContent()).toMatch(/^upstream leg · server → tlslab/);
    expect(new URL(fresh.url()).search).toBe(`?conn=${conn}`);
    expect(errors).toEqual([]);
  });
  it('a "where to look" place bound to a task waits for that task\'s connection, not the first one found', async () => {
    const panel = await context.newPage();
    await panel.goto(app.dashboardUrl as string);
    await panel.getByRole('button', { name: /Lessons/ }).click();
    await panel.locator('.lesson-pick').selectOption('slow-and-reset');
    const look = panel.locator('.lesson-look');
    await look.getByText('(a link once your connection for task 1 is here)').waitFor();
    await look.getByText('(a link once your connection for task 2 is here)').waitFor();

    // Only the second task's case: the lab server hangs up mid-handshake, so the page itself fails.
    const lab = await context.newPage();
    await lab.goto('https://reset-mid-handshake.lab.tlslab/').catch(() => null);
    const connButton = panel.locator('[data-task="reset"] .task-conn');
    await connButton.waitFor({ timeout: 20_000 });
    const conn = (await connButton.textContent()) as string;
    expect(app.bus.summary(conn)?.lab).toBe('reset-mid-handshake');

    const link = look.getByRole('link', { name: 'The end of the upstream leg of the reset connection' });
    await link.waitFor();
    expect(new URLSearchParams((await link.getAttribute('href')) ?? '').get('conn')).toBe(conn);
    // The first place is on the slow task's connection, which has not come: still words, not a link to this one.
    expect(await look.getByRole('link', { name: /The time between/ }).count()).toBe(0);
    expect(await look.getByText('(a link once your connection for task 1 is here)').count()).toBe(1);
    await lab.close();
    await panel.close();
  });
});
