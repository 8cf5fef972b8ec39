// Mirror mode: turns the upstream's findings into a leaf with the same flaws, so the browser shows the error
// it would show without tlslab in the middle. Pure: findings in, a MirrorSpec out.
import { X509Certificate } from 'node:crypto';
import type { Finding } from '../events/schema';
import type { LeafNames, MirrorSpec } from '../ca';
import { certificateNames } from '../x509';

/** A name no client asks for: mirrors a certificate whose names do not match (or that has only a CN). */
const NOWHERE = 'name-mismatch.invalid';

export function mirrorSpecFor(findings: readonly Finding[], leafDer: Buffer | undefined, asked: LeafNames): MirrorSpec {
  const codes = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.code));
  const spec: MirrorSpec = { names: asked };
  if ((codes.has('CERT_EXPIRED') || codes.has('CERT_NOT_YET_VALID')) && leafDer) {
    const leaf = new X509Certificate(leafDer);
    spec.notBefore = new Date(leaf.validFrom);
    spec.notAfter = new Date(leaf.validTo);
  }
  if (codes.has('HOSTNAME_MISMATCH') || codes.has('HOSTNAME_CN_ONLY')) {
    const own = leafDer ? certificateNames(leafDer) : null;
    spec.names = own && !codes.has('HOSTNAME_CN_ONLY') && own.dns.length + own.ips.length > 0 ? { dns: own.dns, ips: own.ips } : { dns: [NOWHERE], ips: [] };
  }
  if (codes.has('CHAIN_SELF_SIGNED_LEAF')) spec.selfSigned = true;
  else if (codes.has('CHAIN_MISSING_INTERMEDIATE')) spec.missingIntermediate = true;
  else if (codes.has('CHAIN_UNTRUSTED_ROOT') || codes.has('CHAIN_UNKNOWN_ISSUER') || codes.has('SIGNATURE_INVALID') || codes.has('NODE_VERIFY_FAILED') || codes.has('BC_ISSUER_NOT_CA') || codes.has('KU_ISSUER_NO_CERT_SIGN')) {
    spec.untrustedIssuer = true;
  }
  if (codes.has('ALG_SHA1_SIGNATURE')) spec.signatureHash = 'sha1';
  else if (codes.has('ALG_MD5_SIGNATURE')) spec.signatureHash = 'md5';
  if (codes.has('KEY_RSA_TOO_SMALL')) spec.weakKey = 'rsa1024';
  if (codes.has('EKU_NO_SERVER_AUTH')) spec.eku = 'clientAuth';
  return spec;
}
