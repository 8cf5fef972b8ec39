// Object identifiers a student meets in a certificate, with their names: signature algorithms, key types,
// curves, extensions, extended key usages. Plain tables; no I/O.

/** How a digest is judged: `broken` = collisions are practical (browsers refuse), `ok` otherwise. */
export type DigestStrength = 'broken' | 'ok' | 'none';

export interface SignatureAlgorithmInfo {
  name: string;
  /** The digest inside the signature, e.g. `SHA-256`; Ed25519/Ed448 hash internally. */
  digest: string;
  strength: DigestStrength;
}

/**
 * Signature algorithms (RFC 3279 §2.2, RFC 4055 §5, RFC 5758 §3, RFC 8410 §3).
 * RSASSA-PSS carries its digest in parameters; see `pssDigest` in parse-certificate.ts.
 */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithmInfo>> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', digest: 'MD2', strength: 'broken' },
  '1.2.840.113549.1.1.3': { name: 'md4WithRSAEncryption', digest: 'MD4', strength: 'broken' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', digest: 'MD5', strength: 'broken' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', digest: 'SHA-1', strength: 'broken' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', digest: 'SHA-224', strength: 'ok' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', digest: 'SHA-256', strength: 'ok' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', digest: 'SHA-384', strength: 'ok' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', digest: 'SHA-512', strength: 'ok' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', digest: 'SHA-1', strength: 'broken' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', digest: 'SHA-1', strength: 'broken' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', digest: 'SHA-224', strength: 'ok' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', digest: 'SHA-256', strength: 'ok' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', digest: 'SHA-384', strength: 'ok' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', digest: 'SHA-512', strength: 'ok' },
  '1.2.840.10040.4.3': { name: 'dsa-with-SHA1', digest: 'SHA-1', strength: 'broken' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-SHA256', digest: 'SHA-256', strength: 'ok' },
  '1.3.101.112': { name: 'Ed25519', digest: 'SHA-512 (built in)', strength: 'none' },
  '1.3.101.113': { name: 'Ed448', digest: 'SHAKE256 (built in)', strength: 'none' },
};

/** Digest OIDs (RFC 5754 §2, RFC 3279), for RSASSA-PSS parameters. */
export const DIGESTS: Readonly<Record<string, { name: string; strength: DigestStrength }>> = {
  '1.3.14.3.2.26': { name: 'SHA-1', strength: 'broken' },
  '2.16.840.1.101.3.4.2.4': { name: 'SHA-224', strength: 'ok' },
  '2.16.840.1.101.3.4.2.1': { name: 'SHA-256', strength: 'ok' },
  '2.16.840.1.101.3.4.2.2': { name: 'SHA-384', strength: 'ok' },
  '2.16.840.1.101.3.4.2.3': { name: 'SHA-512', strength: 'ok' },
  '1.2.840.113549.2.5': { name: 'MD5', strength: 'broken' },
};

export type KeyKind = 'RSA' | 'RSA-PSS' | 'EC' | 'Ed25519' | 'Ed448' | 'DSA' | 'unknown';

/** SubjectPublicKeyInfo algorithms (RFC 3279 §2.3, RFC 5480 §2.1.1, RFC 8410 §3). */
export const KEY_ALGORITHMS: Readonly<Record<string, KeyKind>> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.113549.1.1.10': 'RSA-PSS',
  '1.2.840.10045.2.1': 'EC',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
  '1.2.840.10040.4.1': 'DSA',
};

/** Named curves (RFC 5480 §2.1.1.1, SEC 2, RFC 5639). `accepted` = one browsers and this lab accept. */
export const CURVES: Readonly<Record<string, { name: string; bits: number; accepted: boolean }>> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', bits: 256, accepted: true },
  '1.3.132.0.34': { name: 'P-384', bits: 384, accepted: true },
  '1.3.132.0.35': { name: 'P-521', bits: 521, accepted: true },
  '1.2.840.10045.3.1.1': { name: 'P-192', bits: 192, accepted: false },
  '1.3.132.0.33': { name: 'P-224', bits: 224, accepted: false },
  '1.3.132.0.10': { name: 'secp256k1', bits: 256, accepted: false },
  '1.3.36.3.3.2.8.1.1.7': { name: 'brainpoolP256r1', bits: 256, accepted: false },
  '1.3.36.3.3.2.8.1.1.11': { name: 'brainpoolP384r1', bits: 384, accepted: false },
  '1.3.36.3.3.2.8.1.1.13': { name: 'brainpoolP512r1', bits: 512, accepted: false },
};

/** Certificate extensions read here (RFC 5280 §4.2.1, §4.2.2.1). */
export const EXT = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
} as const;

/** AccessDescription method for "where to download my issuer's certificate" (RFC 5280 §4.2.2.1). */
export const CA_ISSUERS_OID = '1.3.6.1.5.5.7.48.2';

export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const EKU_ANY = '2.5.29.37.0';

/** Extended key usages (RFC 5280 §4.2.1.12). */
export const EKU_NAMES: Readonly<Record<string, string>> = {
  [EKU_SERVER_AUTH]: 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  [EKU_ANY]: 'anyExtendedKeyUsage',
};

/** keyUsage bits (RFC 5280 §4.2.1.3), by bit number. */
export const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export type KeyUsageName = (typeof KEY_USAGE_BITS)[number];

/** Name attribute types shown in subjects (RFC 5280 §4.1.2.4, Appendix A.1). */
export const NAME_ATTRIBUTES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.5': 'serialNumber',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export const CN_OID = '2.5.4.3';

export function oidName(table: Readonly<Record<string, { name: string }>>, oid: string): string {
  return table[oid]?.name ?? oid;
}
