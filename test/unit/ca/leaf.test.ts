// Leaf issuance: the fields a browser checks, OpenSSL's verdict, and a real TLS handshake with the chain.
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { CertificateAuthority } from '../../../src/ca';
import { describeWithTools } from '../../helpers/tools';
import { cleanupTempDirs, opensslText, pemFile, run, tempDir } from '../../helpers/ca-temp';

let ca: CertificateAuthority;
let dir: string;
beforeAll(async () => {
  dir = tempDir();
  ca = await CertificateAuthority.loadOrCreate(dir);
});
afterAll(cleanupTempDirs);

describe('issueLeaf', () => {
  it('carries the names (deduped, IPs as IP SANs), CN = first name, and is signed by the CA', () => {
    const leaf = ca.issueLeaf({ dns: ['www.example.com', 'Example.com', 'www.example.com', '127.0.0.1'], ips: ['127.0.0.1', '::1'] });
    const x = new X509Certificate(leaf.certPem);
    expect(x.subject).toBe('CN=www.example.com');
    expect(x.subjectAltName).toBe('DNS:www.example.com, DNS:example.com, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x.issuer).toBe(new X509Certificate(ca.certPem).subject);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(x.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // Node reports the EKU here: serverAuth only
    expect(x.checkHost('example.com')).toBe('example.com');
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.certDer.equals(x.raw)).toBe(true);
    expect(leaf.chainPem).toEqual([ca.certPem]);
    expect(leaf.keyPem).toMatch(/BEGIN PRIVATE KEY/);
  });

  it('uses the shared leaf key and a random positive 16-byte serial', () => {
    const a = new X509Certificate(ca.issueLeaf({ dns: ['a.test'], ips: [] }).certPem);
    const b = new X509Certificate(ca.issueLeaf({ dns: ['a.test'], ips: [] }).certPem);
    const spki = (x: X509Certificate) => x.publicKey.export({ type: 'spki', format: 'der' });
    expect(spki(a).equals(spki(b))).toBe(true);
    for (const x of [a, b]) {
      expect(x.serialNumber).toMatch(/^[0-9A-F]{32}$/);
      expect(parseInt(x.serialNumber[0], 16)).toBeLessThan(8); // high bit clear: positive
    }
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });

  it('is backdated one hour and valid for at most 397 days, never past the CA', () => {
    const x = new X509Certificate(ca.issueLeaf({ dns: ['a.test'], ips: [] }).certPem);
    const from = new Date(x.validFrom).getTime();
    const to = new Date(x.validTo).getTime();
    expect(Date.now() - from).toBeGreaterThanOrEqual(59 * 60_000);
    expect(Date.now() - from).toBeLessThan(2 * 3600_000);
    expect(to - from).toBeLessThanOrEqual(397 * 86400_000);
    expect(to - from).toBeGreaterThan(390 * 86400_000);
    expect(to).toBeLessThanOrEqual(ca.notAfter.getTime());
  });

  it('refuses a name that cannot go in a certificate with TLSLAB_ERR_LEAF_ISSUE', () => {
    expect(() => ca.issueLeaf({ dns: ['not a name'], ips: [] })).toThrow(expect.objectContaining({ code: 'TLSLAB_ERR_LEAF_ISSUE' }));
  });

  it('completes a real TLS handshake: server with the leaf + chain, client trusting only the CA', async () => {
    const leaf = ca.issueLeaf({ dns: ['leaf.test'], ips: ['127.0.0.1'] });
    const server = tls.createServer({ cert: [leaf.certPem, ...leaf.chainPem].join(''), key: leaf.keyPem }, (s) => s.end('hello'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      for (const servername of ['leaf.test', undefined]) {
        const client = tls.connect({ host: '127.0.0.1', port, servername, ca: ca.certPem });
        const [data] = (await once(client, 'data')) as [Buffer];
        expect(client.authorized).toBe(true);
        expect(data.toString()).toBe('hello');
        const peer = client.getPeerCertificate(true);
        expect(peer.subject.CN).toBe('leaf.test');
        expect(peer.issuerCertificate.fingerprint256).toBe(ca.fingerprint256);
        client.destroy();
      }
      // Without the CA the same client refuses: our CA is not a public one.
      const stranger = tls.connect({ host: '127.0.0.1', port, servername: 'leaf.test' });
      const [err] = (await once(stranger, 'error')) as [NodeJS.ErrnoException];
      expect(err.code).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    } finally {
      server.close();
    }
  });
});

describeWithTools(['openssl'], 'openssl on a leaf', () => {
  it('openssl verify accepts it against the CA (purpose sslserver) and x509 -text shows every field', async () => {
    const leaf = ca.issueLeaf({ dns: ['shop.example', '*.shop.example'], ips: ['192.0.2.7'] });
    const caFile = pemFile(dir, 'ca-copy.pem', ca.certPem);
    const leafFile = pemFile(dir, 'leaf.pem', leaf.certPem);
    const v = await run('openssl', ['verify', '-purpose', 'sslserver', '-x509_strict', '-verify_hostname', 'www.shop.example', '-CAfile', caFile, leafFile]);
    expect(v.stderr).toBe('');
    expect(v.stdout.trim()).toBe(`${leafFile}: OK`);
    const text = await opensslText(leaf.certPem);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text).toMatch(/Subject: CN = shop.example/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/Extended Key Usage: \s*TLS Web Server Authentication\n/);
    expect(text).toMatch(/DNS:shop.example, DNS:\*.shop.example, IP Address:192.0.2.7/);
    expect(text).toMatch(/Authority Key Identifier/);
    expect(text).toMatch(/Subject Key Identifier/);
    expect(text).toMatch(/Public-Key: \(2048 bit\)/);
  });

  it('openssl rejects a leaf for a host it does not name', async () => {
    const leafFile = pemFile(dir, 'leaf2.pem', ca.issueLeaf({ dns: ['one.test'], ips: [] }).certPem);
    const v = await run('openssl', ['verify', '-verify_hostname', 'two.test', '-CAfile', pemFile(dir, 'ca2.pem', ca.certPem), leafFile]);
    expect(v.code).not.toBe(0);
    expect(v.stdout + v.stderr).toMatch(/hostname mismatch/);
  });
});
