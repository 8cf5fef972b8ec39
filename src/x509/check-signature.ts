// Signatures along the path (RFC 5280 §6.1.3 (a)(1)) and the algorithms they use (SHA-1 and MD5 are
// refused by browsers; RFC 5280 §4.1.1.2 requires both algorithm fields to agree). Pure; node:crypto verify.
import type { Finding } from '../events/schema';
import type { Check, CheckResult } from './context';
import { fromTrustStore, isAnchor, onPath, parsed, phrase } from './context';
import { finding, type FindingCode } from './findings';
import { displayName, isSelfIssued, verifiesWith } from './parse-certificate';
import { SIGNATURE_ALGORITHMS } from './oids';
import { lower } from './words';

/** Each certificate on the path, except where it ends, must verify with the next one's public key. */
export const checkSignature: Check = (ctx) => {
  const results: CheckResult[] = [];
  ctx.path.forEach((index, pos) => {
    const cert = ctx.certs[index]!;
    const issuerIndex = ctx.path[pos + 1];
    if (issuerIndex === undefined) {
      if (index === 0 && ctx.end.kind === 'self-signed-leaf') {
        results.push({ index, check: 'signature', findings: [], okMessage: 'Its signature verifies with its own public key (it is self-signed).' });
      }
      return;
    }
    const issuer = ctx.certs[issuerIndex]!;
    const findings: Finding[] = [];
    if (!verifiesWith(cert, issuer)) {
      findings.push(
        finding(
          'SIGNATURE_INVALID',
          index,
          `${phrase(ctx, index)} carries a signature that does not verify with the public key of “${displayName(issuer)}”: it was altered, or signed by a different key.`,
          { issuer: issuer.subject, algorithm: cert.signature.name },
        ),
      );
    }
    results.push({
      index,
      check: 'signature',
      findings,
      okMessage: `Its signature verifies with the public key of ${lower(phrase(ctx, issuerIndex))}.`,
    });
  });
  return results;
};

const DIGEST_CODES: Readonly<Record<string, FindingCode>> = { 'SHA-1': 'ALG_SHA1_SIGNATURE', MD5: 'ALG_MD5_SIGNATURE' };

/** The signature algorithm of every certificate but a root's self-signature (a root is trusted by being in the store). */
export const checkAlgorithm: Check = (ctx) =>
  parsed(ctx).map(([index, cert]): CheckResult => {
    const alg = cert.signature;
    const detail = { algorithm: alg.name, oid: alg.oid, digest: alg.digest };
    const who = phrase(ctx, index);
    if (index > 0 && isAnchor(ctx, index) && isSelfIssued(cert)) {
      return {
        index,
        check: 'algorithm',
        findings: [],
        okMessage: `Signed with ${alg.name}, which does not matter for a root: it is trusted (or not) for being in the trust store${fromTrustStore(ctx, index) ? '' : ', not for its signature'}.`,
      };
    }
    const off = !onPath(ctx, index);
    const findings: Finding[] = [];
    if (alg.strength === 'broken') {
      const code = DIGEST_CODES[alg.digest] ?? 'ALG_BROKEN_DIGEST';
      findings.push(
        finding(
          code,
          index,
          `${who} is signed with ${alg.name}: ${alg.digest} collisions can be forged, so browsers stopped accepting ${alg.digest} certificate signatures.`,
          detail,
          off,
        ),
      );
    } else if (alg.strength === 'unknown') {
      findings.push(finding('ALG_UNKNOWN', index, `${who} is signed with an algorithm tlslab does not know (${alg.oid}).`, detail, off));
    }
    if (cert.tbsSignatureOid !== alg.oid) {
      const inner = SIGNATURE_ALGORITHMS[cert.tbsSignatureOid]?.name ?? cert.tbsSignatureOid;
      findings.push(
        finding(
          'ALG_MISMATCH',
          index,
          `${who} names two different signature algorithms (${inner} inside, ${alg.name} outside), which RFC 5280 forbids.`,
          { ...detail, tbsAlgorithm: inner },
          off,
        ),
      );
    }
    return { index, check: 'algorithm', findings, okMessage: `Signed with ${alg.name}, a current algorithm.` };
  });
