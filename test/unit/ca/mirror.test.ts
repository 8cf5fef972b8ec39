// Mirror issuance: each MirrorSpec flag yields a certificate with that flaw, and a real TLS client that
// trusts the tlslab CA fails on it the way it fails on the real thing.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { CertificateAuthority, type IssuedCert, type MirrorSpec } from '../../../src/ca';
import { parseCertificate } from '../../../src/x509/parse-certificate';
import { describeWithTools } from '../../helpers/tools';
import { cleanupTempDirs, opensslText, pemFile, run, tempDir } from '../../helpers/ca-temp';

let ca: CertificateAuthority;
let caX: X509Certificate;
let dir: string;
const DAY = 86400_000;
const names = { dns: ['mirror.test'], ips: [] as string[] };

beforeAll(async () => {
  dir = tempDir();
  ca = await CertificateAuthority.loadOrCreate(dir);
  caX = new X509Certificate(ca.certPem);
  await ca.prepareMirror();
});
afterAll(cleanupTempDirs);

/** Serve `cert` on 127.0.0.1 (security level 0 so weak certificates load) and connect trusting only the tlslab CA. */
async function clientError(cert: IssuedCert, servername = 'mirror.test'): Promise<string | null> {
  const server = tls.createServer({ cert: [cert.certPem, ...cert.chainPem].join(''), key: cert.keyPem, ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const c = tls.connect({ host: '127.0.0.1', port, servername, ca: ca.certPem });
    return await new Promise<string | null>((resolve) => {
      c.once('secureConnect', () => {
        resolve(null);
        c.destroy();
      });
      c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'UNSPECIFIED' ? e.message : (e.code ?? e.message)));
    });
  } finally {
    server.close();
  }
}

const x509 = (c: IssuedCert) => new X509Certificate(c.certPem);
/** tlslab's own parse of a PEM certificate (keyUsage, basicConstraints: node:crypto does not expose them). */
const parsed = (pem: string) => parseCertificate(new X509Certificate(pem).raw);

describe('issueMirror', () => {
  it('with no flaw flags is a normal leaf the client accepts', async () => {
    const c = ca.issueMirror({ names });
    expect(x509(c).checkIssued(caX)).toBe(true);
    expect(await clientError(c)).toBeNull();
  });

  it('copies expired dates → CERT_HAS_EXPIRED', async () => {
    const notBefore = new Date(Date.now() - 400 * DAY);
    const notAfter = new Date(Date.now() - 2 * DAY);
    const c = ca.issueMirror({ names, notBefore, notAfter });
    expect(new Date(x509(c).validTo).getTime()).toBe(Math.floor(notAfter.getTime() / 1000) * 1000);
    expect(await clientError(c)).toBe('CERT_HAS_EXPIRED');
  });

  it('copies not-yet-valid dates → CERT_NOT_YET_VALID', async () => {
    const c = ca.issueMirror({ names, notBefore: new Date(Date.now() + 10 * DAY), notAfter: new Date(Date.now() + 100 * DAY) });
    expect(new Date(x509(c).validFrom).getTime()).toBeGreaterThan(Date.now());
    expect(await clientError(c)).toBe('CERT_NOT_YET_VALID');
  });

  it('carries the upstream\'s wrong names → hostname error', async () => {
    const c = ca.issueMirror({ names: { dns: ['wrong.example'], ips: [] } });
    expect(x509(c).subjectAltName).toBe('DNS:wrong.example');
    expect(await clientError(c)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('selfSigned: issuer = subject, no chain → DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    const c = ca.issueMirror({ names, selfSigned: true });
    const x = x509(c);
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(c.chainPem).toEqual([]);
    expect(await clientError(c)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('untrustedIssuer: signed by "tlslab Untrusted Root", sent with it → SELF_SIGNED_CERT_IN_CHAIN', async () => {
    const c = ca.issueMirror({ names, untrustedIssuer: true });
    const root = new X509Certificate(ca.untrustedCertPem);
    expect(root.subject).toMatch(/CN=tlslab Untrusted Root/);
    expect(x509(c).checkIssued(root)).toBe(true);
    expect(x509(c).verify(root.publicKey)).toBe(true);
    expect(c.chainPem).toEqual([ca.untrustedCertPem]);
    expect(await clientError(c)).toBe('SELF_SIGNED_CERT_IN_CHAIN');
  });

  it('missingIntermediate: issued by an intermediate under our CA that is not sent → UNABLE_TO_VERIFY_LEAF_SIGNATURE', async () => {
    const c = ca.issueMirror({ names, missingIntermediate: true });
    expect(x509(c).issuer).toBe('O=tlslab\nCN=tlslab Mirror Intermediate');
    expect(x509(c).checkIssued(caX)).toBe(false);
    expect(c.chainPem).toEqual([]);
    expect(await clientError(c)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('weakKey rsa1024: a 1024-bit leaf key, returned with the certificate', () => {
    const c = ca.issueMirror({ names, weakKey: 'rsa1024' });
    expect(x509(c).publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(c.keyPem).not.toBe(ca.issueLeaf(names).keyPem);
    expect(x509(c).checkPrivateKey(createPrivateKey(c.keyPem))).toBe(true);
  });

  it.each([['sha1'], ['md5']] as const)('signatureHash %s → "CA signature digest algorithm too weak"', async (hash) => {
    const c = ca.issueMirror({ names, signatureHash: hash });
    expect(x509(c).verify(caX.publicKey)).toBe(true);
    expect(await clientError(c)).toMatch(/digest algorithm too weak/);
  });

  it('eku clientAuth → INVALID_PURPOSE; eku none → no EKU extension (accepted)', async () => {
    const client = ca.issueMirror({ names, eku: 'clientAuth' });
    expect(x509(client).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(await clientError(client)).toBe('INVALID_PURPOSE');
    const none = ca.issueMirror({ names, eku: 'none' });
    expect(x509(none).keyUsage).toBeUndefined();
    expect(await clientError(none)).toBeNull();
  });

  it('combines flaws: expired + wrong name + sha1 + untrusted issuer in one certificate', () => {
    const spec: MirrorSpec = {
      names: { dns: ['other.example'], ips: [] }, untrustedIssuer: true, signatureHash: 'sha1',
      notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY),
    };
    const c = ca.issueMirror(spec);
    const x = x509(c);
    expect(x.subjectAltName).toBe('DNS:other.example');
    expect(x.checkIssued(new X509Certificate(ca.untrustedCertPem))).toBe(true);
    expect(new Date(x.validTo).getTime()).toBeLessThan(Date.now());
  });

  it('cnOnly: the name in the CN only, no subjectAltName (Node accepts it, as it accepts the real one)', async () => {
    const c = ca.issueMirror({ names, cnOnly: true });
    expect(x509(c).subject).toBe('CN=mirror.test');
    expect(x509(c).subjectAltName).toBeUndefined();
    expect(await clientError(c)).toBeNull();
  });

  it('keyUsageNotForTls: keyUsage nonRepudiation only → INVALID_PURPOSE', async () => {
    const c = ca.issueMirror({ names, keyUsageNotForTls: true });
    expect(parsed(c.certPem).keyUsage).toEqual(['nonRepudiation']);
    expect(await clientError(c)).toBe('INVALID_PURPOSE');
  });

  it.each([
    ['badSignature', { badSignature: true }],
    ['algorithmMismatch', { algorithmMismatch: true }],
  ] as const)('%s → CERT_SIGNATURE_FAILURE', async (_name, flaw) => {
    const c = ca.issueMirror({ names, ...flaw });
    expect(x509(c).checkIssued(caX)).toBe(true);
    expect(x509(c).verify(caX.publicKey)).toBe(false);
    expect(await clientError(c)).toBe('CERT_SIGNATURE_FAILURE');
  });

  it('unknownIssuer: "tlslab Untrusted Intermediate" sent, its root not → UNABLE_TO_GET_ISSUER_CERT_LOCALLY', async () => {
    const c = ca.issueMirror({ names, unknownIssuer: true });
    expect(c.chainPem).toHaveLength(1);
    const inter = new X509Certificate(c.chainPem[0]);
    expect(inter.subject).toBe('O=tlslab\nCN=tlslab Untrusted Intermediate');
    expect(inter.checkIssued(new X509Certificate(ca.untrustedCertPem))).toBe(true);
    expect(x509(c).checkIssued(inter)).toBe(true);
    expect(await clientError(c)).toBe('UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  describe('intermediate: a sent intermediate under the tlslab CA with flaws of its own', () => {
    /** The certificates after the leaf, parsed. */
    const chainOf = (c: IssuedCert) => c.chainPem.map((p) => new X509Certificate(p));

    it('with no flaw it is accepted (the chain itself is sound)', async () => {
      const c = ca.issueMirror({ names, intermediate: {} });
      const [inter, root] = chainOf(c);
      expect(root?.fingerprint256).toBe(caX.fingerprint256);
      expect(x509(c).checkIssued(inter)).toBe(true);
      expect(inter.checkIssued(caX)).toBe(true);
      expect(await clientError(c)).toBeNull();
    });

    it.each([
      ['expired dates', 'expired', 'CERT_HAS_EXPIRED', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 2 * DAY) }],
      ['future dates', 'not yet valid', 'CERT_NOT_YET_VALID', { notBefore: new Date(Date.now() + 10 * DAY), notAfter: new Date(Date.now() + 400 * DAY) }],
      ['CA:FALSE', 'not a CA', 'INVALID_PURPOSE', { notCa: true }],
      ['no keyCertSign', 'no keyCertSign', 'key usage does not include certificate signing', { noCertSign: true }],
      ['EKU clientAuth only', 'clientAuth only', 'INVALID_PURPOSE', { clientAuthOnly: true }],
      ['SHA-1 signature', 'SHA-1', 'CA signature digest algorithm too weak', { signatureHash: 'sha1' }],
      ['altered signature', 'bad signature', 'CERT_SIGNATURE_FAILURE', { badSignature: true }],
    ] as const)('%s: "%s" in its name, and the client says %s', async (_what, label, error, flaws) => {
      const c = ca.issueMirror({ names, intermediate: flaws });
      const [inter] = chainOf(c);
      expect(inter.subject).toBe(`O=tlslab\nCN=tlslab Mirror Intermediate (${label})`);
      expect(await clientError(c)).toBe(error);
    });

    it('pathLenExceeded: tlslab CA → pathlen:0 → Sub-Intermediate → leaf, all sent → PATH_LENGTH_EXCEEDED', async () => {
      const c = ca.issueMirror({ names, intermediate: { pathLenExceeded: true } });
      const [sub, inter, root] = chainOf(c);
      expect(sub.subject).toMatch(/CN=tlslab Mirror Sub-Intermediate$/);
      expect(inter.subject).toMatch(/CN=tlslab Mirror Intermediate \(pathlen:0\)$/);
      expect([x509(c).checkIssued(sub), sub.checkIssued(inter), inter.checkIssued(root)]).toEqual([true, true, true]);
      expect(parsed(c.chainPem[1]).basicConstraints).toEqual({ ca: true, pathLen: 0 });
      expect(parsed(c.chainPem[0]).basicConstraints).toEqual({ ca: true, pathLen: null });
      expect(await clientError(c)).toBe('PATH_LENGTH_EXCEEDED');
    });

    it('the intermediate keys are made once, not per certificate', () => {
      const a = chainOf(ca.issueMirror({ names, intermediate: { notCa: true } }))[0];
      const b = chainOf(ca.issueMirror({ names, intermediate: { noCertSign: true } }))[0];
      expect(a.publicKey.export({ type: 'spki', format: 'der' })).toEqual(b.publicKey.export({ type: 'spki', format: 'der' }));
      expect(a.serialNumber).not.toBe(b.serialNumber);
    });
  });

  it('works without prepareMirror (keys made on first use)', async () => {
    const fresh = await CertificateAuthority.loadOrCreate(dir);
    expect(new X509Certificate(fresh.issueMirror({ names, missingIntermediate: true }).certPem).issuer).toMatch(/Mirror Intermediate/);
    expect(new X509Certificate(fresh.issueMirror({ names, weakKey: 'rsa1024' }).certPem).publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });
});

describeWithTools(['openssl'], 'openssl on mirror leaves', () => {
  it('shows the SHA-1 and MD5 signature algorithms and the 1024-bit key', async () => {
    expect(await opensslText(ca.issueMirror({ names, signatureHash: 'sha1' }).certPem)).toMatch(/Signature Algorithm: sha1WithRSAEncryption/);
    expect(await opensslText(ca.issueMirror({ names, signatureHash: 'md5' }).certPem)).toMatch(/Signature Algorithm: md5WithRSAEncryption/);
    expect(await opensslText(ca.issueMirror({ names, weakKey: 'rsa1024' }).certPem)).toMatch(/Public-Key: \(1024 bit\)/);
    expect(await opensslText(ca.issueMirror({ names, eku: 'clientAuth' }).certPem)).toMatch(/Extended Key Usage: \s*TLS Web Client Authentication\n/);
  });

  it('openssl verify at auth level 2 rejects the 1024-bit leaf (browsers refuse RSA < 2048 too)', async () => {
    const caFile = pemFile(dir, 'ca.pem', ca.certPem);
    const leaf = pemFile(dir, 'weak.pem', ca.issueMirror({ names, weakKey: 'rsa1024' }).certPem);
    const v = await run('openssl', ['verify', '-auth_level', '2', '-CAfile', caFile, leaf]);
    expect(v.code).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/EE certificate key too weak/);
  });

  it('openssl verify rejects the missing-intermediate leaf with "unable to get local issuer certificate"', async () => {
    const caFile = pemFile(dir, 'ca3.pem', ca.certPem);
    const leaf = pemFile(dir, 'mi.pem', ca.issueMirror({ names, missingIntermediate: true }).certPem);
    const v = await run('openssl', ['verify', '-CAfile', caFile, leaf]);
    expect(v.code).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/unable to get local issuer certificate/);
  });
});
