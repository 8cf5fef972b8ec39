// What tlslab tells about Firefox ESR through it (mirror mode, the built-in lab): a 1024-bit RSA leaf under a root the
// user added loads, and tlslab says why (no one "clicked through"); with tlslab's CA not trusted and Firefox's check
// for interception software already run, Firefox shows MOZILLA_PKIX_ERROR_MITM_DETECTED and sends bad_certificate (42),
// encrypted on a TLS 1.2 leg because it had finished its side of the handshake: each explained as it is.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ENCRYPTED_ALERT_WHY, LEAF_ALERT_MEANING } from '../../src/capture/client-outcome';
import { reduceSummaries } from '../../src/events/summary';
import type { TlslabEvent } from '../../src/events/schema';
import { ACCEPTED_UNDER_USER_ROOT } from '../../src/x509/browser-rules';
import { guardLookups, makeFirefoxProfile, runFirefox } from '../helpers/firefox';
import { LabConn, labHost } from '../helpers/lab-proxy-conns';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(120_000);

const SHOTS = path.resolve(__dirname, '../../test-output/screenshots/firefox-lesson');
type Of<T extends TlslabEvent['type']> = Extract<TlslabEvent, { type: T }>;

/** The issuer name of `pemFile` as NSS writes it (nsIX509Cert.issuerName): what Firefox's MITM check remembers. */
function nssIssuerName(pemFile: string): string {
  const db = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-nss-name-'));
  try {
    execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password'], { stdio: 'pipe' });
    execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', ',,', '-n', 'ca', '-i', pemFile], { stdio: 'pipe' });
    const listing = execFileSync('certutil', ['-d', `sql:${db}`, '-L', '-n', 'ca'], { encoding: 'utf8' });
    const m = /^\s*Issuer: "(.*)"$/m.exec(listing);
    if (!m) throw new Error(`no Issuer line in certutil's listing:\n${listing}`);
    return m[1];
  } finally {
    fs.rmSync(db, { recursive: true, force: true });
  }
}

describeWithTools(['firefox-esr', 'certutil'], 'lesson truth with Firefox ESR', () => {
  let app: TestTlslab;
  let guard: ReturnType<typeof guardLookups>;
  const removes: (() => void)[] = [];

  beforeAll(async () => {
    // Only the lab's names resolve: a call home from Firefox through the proxy fails here, offline.
    guard = guardLookups((h) => h.endsWith('.lab.tlslab') || net.isIP(h) !== 0);
    app = await startTestTlslab({ lab: true, upstreamFailure: ['mirror'] });
  });
  afterAll(async () => {
    await app?.close();
    guard?.restore();
    for (const r of removes) r();
  });

  /** The connections to `host` opened since `since`, once each has closed (Firefox has exited by then). */
  async function conns(host: string, since: number): Promise<LabConn[]> {
    const opens = app.events.slice(since).filter((e): e is Of<'conn:open'> => e.type === 'conn:open' && e.target.host === host);
    await Promise.all(opens.map((o) => app.waitFor((e) => e.type === 'conn:close' && e.conn === o.conn, 15_000)));
    return opens.map((o) => new LabConn(o.conn, app.events.filter((e) => e.conn === o.conn)));
  }

  it('rsa1024 in mirror mode: Firefox loads the 1024-bit leaf under the root it was given; tlslab says so, and nobody clicked through', async () => {
    const since = app.events.length;
    const profile = makeFirefoxProfile(app.ca.certPem);
    removes.push(() => profile.remove());
    const [visit] = await runFirefox({ profile: profile.dir, proxyPort: app.proxyPort, tlsMax: 'TLSv1.3', urls: [`https://${labHost('rsa1024')}/`], shots: SHOTS });
    expect([visit?.status, visit?.error, visit?.title]).toEqual([200, null, 'tlslab lab: rsa1024']);
    // The origin's own page says what each client does, Firefox included.
    expect(visit?.text).toContain('Chromium and Firefox accept it too');
    const mine = await conns(labHost('rsa1024'), since);
    const accepted = mine.find((c) => c.outcome?.outcome === 'accepted');
    expect(accepted?.one('tls:presented').mode).toBe('mirror');
    expect(accepted?.one('tls:presented').verdict?.findings.map((f) => f.code)).toEqual(['KEY_RSA_TOO_SMALL']);
    expect(accepted?.outcome?.explanation).toContain(ACCEPTED_UNDER_USER_ROOT.KEY_RSA_TOO_SMALL as string);
    expect(accepted?.outcome?.explanation).not.toMatch(/clicked|proceed past/);
    const finding = accepted?.one('tls:verdict').findings[0];
    expect(finding?.message).toContain('Chromium and Firefox still load a 1024-bit key under a root the user added');
    expect(finding?.message).not.toContain('and browsers refuse them');
  });

  it('tlslab’s CA not trusted, after Firefox’s MITM check: MOZILLA_PKIX_ERROR_MITM_DETECTED and bad_certificate (42), encrypted on TLS 1.2 — both explained', async () => {
    const since = app.events.length;
    const profile = makeFirefoxProfile(null);
    removes.push(() => profile.remove());
    // What Firefox's check leaves behind (about:certerror's "priming" request met an unknown issuer): that issuer's name.
    const prefs = { 'security.pki.mitm_canary_issuer': nssIssuerName(app.caFile), 'security.pki.mitm_canary_issuer.enabled': true };
    const [visit] = await runFirefox({ profile: profile.dir, proxyPort: app.proxyPort, tlsMax: 'TLSv1.2', urls: [`https://${labHost('valid')}/`], prefs });
    expect(visit?.error).toContain('MOZILLA_PKIX_ERROR_MITM_DETECTED');
    const mine = await conns(labHost('valid'), since);
    const refused = mine.find((c) => c.outcome?.outcome === 'rejected-alert');
    expect(refused?.one('tls:established', (e) => e.leg === 'client').version.name).toBe('TLS 1.2');
    expect(refused?.outcome?.alert).toMatchObject({ description: { code: 42, name: 'bad_certificate' }, encrypted: true });
    const explanation = refused?.outcome?.explanation ?? '';
    expect(explanation).toContain(LEAF_ALERT_MEANING[42]);
    expect(explanation).toContain(ENCRYPTED_ALERT_WHY.tls12);
    expect(explanation).not.toContain('TLS 1.3');
    // The summary leads with the same sentence.
    const s = reduceSummaries(refused?.events ?? []).get(refused?.id ?? '');
    expect([s?.failedLeg, s?.cause, s?.explanation]).toEqual(['client', 'client-rejected-cert', explanation]);
    expect(guard.refused).toEqual([]);
  });
});
