// Headless Chromium through tlslab on the lab: trusting the tlslab CA (pages load, the client leg is accepted) or not
// (certificate_unknown, encrypted), and mirror mode giving the same net error as visiting the lab origin directly.
import type { Browser } from 'playwright-core';
import { describeWithTools } from '../helpers/tools';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { classifiedConn, labHost, mark } from '../helpers/lab-proxy-conns';
import { launchChromium, makeNssHome, visit, type TrustedHome, type Visit } from '../helpers/chromium-proxy';

jest.setTimeout(90_000);

describeWithTools(['chromium', 'certutil'], 'headless Chromium through tlslab (mirror mode) on the lab', () => {
  let app: TestTlslab;
  const homes: TrustedHome[] = [];
  const browsers: Browser[] = [];

  beforeAll(async () => {
    app = await startTestTlslab({ lab: true, slowHandshakeMs: 300, upstreamFailure: ['mirror'] });
  });
  afterAll(async () => {
    await Promise.all(browsers.map((b) => b.close()));
    for (const h of homes) h.remove();
    await app?.close();
  });

  async function browser(trust: { nick: string; pem: string }[], o: Parameters<typeof launchChromium>[1] = {}): Promise<Browser> {
    const home = makeNssHome(trust);
    homes.push(home);
    const b = await launchChromium(home, o);
    browsers.push(b);
    return b;
  }

  /** Chromium visits `https://<case>.lab.tlslab/` through tlslab; `since` marks where tlslab's record of it begins. */
  async function through(b: Browser, name: string, shot?: string): Promise<{ visit: Visit; since: number }> {
    const since = mark(app);
    return { visit: await visit(b, `https://${labHost(name)}/`, shot), since };
  }

  it('trusting the tlslab CA: the valid case loads, and the client leg is accepted', async () => {
    const b = await browser([{ nick: 'tlslab', pem: app.ca.certPem }], { proxyUrl: app.proxyUrl });
    const { visit: v, since } = await through(b, 'valid');
    expect(v).toMatchObject({ error: null, status: 200, title: 'tlslab lab: valid' });
    const used = await classifiedConn(app, labHost('valid'), since, (o) => o === 'accepted');
    expect(used.one('tls:established', (e) => e.leg === 'client').version.name).toBe('TLS 1.3');
    expect(used.all('http:request').map((r) => r.url)).toContain('/');
  });

  it('not trusting it: ERR_CERT_AUTHORITY_INVALID; certificate_unknown (46), encrypted after ChangeCipherSpec, no Finished', async () => {
    const b = await browser([], { proxyUrl: app.proxyUrl });
    const { visit: v, since } = await through(b, 'valid', 'chromium-untrusted-tlslab-ca');
    expect(v.error).toBe('ERR_CERT_AUTHORITY_INVALID');
    // Whatever else Chromium opened, no connection of this page load accepted the certificate.
    const conn = await classifiedConn(app, labHost('valid'), since, () => true);
    expect(conn.outcome?.outcome).toBe('rejected-alert');
    const outcome = conn.outcome!;
    expect(outcome.alert).toMatchObject({ description: { code: 46, name: 'certificate_unknown' }, encrypted: true });
    expect(outcome.explanation).toMatch(/certificate_unknown.*install it from http:\/\/tlslab\//);
    // TLS 1.3: the compatibility ChangeCipherSpec, then the alert under the handshake keys; never the Finished.
    const serverHello = conn.one('tls:handshake', (e) => e.leg === 'client' && e.msgType.name === 'server_hello');
    expect(serverHello.details).toMatchObject({ version: { name: 'TLS 1.3' } });
    const ccs = conn.one('tls:ccs', (e) => e.leg === 'client' && e.from === 'client');
    const alert = conn.one('tls:alert', (e) => e.leg === 'client' && e.from === 'client');
    expect([ccs.compatibility, alert.description.code, alert.encrypted, alert.fatal]).toEqual([true, 46, true, true]);
    expect(ccs.seq).toBeLessThan(alert.seq);
    expect(conn.messages('client', 'client')).toEqual(['client_hello']);
    const opened = app.events.slice(since).filter((e) => e.type === 'conn:open').map((e) => e.conn);
    expect(app.events.filter((e) => e.type === 'tls:client-outcome' && opened.includes(e.conn) && e.outcome === 'accepted')).toEqual([]);
  });

  /** The cases mirror mode must reproduce in Chromium, with the error the issue names. */
  const REQUIRED: Record<string, string> = {
    expired: 'ERR_CERT_DATE_INVALID',
    'wrong-host': 'ERR_CERT_COMMON_NAME_INVALID',
    'untrusted-root': 'ERR_CERT_AUTHORITY_INVALID',
  };

  it('mirror mode: Chromium reports the same net error through tlslab as on the lab origin directly', async () => {
    const direct = await browser([{ nick: 'tlslab Lab Root', pem: app.lab!.rootPem }], { resolve: ['MAP *.lab.tlslab 127.0.0.1'] });
    const proxied = await browser([{ nick: 'tlslab', pem: app.ca.certPem }], { proxyUrl: app.proxyUrl });
    const directly: Record<string, string | null> = {};
    const viaTlslab: Record<string, string | null> = {};
    for (const c of app.lab!.cases) {
      if (c.name === 'reset-mid-handshake') continue; // no certificate to mirror: tlslab answers with its 502 page
      directly[c.name] = (await visit(direct, `https://${c.host}:${c.port}/`, REQUIRED[c.name] ? `chromium-direct-${c.name}` : undefined)).error;
      const { visit: v, since } = await through(proxied, c.name, REQUIRED[c.name] ? `chromium-mirror-${c.name}` : undefined);
      viaTlslab[c.name] = v.error;
      if (v.error !== null) {
        // The browser refused the mirrored leaf: tlslab saw 46 and says why from what it presented.
        const refused = await classifiedConn(app, c.host, since, (o) => o === 'rejected-alert');
        expect([c.name, refused?.outcome?.alert?.description.code, refused?.one('tls:presented').mode]).toEqual([c.name, 46, 'mirror']);
        expect(refused?.outcome?.explanation).toMatch(/same flaw as the real server/);
      }
    }
    expect(viaTlslab).toEqual(directly);
    for (const [name, error] of Object.entries(REQUIRED)) expect([name, viaTlslab[name]]).toEqual([name, error]);
    // What the lab documents for Chromium (direct), now seen through tlslab too.
    for (const c of app.lab!.cases.filter((x) => x.name in viaTlslab)) expect([c.name, viaTlslab[c.name]]).toEqual([c.name, c.expected.chromium ?? null]);
  });

  it('Chromium sent nothing but lab origins through tlslab (its Google calls bypass it and fail in its own resolver)', () => {
    const targets = new Set(app.events.filter((e) => e.type === 'conn:open').map((e) => (e.type === 'conn:open' ? e.target.host : '')));
    expect([...targets].filter((h) => !h.endsWith('.lab.tlslab'))).toEqual([]);
  });
});

describeWithTools(['chromium', 'certutil'], 'headless Chromium through tlslab (block mode): the teaching page', () => {
  it('a failing case shows the 502 page listing the findings, in the browser', async () => {
    const app = await startTestTlslab({ lab: true });
    const home = makeNssHome([{ nick: 'tlslab', pem: app.ca.certPem }]);
    const b = await launchChromium(home, { proxyUrl: app.proxyUrl });
    try {
      const since = mark(app);
      const v = await visit(b, `https://${labHost('sha1')}/`, 'chromium-block-sha1');
      expect(v).toMatchObject({ error: null, status: 502, title: `tlslab: ${labHost('sha1')} failed` });
      expect(v.text).toContain(`tlslab did not relay to ${labHost('sha1')}:443`);
      expect(v.text).toContain('ALG_SHA1_SIGNATURE');
      const conn = await classifiedConn(app, labHost('sha1'), since, () => true);
      expect([conn?.codes, conn?.one('tls:verdict').policy, conn?.outcome?.outcome]).toEqual([['ALG_SHA1_SIGNATURE'], 'block', 'accepted']);
    } finally {
      await b.close();
      home.remove();
      await app.close();
    }
  });
});
