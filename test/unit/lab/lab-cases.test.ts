import { LAB_CASES, labHost } from '../../../src/lab';

const REQUIRED = [
  'valid', 'expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'untrusted-root', 'incomplete-chain', 'sha1', 'rsa1024',
  'client-auth-eku', 'tls12-only', 'static-rsa', 'hello-retry', 'no-close-notify', 'reset-mid-handshake', 'slow-handshake',
];

describe('LAB_CASES', () => {
  it('has every lab case, once, with DNS-safe names', () => {
    expect(LAB_CASES.map((c) => c.name)).toEqual(REQUIRED);
    for (const c of LAB_CASES) expect(labHost(c.name)).toMatch(/^[a-z0-9-]+\.lab\.tlslab$/);
  });

  it('teaches in one sentence and says what a student should see', () => {
    for (const c of LAB_CASES) {
      expect(c.title.length).toBeGreaterThan(5);
      expect(c.teaches).toMatch(/^[A-Z"'].*[.]$/);
      expect(c.teaches.replace(/e\.g\.|i\.e\./g, '').split(/\.\s/).length).toBe(1);
      expect(c.expected.note.length).toBeGreaterThan(10);
    }
  });

  it('expects upstream findings exactly for the certificate cases', () => {
    const flawed = LAB_CASES.filter((c) => (c.expected.upstreamCodes ?? []).length > 0).map((c) => c.name);
    expect(flawed).toEqual(['expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'untrusted-root', 'incomplete-chain', 'sha1', 'rsa1024', 'client-auth-eku']);
    expect(LAB_CASES.find((c) => c.name === 'reset-mid-handshake')?.expected.upstreamCodes).toBeUndefined();
  });
});
