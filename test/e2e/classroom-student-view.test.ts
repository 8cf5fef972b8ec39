// Classroom mode in Chromium: a student's browser signs in to the proxy (Basic, with a non-ASCII name), opens
// http://tlslab/ and watches its own HTTPS connection appear live — and nobody else's; the instructor's dashboard
// shows both students by name, the room overview, the student filter and the spotlight; a lesson answered in the
// student's view is kept by the server and shows on the instructor's room overview live. Real tlslab, real lab origins.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { studentId } from '../../src/classroom';
import { launchChromium, makeNssHome, type TrustedHome } from '../helpers/chromium-proxy';
import { openPage, screenshot } from '../helpers/dashboard-browser';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

const CODE = 'willow-comet-19';
const ZOE = 'Zoë Ångström';
const GRACE = 'Grace Hopper';
const ZOE_ID = studentId(ZOE);
const GRACE_ID = studentId(GRACE);

/** What the page's model holds (read in the page: the test tsconfig has no DOM lib, hence the string). */
interface PageModel {
  conns: { id: string; host: string; student: string | null }[];
}
const MODEL = '(() => { const s = window.tlslab.store; return { conns: [...s.conns.values()].map((r) => ({ id: r.summary.id, host: r.summary.target.host, student: r.summary.student ? r.summary.student.id : null })) }; })()';

describeWithTools(['chromium', 'curl', 'certutil'], 'classroom views in Chromium', () => {
  let app: TestTlslab;
  let home: TrustedHome;
  let student: Browser;
  let studentCtx: BrowserContext;
  let instructor: Browser;

  const curlAs = (name: string, url: string): ReturnType<typeof run> =>
    run('curl', ['-sS', '-o', '/dev/null', '--max-time', '10', '--cacert', app.caFile, '-x', `http://${encodeURIComponent(name)}:${CODE}@127.0.0.1:${app.proxyPort}`, url]);
  const row = (page: Page, host: string): ReturnType<Page['locator']> => page.locator('.row', { has: page.locator('.host', { hasText: host }) });

  beforeAll(async () => {
    app = await startTestTlslab({ classroom: true, classCode: CODE, host: '127.0.0.1', uiPort: 0, lab: true });
    home = makeNssHome([{ nick: 'tlslab teaching CA', pem: app.ca.certPem }]);
    // Signed in to the proxy as Zoe: Playwright answers its 407 (Basic); loopback goes through the proxy too.
    student = await launchChromium(home, { proxyUrl: `http://127.0.0.1:${app.proxyPort}`, proxyAuth: { username: ZOE, password: CODE } });
    studentCtx = await student.newContext({ viewport: { width: 1280, height: 800 } });
    instructor = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await student?.close();
    await instructor?.close();
    await app?.close();
    home?.remove();
  });

  it("the student's http://tlslab/: signed in by the proxy, their own connection live, nobody else's, the CA at hand", async () => {
    const page = await studentCtx.newPage();
    page.setDefaultTimeout(10_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto('http://tlslab/');
    await page.locator('.link-live').waitFor();
    await expect(page.locator('.student-bar .student-name').textContent()).resolves.toBe(ZOE);
    // Another student browses: never on this page.
    await curlAs(GRACE, 'https://expired.lab.tlslab/');
    await app.waitFor((e) => e.type === 'conn:close' && app.events.some((o) => o.type === 'conn:open' && o.conn === e.conn && o.student?.id === GRACE_ID));
    // The student browses in another tab, through the proxy: the row appears live on their view.
    const tab = await studentCtx.newPage();
    const res = await tab.goto('https://valid.lab.tlslab/');
    expect(res?.status()).toBe(200);
    await row(page, 'valid.lab.tlslab').first().waitFor();
    await row(page, 'valid.lab.tlslab').first().click();
    await page.locator('.conn-title h1', { hasText: 'valid.lab.tlslab' }).waitFor();
    await page.locator('.lane-client .msg-label', { hasText: 'ClientHello' }).first().waitFor();
    await expect(page.locator('.conn-title .student-tag').textContent()).resolves.toBe(ZOE);
    // A student's view has no spotlight and no room.
    await expect(page.locator('.spotlight-btn').count()).resolves.toBe(0);
    await expect(page.locator('.room-btn').count()).resolves.toBe(0);
    const model = await page.evaluate<PageModel>(MODEL);
    expect(model.conns.length).toBeGreaterThan(0);
    for (const c of model.conns) expect(c.student).toBe(ZOE_ID);
    expect(model.conns.map((c) => c.host)).not.toContain('expired.lab.tlslab');
    await expect(row(page, 'expired.lab.tlslab').count()).resolves.toBe(0);
    await screenshot(page, 'classroom-student-view');
    // The CA: downloadable from the view, and the install steps one click away.
    const pem = String(await page.evaluate("fetch('/tlslab-ca.pem').then((r) => r.text())"));
    expect(pem).toBe(app.ca.certPem);
    await page.locator('.student-bar a.ca-steps').click();
    await page.waitForURL('http://tlslab/ca');
    await expect(page.locator('body').innerText()).resolves.toContain(app.ca.fingerprint256);
    expect(errors).toEqual([]);
  }, 30_000);

  it('the instructor: names in the list and the header, the room overview, the student filter, the spotlight', async () => {
    const { page, errors } = await openPage(instructor, app.dashboardUrl as string, 1600, 900);
    await page.locator('.link-live').waitFor();
    await row(page, 'expired.lab.tlslab').first().waitFor();
    await expect(row(page, 'expired.lab.tlslab').first().locator('.student').textContent()).resolves.toBe(GRACE);
    await expect(row(page, 'valid.lab.tlslab').first().locator('.student').textContent()).resolves.toBe(ZOE);

    // The room overview: one line per student, with their counts and lab cases.
    await page.locator('.room-btn', { hasText: 'Room (2)' }).click();
    const line = (name: string): ReturnType<Page['locator']> => page.locator('.room-row', { has: page.locator('.room-name', { hasText: name }) });
    await line(GRACE).waitFor();
    await expect(page.locator('.room-row .room-name').allTextContents()).resolves.toEqual([GRACE, ZOE]);
    await expect(line(GRACE).locator('td').nth(1).textContent()).resolves.toBe('✗ 1');
    await expect(line(GRACE).locator('.room-labs .tag').allTextContents()).resolves.toEqual(['expired']);
    await expect(line(ZOE).locator('.room-labs .tag').allTextContents()).resolves.toContain('valid');
    await screenshot(page, 'classroom-room-overview');
    // Live: Grace reaches another case; her line follows without a reload.
    await curlAs(GRACE, 'https://self-signed.lab.tlslab/');
    await line(GRACE).locator('.room-labs .tag', { hasText: 'self-signed' }).waitFor();
    await expect(line(GRACE).locator('td').nth(0).textContent()).resolves.toBe('2');

    // Show: the list filtered to one student (and the URL says so).
    await line(ZOE).locator('button[data-act="show"]').click();
    await page.waitForFunction(`document.querySelectorAll('.row').length > 0 && [...document.querySelectorAll('.row .student')].every((e) => e.textContent === ${JSON.stringify(ZOE)})`);
    expect(new URL(page.url()).searchParams.get('student')).toBe(ZOE_ID);
    // The search box's student: term does the same.
    await page.locator('.student-sel').selectOption('');
    await page.locator('.search').fill(`student:"${GRACE.toLowerCase()}"`);
    await page.waitForFunction(`[...document.querySelectorAll('.row .student')].every((e) => e.textContent === ${JSON.stringify(GRACE)}) && document.querySelectorAll('.row').length === 2`);
    await page.locator('.search').fill('');

    // Spotlight Grace: follow mode, large, limited to her; another student's new connection does not take over.
    await line(GRACE).locator('button[data-act="spotlight"]').click();
    await page.locator('body.follow.spotlight').waitFor();
    await expect(page.locator('.spot-pill .spot-name').textContent()).resolves.toBe(GRACE);
    await page.locator('.conn-title h1', { hasText: 'self-signed.lab.tlslab' }).waitFor();
    expect(new URL(page.url()).searchParams.get('spotlight')).toBe(GRACE_ID);
    await curlAs(ZOE, 'https://not-yet-valid.lab.tlslab/');
    await curlAs(GRACE, 'https://wrong-host.lab.tlslab/');
    await page.locator('.conn-title h1', { hasText: 'wrong-host.lab.tlslab' }).waitFor();
    await expect(page.locator('.conn-title .student-tag').textContent()).resolves.toBe(GRACE);
    await screenshot(page, 'classroom-spotlight');
    // Ending it leaves follow mode.
    await page.locator('.spot-end').click();
    await page.locator('body:not(.follow)').waitFor();
    expect(new URL(page.url()).searchParams.get('spotlight')).toBeNull();

    // The URL alone starts it (by name, as an instructor would type it), on the projector.
    const { page: projector, errors: errors2 } = await openPage(instructor, `${app.dashboardUrl}?spotlight=${encodeURIComponent('zoë ångström')}`, 1920, 1080);
    await projector.locator('body.follow.spotlight').waitFor();
    await projector.locator('.conn-title h1', { hasText: 'not-yet-valid.lab.tlslab' }).waitFor();
    await expect(projector.locator('.spot-pill .spot-name').textContent()).resolves.toBe(ZOE);
    // From a connection's header: "Spotlight NAME" shows that very connection, then follows.
    await projector.locator('.spot-end').click();
    await projector.locator('.list-pane').waitFor();
    await row(projector, 'expired.lab.tlslab').first().click();
    await projector.locator('.spotlight-btn', { hasText: `Spotlight ${GRACE}` }).click();
    await projector.locator('body.follow.spotlight').waitFor();
    await projector.locator('.conn-title h1', { hasText: 'expired.lab.tlslab' }).waitFor();
    // ?student= by name, as typed: the list keeps that student's rows, and the menu names them properly.
    const { page: filtered, errors: errors3 } = await openPage(instructor, `${app.dashboardUrl}?student=${encodeURIComponent('grace hopper')}`);
    await filtered.waitForFunction(`document.querySelectorAll('.row').length === 3 && [...document.querySelectorAll('.row .student')].every((e) => e.textContent === ${JSON.stringify(GRACE)})`);
    await expect(filtered.locator('.student-sel option:checked').textContent()).resolves.toBe(GRACE);
    await expect(filtered.locator('.student-sel option').allTextContents()).resolves.toEqual(['All students', GRACE, ZOE]);
    expect([...errors, ...errors2, ...errors3]).toEqual([]);
  }, 30_000);

  it("a lesson answered in the student's view: kept by the server (not the browser), on the instructor's room live", async () => {
    const { page: desk, errors } = await openPage(instructor, `${app.dashboardUrl}?room=1`, 1600, 900);
    const line = desk.locator('.room-row', { has: desk.locator('.room-name', { hasText: ZOE }) });
    await line.waitFor();
    await expect(line.locator('.room-lessons').textContent()).resolves.toBe('—');

    const page = await studentCtx.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto('http://tlslab/');
    await page.locator('.link-live').waitFor();
    await page.getByRole('button', { name: /Lessons/ }).click();
    await page.locator('.lesson-pick').selectOption('valid-handshake');
    // The instructor sees which lesson she is on, before she answers anything.
    await line.locator('.room-lessons .lesson-on', { hasText: '→ valid-handshake 0/4' }).waitFor();
    const q = page.locator('[data-question="first-encrypted"]');
    await q.locator('select[aria-label="Answer"]').selectOption({ label: 'EncryptedExtensions' });
    await q.getByRole('button', { name: 'Check' }).click();
    await q.locator('.grade-correct').waitFor();
    await line.locator('.room-lessons .lesson-on', { hasText: '→ valid-handshake 1/4' }).waitFor();
    await screenshot(desk, 'classroom-room-lessons');

    // Nothing in this browser's storage (classmates may share it); a reload comes back to the server's progress.
    await expect(page.evaluate("localStorage.getItem('tlslab-lessons')")).resolves.toBeNull();
    await page.reload();
    await page.getByRole('button', { name: /Lessons/ }).click();
    await expect(page.locator('.lesson-pick').inputValue()).resolves.toBe('valid-handshake');
    await page.locator('[data-question="first-encrypted"] .grade-correct').waitFor();
    await expect(page.locator('.lesson-progress').textContent()).resolves.toBe('1 of 4 answered');
    const progress = JSON.parse(String(await page.evaluate("fetch('/api/lessons/progress').then((r) => r.text())"))) as { current: string; grades: Record<string, Record<string, { status: string }>> };
    expect(progress.current).toBe('valid-handshake');
    expect(progress.grades['valid-handshake']?.['first-encrypted']?.status).toBe('correct');
    // Grace has none of it.
    const other = await run('curl', ['-sS', '-x', `http://${encodeURIComponent(GRACE)}:${CODE}@127.0.0.1:${app.proxyPort}`, 'http://tlslab/api/lessons/progress']);
    expect(JSON.parse(other.stdout)).toEqual({ current: null, grades: {} });
    expect(errors).toEqual([]);
  }, 30_000);
});
