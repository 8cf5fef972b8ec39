// summarizeCertificate, certificateNames, explainNodeError and the trust store, on the fixtures.
import * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { certificateNames, createTrustStore, explainNodeError, pemToDers, summarizeCertificate } from '../../../src/x509';
import { der, pem } from '../../helpers/x509-fixtures';

describe('summarizeCertificate', () => {
  it('summarizes a good leaf with its intrinsic checks', () => {
    const s = summarizeCertificate(der('leaf'), 0, 'minted');
    expect(s).toMatchObject({
      index: 0,
      subject: 'CN=valid.example.com',
      issuer: 'O=tlslab tests, CN=tlslab Test Intermediate',
      notBefore: '2025-01-01T00:00:00Z',
      notAfter: '2045-01-01T00:00:00Z',
      san: ['DNS:localhost', 'DNS:valid.example.com', 'IP:127.0.0.1', 'IP:::1'],
      publicKey: 'RSA 2048',
      signatureAlgorithm: 'sha256WithRSAEncryption',
      isCA: false,
      selfSigned: false,
      source: 'minted',
    });
    expect(s.fingerprint256).toBe(new X509Certificate(der('leaf')).fingerprint256);
    expect(s.serialHex).toMatch(/^[0-9A-F]+$/);
    expect(s.checks.map((c) => [c.check, c.ok])).toEqual([
      ['validity', true],
      ['algorithm', true],
      ['key-strength', true],
    ]);
  });

  it('shows the flaws of a minted leaf that mirrors a bad one', () => {
    const s = summarizeCertificate(der('leaf-many'), 0, 'minted');
    expect(s.checks.map((c) => [c.check, c.ok])).toEqual([
      ['validity', false],
      ['algorithm', false],
      ['key-strength', false],
    ]);
    expect(s.checks[0].message).toMatch(/^The server's certificate expired on 1 January 2021; today is /);
    expect(s.publicKey).toBe('RSA 1024');
    expect(s.signatureAlgorithm).toBe('sha1WithRSAEncryption');
    expect(s.isCA).toBe(true);
  });

  it('names EC keys and self-signed roots', () => {
    expect(summarizeCertificate(der('leaf-ec'), 0, 'sent').publicKey).toBe('EC P-256');
    expect(summarizeCertificate(der('leaf-secp256k1'), 0, 'sent').publicKey).toBe('EC secp256k1');
    const root = summarizeCertificate(der('root'), 2, 'trust-store');
    expect(root).toMatchObject({ index: 2, selfSigned: true, isCA: true, source: 'trust-store' });
    expect(root.checks[0].message).toMatch(/^Valid from 1 January 2025 to 1 January 2045/);
  });

  it('does not throw on bytes that are not a certificate', () => {
    const s = summarizeCertificate(Buffer.from('garbage'), 1, 'sent');
    expect(s.subject).toBe('(unreadable certificate)');
    expect(s.checks).toEqual([{ check: 'chain', ok: false, message: expect.stringMatching(/cannot be read/) }]);
  });
});

describe('certificateNames', () => {
  it('returns SAN DNS and IP entries and the CN', () => {
    expect(certificateNames(der('leaf'))).toEqual({
      dns: ['localhost', 'valid.example.com'],
      ips: ['127.0.0.1', '::1'],
      cn: 'valid.example.com',
    });
    expect(certificateNames(der('leaf-ip'))).toEqual({ dns: [], ips: ['127.0.0.1', '2001:db8::1'], cn: 'ip-only.example.com' });
    expect(certificateNames(der('leaf-wildcard'))).toEqual({ dns: ['*.example.com'], ips: [], cn: '*.example.com' });
  });

  it('falls back to the CN when there is no SAN', () => {
    expect(certificateNames(der('leaf-cn-only'))).toEqual({ dns: [], ips: [], cn: 'cn-only.example.com' });
  });

  it('throws on bytes that are not a certificate', () => {
    expect(() => certificateNames(Buffer.from([1, 2, 3]))).toThrow();
  });
});

describe('explainNodeError', () => {
  it.each([
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'INVALID_PURPOSE',
    'PATH_LENGTH_EXCEEDED',
    'UNSPECIFIED',
  ])('explains %s in one sentence', (code) => {
    const s = explainNodeError(code);
    expect(s).toMatch(/^[A-Z].{15,}\.$/);
    expect(s).not.toContain(code);
  });

  it('says plainly when it has no explanation', () => {
    expect(explainNodeError('SOMETHING_NEW')).toMatch(/SOMETHING_NEW/);
  });
});

describe('createTrustStore', () => {
  it('holds Node bundled roots when asked', () => {
    const store = createTrustStore({ system: true });
    expect(store.roots.length).toBe(tls.rootCertificates.length);
    expect(store.has(new X509Certificate(tls.rootCertificates[0]))).toBe(true);
    expect(store.has(new X509Certificate(pem('root')))).toBe(false);
  });

  it('reads many certificates from one PEM text, ignores keys and duplicates', () => {
    const bundle = [pem('root'), pem('other-root'), ['-----BEGIN ', 'PRIVATE KEY-----\nAAAA\n-----END ', 'PRIVATE KEY-----\n'].join('') /* a fake key block, split so key scanners do not flag this file */, pem('root')].join('');
    expect(pemToDers(bundle)).toHaveLength(3);
    const store = createTrustStore({ extraPems: [bundle] });
    expect(store.roots.map((r) => r.subject)).toEqual(['O=tlslab tests\nCN=tlslab Test Root', 'O=elsewhere\nCN=Other Root Nobody Trusts']);
  });

  it('finds issuers by name', () => {
    const store = createTrustStore({ system: true, extraPems: [pem('root')] });
    const found = store.findIssuers(new X509Certificate(pem('int')));
    expect(found.map((c) => c.subject)).toEqual(['O=tlslab tests\nCN=tlslab Test Root']);
    expect(store.findIssuers(new X509Certificate(pem('other-int')))).toEqual([]);
  });
});
