// Upstream-failure policies on the lab: mirror mints a leaf with the same flaw (checked on the certificate a Node client
// received, and by running tlslab's own verifier on the presented chain), allow relays the real page, per-host overrides.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { ConnectionSummary } from '../../src/events/stream';
import { createTrustStore, verifyServerChain } from '../../src/x509';
import { describeWithTools } from '../helpers/tools';
import { startTestTlslab, type TestTlslab } from '../helpers/tlslab';
import { connTo, curl, labHost, mark, nodeClient, nodeHandshakeError, type LabConn } from '../helpers/lab-proxy-conns';

jest.setTimeout(60_000);

/** One certs folder for the file: the lab PKI is made once, each tlslab below reuses it. */
const certsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-policy-'));
afterAll(() => fs.rmSync(certsDir, { recursive: true, force: true }));

const FAILING = ['expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'untrusted-root', 'incomplete-chain', 'sha1', 'rsa1024', 'client-auth-eku'];

/** The certificates a side sent on a leg, DER, exactly as on the wire (decrypted in TLS 1.3). */
function sentChain(conn: LabConn, leg: 'client' | 'upstream'): Buffer[] {
  const msg = conn.one('tls:handshake', (e) => e.leg === leg && e.from === 'server' && e.details?.kind === 'certificate');
  return msg.details?.kind === 'certificate' ? msg.details.certificates.map((h) => Buffer.from(h, 'hex')) : [];
}

async function summaries(app: TestTlslab): Promise<Map<string, ConnectionSummary>> {
  const res = await fetch(new URL('/api/connections', app.dashboardUrl!));
  return new Map(((await res.json()) as ConnectionSummary[]).map((s) => [s.id, s]));
}

describe('mirror: the presented leaf carries the real server\'s flaw', () => {
  let app: TestTlslab;
  beforeAll(async () => {
    app = await startTestTlslab({ lab: true, certsDir, upstreamFailure: ['mirror'] });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Flaw-specific checks on the certificate the Node client received (`peer`) against the real one (`real`). */
  const FLAW: Record<string, (peer: X509Certificate, real: X509Certificate, presented: X509Certificate[], conn: LabConn) => void> = {
    expired: (peer, real) => {
      expect([peer.validFrom, peer.validTo]).toEqual([real.validFrom, real.validTo]);
      expect(new Date(peer.validTo).getTime()).toBeLessThan(Date.now());
    },
    'not-yet-valid': (peer, real) => {
      expect([peer.validFrom, peer.validTo]).toEqual([real.validFrom, real.validTo]);
      expect(new Date(peer.validFrom).getTime()).toBeGreaterThan(Date.now());
    },
    'wrong-host': (peer, real) => {
      expect(peer.subjectAltName).toBe(real.subjectAltName);
      expect(peer.subjectAltName).toBe('DNS:wrong.example');
      expect(peer.checkHost(labHost('wrong-host'))).toBeUndefined();
    },
    'self-signed': (peer, _real, presented) => {
      expect(peer.issuer).toBe(peer.subject);
      expect(peer.verify(peer.publicKey)).toBe(true);
      expect(presented).toHaveLength(1);
    },
    'untrusted-root': (peer, _real, presented) => {
      expect(peer.issuer).toMatch(/CN=tlslab Untrusted Root/);
      expect(presented[1]?.subject).toBe(peer.issuer);
      expect(peer.verify(presented[1].publicKey)).toBe(true);
      expect(presented[1]?.fingerprint256).not.toBe(app.ca.fingerprint256);
    },
    'incomplete-chain': (peer, _real, presented) => {
      // Signed by an intermediate under the tlslab CA that is not sent.
      expect(presented).toHaveLength(1);
      expect(peer.issuer).toMatch(/CN=tlslab Mirror Intermediate/);
      expect(peer.verify(new X509Certificate(app.ca.certPem).publicKey)).toBe(false);
    },
    sha1: (_peer, _real, _presented, conn) => {
      expect(conn.one('tls:presented').chain[0]?.signatureAlgorithm).toBe('sha1WithRSAEncryption');
    },
    rsa1024: (peer) => {
      expect(peer.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    },
    'client-auth-eku': (peer) => {
      expect(peer.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']); // id-kp-clientAuth only
    },
  };

  it.each(FAILING)('%s', async (name) => {
    const since = mark(app);
    const socketOpts = { ca: app.ca.certPem, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] };
    const answer = await nodeClient(app, name, socketOpts);
    expect(answer.status).toBe(200); // a client that does not check gets the real page: mirror relays
    expect(answer.text).toContain(`tlslab lab: ${name}`);
    const conn = await connTo(app, labHost(name), since);
    const verdict = conn.one('tls:verdict');
    expect([verdict.ok, verdict.policy]).toEqual([false, 'mirror']);
    const presentedEvent = conn.one('tls:presented');
    expect(presentedEvent.mode).toBe('mirror');

    const presentedDer = sentChain(conn, 'client');
    const presented = presentedDer.map((d) => new X509Certificate(d));
    const real = new X509Certificate(sentChain(conn, 'upstream')[0]);
    const peer = answer.peer!;
    expect(peer.fingerprint256).toBe(presented[0]?.fingerprint256);
    expect(presentedEvent.chain.map((c) => c.fingerprint256)).toEqual(presented.map((c) => c.fingerprint256));
    FLAW[name](peer, real, presented, conn);

    // tlslab's own verifier, trusting only the tlslab CA, finds on the presented chain exactly what it found upstream.
    const again = verifyServerChain({ chain: presentedDer, host: labHost(name), trust: createTrustStore({ system: false, extraPems: [app.ca.certPem] }) });
    const codes = (list: { code: string; certIndex: number | null }[]) => list.map((f) => `${f.code}@${f.certIndex}`);
    expect(codes(again.findings)).toEqual(codes(verdict.findings));
  });

  it('the client-leg explanation says the flaw was mirrored', async () => {
    const since = mark(app);
    expect(await nodeHandshakeError(app, 'expired', { ca: app.ca.certPem })).toBe('CERT_HAS_EXPIRED');
    const conn = await connTo(app, labHost('expired'), since);
    expect(conn.outcome?.outcome).toBe('closed-in-handshake');
    expect(conn.outcome?.explanation).toMatch(/same flaw as the real server \(the server's certificate expired on/);
  });

  it('a case that passes is not mirrored: valid gets a good leaf', async () => {
    const since = mark(app);
    const answer = await nodeClient(app, 'valid', { ca: app.ca.certPem });
    expect(answer.status).toBe(200);
    const conn = await connTo(app, labHost('valid'), since);
    expect(conn.one('tls:presented').mode).toBe('leaf');
    expect(conn.one('tls:verdict').policy).toBeUndefined();
  });
});

describeWithTools(['curl'], 'allow: relay anyway, and mark the connection insecure', () => {
  let app: TestTlslab;
  beforeAll(async () => {
    app = await startTestTlslab({ lab: true, certsDir, uiPort: 0, upstreamFailure: ['allow'] });
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each(FAILING)('%s: the real page, a good leaf, status insecure', async (name) => {
    const since = mark(app);
    const r = await curl(app, name, ['--cacert', app.caFile]);
    expect([r.code, r.status]).toEqual([0, 200]);
    expect(r.text).toContain(`X-Tlslab-Lab-Case: ${name}`);
    expect(r.text).toContain(`tlslab lab: ${name} (${labHost(name)})`);
    const conn = await connTo(app, labHost(name), since);
    const verdict = conn.one('tls:verdict');
    expect([verdict.ok, verdict.policy]).toEqual([false, 'allow']);
    expect(conn.one('tls:presented').mode).toBe('leaf');
    expect(conn.outcome?.outcome).toBe('accepted');
    expect(conn.one('conn:close').cause).toBe('closed'); // ended normally: the verdict, not the close, makes it insecure
    const s = (await summaries(app)).get(conn.id);
    expect([s?.status, s?.failedLeg, s?.cause, s?.policy, s?.clientOutcome]).toEqual(['insecure', 'upstream', 'upstream-cert-invalid', 'allow', 'accepted']);
    expect(s?.legs.upstream.verdict).toEqual({ ok: false, codes: verdict.findings.map((f) => f.code) });
    expect(s?.explanation).toBe(verdict.findings[0]?.message);
  });
});

describeWithTools(['curl'], "per-host override: ['mirror', 'expired.lab.tlslab=allow']", () => {
  let app: TestTlslab;
  beforeAll(async () => {
    app = await startTestTlslab({ lab: true, certsDir, uiPort: 0, upstreamFailure: ['mirror', 'expired.lab.tlslab=allow'] });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('expired is allowed, wrong-host and not-yet-valid are mirrored', async () => {
    const since = mark(app);
    const expired = await curl(app, 'expired', ['--cacert', app.caFile]);
    const wrongHost = await curl(app, 'wrong-host', ['--cacert', app.caFile]);
    const notYet = await curl(app, 'not-yet-valid', ['--cacert', app.caFile]);
    expect([expired.code, expired.status]).toEqual([0, 200]);
    expect(expired.text).toContain('tlslab lab: expired');
    expect(wrongHost.code).toBe(60);
    expect(wrongHost.stderr).toMatch(/no alternative certificate subject name matches target host name 'wrong-host\.lab\.tlslab'/);
    expect(notYet.code).toBe(60);
    expect(notYet.stderr).toMatch(/certificate is not yet valid/);

    const policyOf = async (name: string) => {
      const conn = await connTo(app, labHost(name), since);
      return [conn.one('tls:verdict').policy, conn.one('tls:presented').mode, conn.outcome?.outcome];
    };
    expect(await policyOf('expired')).toEqual(['allow', 'leaf', 'accepted']);
    expect(await policyOf('wrong-host')).toEqual(['mirror', 'mirror', 'closed-after-handshake']);
    expect(await policyOf('not-yet-valid')).toEqual(['mirror', 'mirror', 'rejected-alert']);
    const all = await summaries(app);
    const statuses = [...all.values()].filter((s) => s.lab).map((s) => [s.lab, s.status, s.policy]).sort();
    expect(statuses).toEqual([['expired', 'insecure', 'allow'], ['not-yet-valid', 'failed', 'mirror'], ['wrong-host', 'failed', 'mirror']]);
  });
});
