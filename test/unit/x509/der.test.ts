// The DER reader and certificate parser: exact fields on fixtures, typed errors on bad input, and no
// exception escaping verifyServerChain for mutated certificates (seeded fuzzing with fast-check).
import fc from 'fast-check';
import { bitIsSet, children, decodeOid, DerError, integerBitLength, parseDer, readNode } from '../../../src/x509/der';
import { parseCertificate } from '../../../src/x509/parse-certificate';
import { createTrustStore, verifyServerChain } from '../../../src/x509';
import { der, FIXED_NOW, pem } from '../../helpers/x509-fixtures';

describe('DER reader', () => {
  it('reads short and long lengths', () => {
    expect(readNode(Buffer.from('0403010203', 'hex')).value).toEqual(Buffer.from([1, 2, 3]));
    const long = Buffer.concat([Buffer.from('048181', 'hex'), Buffer.alloc(0x81, 7)]);
    expect(readNode(long).value.length).toBe(0x81);
    expect(children(parseDer(Buffer.from('3006020101020102', 'hex'))).map((n) => n.value[0])).toEqual([1, 2]);
  });

  it.each([
    ['truncated header', '30'],
    ['value past the end', '300501'],
    ['indefinite length', '3080'],
    ['multi-byte tag', '1f0100'],
    ['trailing bytes', '0400ff'],
  ])('refuses %s with a DerError', (_what, hex) => {
    expect(() => parseDer(Buffer.from(hex, 'hex'))).toThrow(DerError);
  });

  it('decodes OIDs, integers and bits', () => {
    expect(decodeOid(Buffer.from('2a864886f70d01010b', 'hex'))).toBe('1.2.840.113549.1.1.11');
    expect(decodeOid(Buffer.from('551d13', 'hex'))).toBe('2.5.29.19');
    expect(integerBitLength(Buffer.from('00ff', 'hex'))).toBe(8);
    expect(integerBitLength(Buffer.from('0100', 'hex'))).toBe(9);
    expect(bitIsSet(Buffer.from([0x04]), 5)).toBe(true);
    expect(bitIsSet(Buffer.from([0x04]), 4)).toBe(false);
    expect(bitIsSet(Buffer.from([0x04]), 12)).toBe(false);
  });
});

describe('parseCertificate on fixtures', () => {
  it('reads the extensions of an intermediate', () => {
    const c = parseCertificate(der('int-pathlen0'));
    expect(c.version).toBe(3);
    expect(c.basicConstraints).toEqual({ ca: true, pathLen: 0 });
    expect(c.keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    expect(c.extKeyUsage).toBeNull();
    expect(c.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(c.authorityKeyId).toBe(parseCertificate(der('root')).subjectKeyId);
  });

  it('reads a leaf: SAN, EKU, AIA, key and dates', () => {
    const c = parseCertificate(der('leaf-aia'));
    expect(c.san?.dns).toEqual(['localhost', 'valid.example.com']);
    expect(c.san?.ips.map((b) => b.length)).toEqual([4, 16]);
    expect(c.extKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(c.caIssuers).toEqual(['http://ca.example.test/int.der']);
    expect(c.key).toMatchObject({ kind: 'RSA', bits: 2048 });
    expect(c.notBefore.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    // GeneralizedTime past 2049 (RFC 5280 §4.1.2.5)
    expect(parseCertificate(der('leaf-not-yet-valid')).notAfter.toISOString()).toBe('2100-01-01T00:00:00.000Z');
  });

  it('reads signature algorithms and key sizes by OID', () => {
    expect(parseCertificate(der('leaf-md5')).signature).toMatchObject({ name: 'md5WithRSAEncryption', digest: 'MD5', strength: 'broken' });
    expect(parseCertificate(der('leaf-sha1')).signature.digest).toBe('SHA-1');
    expect(parseCertificate(der('leaf-rsa1024')).key.bits).toBe(1024);
    expect(parseCertificate(der('leaf-ec')).key).toMatchObject({ kind: 'EC', curve: 'P-256', curveAccepted: true });
  });
});

describe('fuzzing: mutated certificates never make verification throw', () => {
  const trust = createTrustStore({ extraPems: [pem('root')] });
  const leaf = der('leaf');
  const int = der('int');

  it('survives byte flips, truncations and insertions anywhere in the leaf, and never passes one', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: leaf.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('flip', 'truncate', 'insert'),
        (pos, byte, how) => {
          let mutated: Buffer;
          if (how === 'flip') {
            mutated = Buffer.from(leaf);
            mutated[pos] ^= byte;
          } else if (how === 'truncate') {
            mutated = leaf.subarray(0, pos);
          } else {
            mutated = Buffer.concat([leaf.subarray(0, pos), Buffer.from([byte]), leaf.subarray(pos)]);
          }
          const r = verifyServerChain({ chain: [mutated, int], host: 'valid.example.com', trust, now: FIXED_NOW });
          expect(typeof r.ok).toBe('boolean');
          for (const f of r.findings) expect(f.message.length).toBeGreaterThan(10);
          // Every byte of a certificate is covered by its signature or its structure: any change must fail.
          expect(r.ok).toBe(false);
        },
      ),
      { seed: 20261129, numRuns: 400 },
    );
  });
});
