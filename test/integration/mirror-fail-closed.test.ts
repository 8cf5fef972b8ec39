// Mirror mode never vouches for a bad certificate: real origins whose chains fail in ways tlslab's lab does not
// have (an expired intermediate, pathlen:0 broken, a leaf keyUsage that forbids TLS, a critical extension only Node
// refuses), curl trusting only the tlslab CA through tlslab: a certificate error, or the teaching page, never the page.
import forge from 'node-forge';
import { makeOriginPki, startHttpsOrigin, type Origin, type OriginPkiOptions, type TestPki } from '../helpers/origin';
import { run, startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { LabConn, mark } from '../helpers/lab-proxy-conns';
import { describeWithTools } from '../helpers/tools';

jest.setTimeout(30_000);

const DAY = 86400_000;

/** An extension no one knows, marked critical: OpenSSL (so Node and curl) must refuse the certificate; tlslab's checks do not look. */
const UNKNOWN_CRITICAL = { id: '1.3.6.1.4.1.59999.7.1', critical: true, value: forge.asn1.toDer(forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, '')).getBytes() };

interface Case {
  pki: OriginPkiOptions;
  /** What tlslab found upstream. */
  code: string;
  /** curl's complaint, on the origin directly (trusting its root) and through tlslab (trusting the tlslab CA). */
  curlSays: RegExp;
}

const CASES = {
  'expired intermediate': {
    pki: { intermediates: [{ name: 'Test Origin Expired Intermediate', notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }] },
    code: 'CERT_EXPIRED',
    curlSays: /certificate has expired/,
  },
  'pathlen:0 broken': {
    pki: { intermediates: [{ name: 'Test Origin Intermediate', pathLen: 0 }, { name: 'Test Origin Sub-Intermediate' }] },
    code: 'BC_PATH_LEN_EXCEEDED',
    curlSays: /path length constraint exceeded/,
  },
  'leaf keyUsage forbids TLS': {
    pki: { leafKeyUsage: { nonRepudiation: true } },
    code: 'KU_LEAF_NOT_FOR_TLS',
    curlSays: /(unsupported|unsuitable) certificate purpose/,
  },
  'unknown critical extension (only Node refuses)': {
    pki: { leafExtensions: [UNKNOWN_CRITICAL] },
    code: 'NODE_VERIFY_FAILED',
    curlSays: /unhandled critical extension|unsupported certificate/,
  },
} satisfies Record<string, Case>;
type Name = keyof typeof CASES;

const origins = new Map<Name, { pki: TestPki; origin: Origin }>();
let app: TestTlslab;

beforeAll(async () => {
  for (const [name, c] of Object.entries(CASES) as [Name, Case][]) {
    // Each root its own name: OpenSSL picks an issuer by name, and four "Test Origin Root"s would confuse Node's check.
    const pki = makeOriginPki(['localhost'], { ...c.pki, rootName: `Test Origin Root (${name})` });
    origins.set(name, { pki, origin: await startHttpsOrigin(pki) });
  }
  app = await startTestTlslab({ upstreamFailure: ['mirror'], upstreamCa: [...origins.values()].map((o) => o.pki.caFile) });
});

afterAll(async () => {
  await app?.close();
  for (const o of origins.values()) await o.origin.close();
});

/** The one connection to 127.0.0.1:`port` (as localhost) since `since`, once closed. */
async function connToPort(port: number, since: number): Promise<LabConn> {
  const open = await app.waitFor((e) => e.type === 'conn:open' && e.target.port === port && app.events.indexOf(e) >= since);
  await app.waitFor((e) => e.type === 'conn:close' && e.conn === open.conn);
  return new LabConn(open.conn, app.events.filter((e) => e.conn === open.conn));
}

const url = (name: Name): string => `https://localhost:${origins.get(name)!.origin.port}/secret`;

describeWithTools(['curl'], 'mirror mode is fail-closed (curl trusting only the tlslab CA)', () => {
  it.each(Object.keys(CASES) as Name[])('%s: curl on the origin itself refuses it (the flaw is real)', async (name) => {
    const direct = await run('curl', ['-sS', '--max-time', '10', '--cacert', origins.get(name)!.pki.caFile, url(name)]);
    expect(direct.code).toBe(60);
    expect(direct.stderr).toMatch(CASES[name].curlSays);
  });

  it.each(['expired intermediate', 'pathlen:0 broken', 'leaf keyUsage forbids TLS'] as const)(
    '%s: mirrored, so curl refuses tlslab\'s chain for the same reason, and never gets the page',
    async (name) => {
      const since = mark(app);
      const r = await run('curl', ['-sS', '-i', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, url(name)]);
      expect(r.stdout).not.toContain('hello from origin');
      expect(r.code).toBe(60);
      expect(r.stderr).toMatch(CASES[name].curlSays);

      const conn = await connToPort(origins.get(name)!.origin.port, since);
      const verdict = conn.one('tls:verdict');
      expect([verdict.ok, verdict.policy, verdict.mirrorUnavailable]).toEqual([false, 'mirror', undefined]);
      expect(verdict.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual([CASES[name].code]);
      const presented = conn.one('tls:presented');
      expect(presented.mode).toBe('mirror');
      expect(conn.outcome?.outcome).toBe('rejected-alert');
      expect(conn.outcome?.explanation).toMatch(/same flaw as the real server/);
      expect(conn.one('conn:close').cause).toBe('client-rejected-cert');
      expect(conn.all('http:request')).toEqual([]);
      // What the chain carries: the flaw on the certificate where the real server had it.
      const subjects = presented.chain.map((c) => c.subject);
      if (name === 'expired intermediate') {
        expect(subjects[1]).toMatch(/tlslab Mirror Intermediate \(expired\)/);
        expect(new Date(presented.chain[1].notAfter).getTime()).toBeLessThan(Date.now());
      } else if (name === 'pathlen:0 broken') {
        expect(subjects.slice(1, 3)).toEqual([expect.stringMatching(/tlslab Mirror Sub-Intermediate/), expect.stringMatching(/tlslab Mirror Intermediate \(pathlen:0\)/)]);
      } else {
        expect(presented.chain).toHaveLength(2); // leaf + tlslab CA: the flaw is the leaf's own
      }
    },
  );

  it('a flaw no minted chain can carry: the teaching page says why, and the events say mirror could not show it', async () => {
    const name: Name = 'unknown critical extension (only Node refuses)';
    const since = mark(app);
    const r = await run('curl', ['-sS', '-i', '--max-time', '10', '--cacert', app.caFile, '-x', app.proxyUrl, url(name)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n[^]*\r\n\r\nHTTP\/[\d.]+ 502 /);
    expect(r.stdout).toMatch(/X-Tlslab-Error: TLSLAB_ERR_UPSTREAM_CERT/i);
    expect(r.stdout).not.toContain('hello from origin');
    expect(r.stdout).toContain('Mirror mode cannot show you this flaw in your browser');

    const conn = await connToPort(origins.get(name)!.origin.port, since);
    const verdict = conn.one('tls:verdict');
    // Node 20 reports OpenSSL's "unhandled critical extension" as UNSPECIFIED.
    expect([verdict.ok, verdict.policy, verdict.nodeError]).toEqual([false, 'block', 'UNSPECIFIED']);
    expect(verdict.findings.map((f) => f.code)).toEqual(['NODE_VERIFY_FAILED']);
    expect(verdict.mirrorUnavailable).toMatch(/does not know which flaw to copy/);
    expect(conn.one('tls:presented').mode).toBe('leaf');
    expect(conn.one('conn:close').cause).toBe('upstream-cert-invalid');
  });
});
