// Path building (RFC 4158 in spirit, RFC 5280 §6.1 inputs): from the leaf, find each issuer among the sent
// certificates and the trust store, until a trusted certificate, a self-signed one, or a dead end. Pure.
import type { X509Certificate } from 'node:crypto';
import { isSelfIssued, isSelfSigned, type ParsedCertificate, verifiesWith } from './parse-certificate';
import type { TrustStore } from './trust-store';

/** Longest path we build; longer chains are refused (OpenSSL's default depth limit is 100, browsers less). */
export const MAX_PATH_LENGTH = 10;

export type ChainEnd =
  /** `anchor`: index of the path certificate found in the trust store. */
  | { kind: 'trusted'; anchor: number }
  | { kind: 'self-signed-leaf' }
  /** A self-signed certificate the server sent, not in the trust store. */
  | { kind: 'untrusted-root'; root: number }
  /** `last`: the certificate whose issuer was not found; `loop`: the only candidates were already in the path. */
  | { kind: 'issuer-missing'; last: number; loop: boolean }
  | { kind: 'too-long' };

export interface BuiltPath {
  /** Every certificate: the sent ones (null when unparsable) then trust-store certificates the path used. */
  certs: (ParsedCertificate | null)[];
  sentCount: number;
  /** Indexes into `certs`, leaf first. */
  path: number[];
  end: ChainEnd;
}

/** Issuer names equal: byte-equal DER, or the same text (RFC 5280 §7.1 lets encodings differ). */
function nameMatches(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  return child.issuerDer.equals(issuer.subjectDer) || child.issuer === issuer.subject;
}

interface Candidate {
  index: number;
  cert: ParsedCertificate;
  score: number;
}

/**
 * Builds the path from certs[0]. `parseStore` turns a trust-store certificate into a ParsedCertificate
 * (the caller caches and catches); trust-store certificates used are appended to `certs`.
 */
export function buildPath(
  sent: (ParsedCertificate | null)[],
  trust: TrustStore,
  parseStore: (root: X509Certificate) => ParsedCertificate | null,
): BuiltPath {
  const certs = [...sent];
  const sentCount = sent.length;
  const leaf = certs[0];
  if (!leaf) throw new Error('buildPath needs a parsed leaf');
  const path = [0];
  const inPath = new Set<string>([leaf.fingerprint256]);
  const indexOf = (fp: string): number => certs.findIndex((c) => c?.fingerprint256 === fp);

  for (;;) {
    const curIndex = path[path.length - 1];
    const cur = certs[curIndex]!;
    if (trust.has(cur.x509)) return { certs, sentCount, path, end: { kind: 'trusted', anchor: curIndex } };
    if (isSelfSigned(cur)) {
      const end: ChainEnd = path.length === 1 ? { kind: 'self-signed-leaf' } : { kind: 'untrusted-root', root: curIndex };
      return { certs, sentCount, path, end };
    }
    if (path.length >= MAX_PATH_LENGTH) return { certs, sentCount, path, end: { kind: 'too-long' } };

    const candidates: Candidate[] = [];
    let loop = false;
    const consider = (index: number, cert: ParsedCertificate, fromStore: boolean): void => {
      if (!nameMatches(cur, cert)) return;
      if (inPath.has(cert.fingerprint256)) {
        if (!isSelfIssued(cur)) loop = true;
        return;
      }
      if (candidates.some((c) => c.cert.fingerprint256 === cert.fingerprint256)) return;
      // Prefer: the signature verifies (8), the store has it (4), key identifiers agree (2), sent early (order).
      const sigOk = verifiesWith(cur, cert);
      const akiOk = cur.authorityKeyId !== null && cur.authorityKeyId === cert.subjectKeyId;
      const stored = fromStore || trust.has(cert.x509);
      candidates.push({ index, cert, score: (sigOk ? 8 : 0) + (stored ? 4 : 0) + (akiOk ? 2 : 0) });
    };
    certs.forEach((c, i) => {
      if (c && i < sentCount) consider(i, c, false);
    });
    for (const root of trust.findIssuers(cur.x509)) {
      const known = indexOf(root.fingerprint256);
      if (known >= 0) {
        consider(known, certs[known]!, true);
        continue;
      }
      const parsed = parseStore(root);
      if (parsed) consider(-1, parsed, true);
    }
    if (candidates.length === 0) {
      return { certs, sentCount, path, end: { kind: 'issuer-missing', last: curIndex, loop } };
    }
    const best = candidates.reduce((a, b) => (b.score > a.score ? b : a));
    let next = best.index;
    if (next < 0) {
      certs.push(best.cert);
      next = certs.length - 1;
    }
    path.push(next);
    inPath.add(best.cert.fingerprint256);
  }
}
