// fingerprintsOf remembers JA3/JA4 by their inputs: whatever the order of calls, it answers what ja3String, ja3Hash
// and ja4 compute afresh, for inputs that differ in any one list or in the ALPN id, and hands out new objects.
import fc from 'fast-check';
import { fingerprintsOf, ja3Hash, ja3String, ja4, type HelloForFingerprint } from '../../../src/tls/fingerprint';

const u16 = fc.integer({ min: 0, max: 0xffff });
/** Mostly from a few values, so that inputs repeat and differ by little. */
const code = fc.oneof(fc.constantFrom(0x0a0a, 0x1301, 0x1302, 0x0000, 0x0010, 0x002b, 0x0304, 0x0303, 0x0403), u16);
const hello: fc.Arbitrary<HelloForFingerprint> = fc.record({
  legacyVersion: fc.constantFrom(0x0303, 0x0301, 0x0300),
  cipherSuites: fc.array(code, { maxLength: 8 }),
  extensions: fc.array(code, { maxLength: 8 }),
  groups: fc.array(code, { maxLength: 4 }),
  ecPointFormats: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 }),
  signatureAlgorithms: fc.array(code, { maxLength: 6 }),
  supportedVersions: fc.array(fc.constantFrom(0x0304, 0x0303, 0x0a0a, 0x7f1c), { maxLength: 3 }),
  firstAlpn: fc.option(fc.oneof(fc.constantFrom(new Uint8Array([0x68, 0x32]), new Uint8Array([0x68, 0x33])), fc.uint8Array({ maxLength: 4 })), { nil: null }),
});

const fresh = (h: HelloForFingerprint): { ja3: string; ja3Hash: string; ja4: string } => {
  const ja3 = ja3String(h);
  return { ja3, ja3Hash: ja3Hash(ja3), ja4: ja4(h) };
};

describe('fingerprintsOf', () => {
  it('equals the fingerprints computed afresh, called again and again in any order', () => {
    fc.assert(
      fc.property(fc.array(hello, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (hellos, picks) => {
        for (const i of [...hellos.keys(), ...picks.map((p) => p % hellos.length)]) {
          expect(fingerprintsOf(hellos[i])).toEqual(fresh(hellos[i]));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('tells apart hellos that differ only in one code, one list boundary or the ALPN id', () => {
    const base: HelloForFingerprint = {
      legacyVersion: 0x0303, cipherSuites: [0x1301, 0x1302], extensions: [0x0000, 0x0010, 0x002b], groups: [0x001d],
      ecPointFormats: [0], signatureAlgorithms: [0x0403], supportedVersions: [0x0304], firstAlpn: new Uint8Array([0x68, 0x32]),
    };
    const variants: HelloForFingerprint[] = [
      base,
      { ...base, cipherSuites: [0x1301, 0x1303] },
      { ...base, cipherSuites: [0x1301], extensions: [0x1302, 0x0000, 0x0010, 0x002b] }, // a code moved across lists
      { ...base, firstAlpn: new Uint8Array([0x68, 0x33]) },
      { ...base, firstAlpn: null },
      { ...base, firstAlpn: new Uint8Array([]) },
      { ...base, supportedVersions: [] },
      { ...base, legacyVersion: 0x0301, supportedVersions: [] },
    ];
    for (const v of variants) expect(fingerprintsOf(v)).toEqual(fresh(v));
    // No ALPN and an empty ALPN id both read "00" (JA4): every other variant has fingerprints of its own.
    expect(new Set(variants.map((v) => JSON.stringify(fingerprintsOf(v)))).size).toBe(variants.length - 1);
  });

  it('hands out a new object each time', () => {
    const h: HelloForFingerprint = {
      legacyVersion: 0x0303, cipherSuites: [0x1301], extensions: [], groups: [], ecPointFormats: [], signatureAlgorithms: [], supportedVersions: [], firstAlpn: null,
    };
    const a = fingerprintsOf(h);
    a.ja4 = 'changed';
    expect(fingerprintsOf(h)).toEqual(fresh(h));
  });
});
