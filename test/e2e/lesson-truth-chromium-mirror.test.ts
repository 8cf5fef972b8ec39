// What tlslab tells about headless Chromium through it in mirror mode, on the built-in lab: the chain tlslab presented,
// verified as Chromium verifies it (tlslab's CA the only anchor), with the missing intermediate drawn "not sent" on
// the dashboard; a 1024-bit leaf that Chromium loads under a root it was given, and why.
import { ACCEPTED_UNDER_USER_ROOT } from '../../src/x509/browser-rules';
import { visit, SCREENSHOT_DIR } from '../helpers/chromium-proxy';
import { classifiedConn, labHost, mark } from '../helpers/lab-proxy-conns';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { acceptedConn, LessonBrowsers } from '../helpers/lesson-truth-browsers';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(60_000);

describeWithTools(['chromium', 'certutil'], 'lesson truth with Chromium (mirror mode)', () => {
  let mirror: TestTlslab;
  const browsers = new LessonBrowsers();

  beforeAll(async () => {
    mirror = await startTestTlslab({ lab: true, uiPort: 0, upstreamFailure: ['mirror'] });
  });
  afterAll(async () => {
    await browsers.close();
    await mirror?.close();
  });

  it('mirror mode: the presented chain as Chromium judges it (untrusted root, missing intermediate drawn “not sent”); rsa1024 loads and tlslab says why', async () => {
    const b = await browsers.through(mirror, true);
    const seen: Record<string, string[] | undefined> = {};
    let incomplete: string | null = null;
    for (const name of ['untrusted-root', 'incomplete-chain']) {
      const since = mark(mirror);
      const v = await visit(b, `https://${labHost(name)}/`, `lesson-truth-mirror-${name}`);
      expect([name, v.error]).toEqual([name, 'ERR_CERT_AUTHORITY_INVALID']);
      const conn = await classifiedConn(mirror, labHost(name), since, (o) => o === 'rejected-alert');
      const presented = conn.one('tls:presented');
      seen[name] = presented.verdict?.findings.filter((f) => f.severity === 'error').map((f) => f.code);
      if (name === 'incomplete-chain') incomplete = conn.id;
    }
    expect(seen).toEqual({ 'untrusted-root': ['CHAIN_UNTRUSTED_ROOT'], 'incomplete-chain': ['CHAIN_MISSING_INTERMEDIATE'] });
    const dash = await browsers.dashboard(mirror, incomplete ?? '');
    await dash.locator('#chains .cert-missing').getByText('tlslab Mirror Intermediate').first().waitFor({ timeout: 8000 });
    expect(await dash.locator('.chain-client .cert-missing').count()).toBe(1);
    await dash.locator('.chain-client .cert-missing').scrollIntoViewIfNeeded();
    await dash.screenshot({ path: `${SCREENSHOT_DIR}/lesson-truth-mirror-incomplete-chain-1280.png` });
    await dash.close();

    const since = mark(mirror);
    const weak = await visit(b, `https://${labHost('rsa1024')}/`);
    expect([weak.status, weak.error]).toEqual([200, null]);
    const conn = await acceptedConn(mirror, labHost('rsa1024'), since);
    expect(conn.outcome?.explanation).toContain(ACCEPTED_UNDER_USER_ROOT.KEY_RSA_TOO_SMALL as string);
    expect(conn.outcome?.explanation).not.toMatch(/clicked|proceed past/);
  });
});
