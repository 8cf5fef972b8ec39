// Firefox ESR through tlslab, headless: a good lab origin, a broken one (the teaching page, block mode) and an HTTP/2
// origin, with TLS 1.3 and then TLS 1.2 on the client leg; once the browser has closed, every connection has ended
// with conn:close and tlslab holds no socket (Firefox's closes: GOAWAY + close_notify + FIN, alerts after the page).
import net from 'node:net';
import path from 'node:path';
import type { TlslabEvent } from '../../src/events/schema';
import { closeOf, heldSockets } from '../helpers/close-sequences';
import { guardLookups, makeFirefoxProfile, runFirefox } from '../helpers/firefox';
import { labHost } from '../helpers/lab-proxy-conns';
import { makeOriginPki, startHttpsOrigin, type Origin } from '../helpers/origin';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(120_000);

const SHOTS = path.resolve(__dirname, '../../test-output/screenshots/firefox');
type Of<T extends TlslabEvent['type']> = Extract<TlslabEvent, { type: T }>;

describeWithTools(['firefox-esr', 'certutil', 'ss'], 'Firefox ESR through tlslab: every connection ends', () => {
  let app: TestTlslab;
  let h2: Origin;
  let guard: ReturnType<typeof guardLookups>;
  const removes: (() => void)[] = [];

  beforeAll(async () => {
    // Only the test's own names resolve: a call home from Firefox through the proxy fails here, offline.
    guard = guardLookups((h) => h === 'localhost' || h.endsWith('.lab.tlslab') || net.isIP(h) !== 0);
    const pki = makeOriginPki(['localhost']);
    h2 = await startHttpsOrigin(pki);
    app = await startTestTlslab({ lab: true, upstreamCa: [pki.caFile] });
  });
  afterAll(async () => {
    await app?.close();
    await h2?.close();
    guard?.restore();
    for (const r of removes) r();
  });

  for (const tlsMax of ['TLSv1.3', 'TLSv1.2'] as const) {
    const version = tlsMax === 'TLSv1.2' ? 'TLS 1.2' : 'TLS 1.3';
    it(`${version} on the client leg: a good origin, the teaching page, HTTP/2; then Firefox closes and every connection ends`, async () => {
      const since = app.events.length;
      const profile = makeFirefoxProfile(app.ca.certPem);
      removes.push(() => profile.remove());
      const h2Url = `https://localhost:${h2.port}/h2-page`;
      const visits = await runFirefox({
        profile: profile.dir,
        proxyPort: app.proxyPort,
        tlsMax,
        urls: [`https://${labHost('valid')}/`, `https://${labHost('expired')}/`, h2Url],
        shots: SHOTS,
      });
      expect(visits.map((v) => [v.url, v.status, v.error])).toEqual([
        [`https://${labHost('valid')}/`, 200, null],
        [`https://${labHost('expired')}/`, 502, null],
        [h2Url, 200, null],
      ]);
      expect(visits[0]?.title).toBe('tlslab lab: valid');
      expect(visits[1]?.title).toBe(`tlslab: ${labHost('expired')} failed`);
      expect(visits[2]?.text?.trim()).toBe('hello from origin /h2-page via h2');

      // Firefox has exited: each connection it opened through tlslab ends, whatever order its closes came in.
      const mine = app.events.slice(since).filter((e): e is Of<'conn:open'> => e.type === 'conn:open');
      const closes = await Promise.all(mine.map((o) => closeOf(app, o.conn)));
      const byHost = (host: string): string[] => mine.filter((o) => o.target.host === host).map((o) => o.conn);
      const causeOf = new Map(closes.map((c) => [c.conn, c.cause]));
      expect(byHost(labHost('valid')).map((c) => causeOf.get(c))).toContain('closed');
      expect(new Set(byHost(labHost('expired')).map((c) => causeOf.get(c)))).toEqual(new Set(['upstream-cert-invalid']));

      // The client leg ran the version asked for, and the HTTP/2 origin was reached over h2 on both legs.
      const legs = app.events.filter((e): e is Of<'tls:established'> => e.type === 'tls:established' && e.leg === 'client' && mine.some((o) => o.conn === e.conn));
      expect(new Set(legs.map((e) => e.version.name))).toEqual(new Set([version]));
      const h2Conns = byHost('localhost');
      expect(app.events.some((e) => e.type === 'http:request' && h2Conns.includes(e.conn) && e.httpVersion === '2' && e.url.endsWith('/h2-page'))).toBe(true);
      expect(h2Conns.map((c) => causeOf.get(c))).toContain('closed');

      // No socket left on tlslab's side, towards Firefox or towards any origin.
      const origins = [h2.port, ...app.lab!.cases.map((c) => c.port)].map((originPort) => ({ originPort }));
      expect(heldSockets({ proxyPort: app.proxyPort, upstreams: origins })).toEqual([]);
      // Firefox stayed quiet: nothing but the test's own names went through tlslab.
      expect(guard.refused).toEqual([]);
      expect(mine.map((o) => o.target.host).filter((h) => h !== 'localhost' && !h.endsWith('.lab.tlslab'))).toEqual([]);
    });
  }
});
