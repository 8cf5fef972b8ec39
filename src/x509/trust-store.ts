// The set of root certificates a client trusts: Node's bundled roots and/or PEM texts it is given.
// Reading tls.rootCertificates (a constant) is not I/O; callers read any PEM files themselves.
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

export interface TrustStore {
  readonly roots: readonly X509Certificate[];
  /** The very certificate (same DER) is in the store. */
  has(cert: X509Certificate): boolean;
  /** Store certificates whose subject is `cert`'s issuer (candidates; the caller checks signatures). */
  findIssuers(cert: X509Certificate): X509Certificate[];
}

export interface TrustStoreOptions {
  /** Include Node's bundled Mozilla roots (`tls.rootCertificates`). */
  system?: boolean;
  /** PEM texts, each possibly holding many certificates. */
  extraPems?: string[];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every CERTIFICATE block of a PEM text, as DER. Other blocks (keys) are ignored. */
export function pemToDers(pem: string): Buffer[] {
  return (pem.match(PEM_BLOCK) ?? []).map((block) =>
    Buffer.from(block.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), 'base64'),
  );
}

export function createTrustStore(opts: TrustStoreOptions): TrustStore {
  const roots: X509Certificate[] = [];
  const byFingerprint = new Set<string>();
  const bySubject = new Map<string, X509Certificate[]>();
  const add = (der: Buffer): void => {
    const cert = new X509Certificate(der);
    if (byFingerprint.has(cert.fingerprint256)) return;
    byFingerprint.add(cert.fingerprint256);
    roots.push(cert);
    const same = bySubject.get(cert.subject) ?? [];
    same.push(cert);
    bySubject.set(cert.subject, same);
  };
  const pems = [...(opts.system ? rootCertificates : []), ...(opts.extraPems ?? [])];
  for (const pem of pems) for (const der of pemToDers(pem)) add(der);
  return {
    roots,
    has: (cert) => byFingerprint.has(cert.fingerprint256),
    findIssuers: (cert) => [...(bySubject.get(cert.issuer) ?? [])],
  };
}
