// Signatures along the path (RFC 5280 §6.1.3 (a)(1)) and the algorithms they use (SHA-1 and MD5 are
// refused by browsers; RFC 5280 §4.1.1.2 requires both algorithm fields to agree). Pure; node:crypto verify.
import type { Finding } from '../events/schema';
import type { Check, CheckResult } from './context';
import { fromTrustStore, isAnchor, onPath, parsed, phrase } from './context';
import { finding, type FindingCode } from './findings';
import { say, sayOk } from './finding-text';
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
        results.push({ index, check: 'signature', findings: [], okMessage: sayOk('signature.self') });
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
          say('SIGNATURE_INVALID', { who: phrase(ctx, index), issuer: displayName(issuer) }),
          { issuer: issuer.subject, algorithm: cert.signature.name },
        ),
      );
    }
    results.push({
      index,
      check: 'signature',
      findings,
      okMessage: sayOk('signature', { issuer: lower(phrase(ctx, issuerIndex)) }),
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
        okMessage: sayOk('algorithm.root', { algorithm: alg.name, notForSignature: fromTrustStore(ctx, index) ? '' : ', not for its signature' }),
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
          say(code, { who, algorithm: alg.name, digest: alg.digest }),
          detail,
          off,
        ),
      );
    } else if (alg.strength === 'unknown') {
      findings.push(finding('ALG_UNKNOWN', index, say('ALG_UNKNOWN', { who, oid: alg.oid }), detail, off));
    }
    if (cert.tbsSignatureOid !== alg.oid) {
      const inner = SIGNATURE_ALGORITHMS[cert.tbsSignatureOid]?.name ?? cert.tbsSignatureOid;
      findings.push(
        finding(
          'ALG_MISMATCH',
          index,
          say('ALG_MISMATCH', { who, inner, outer: alg.name }),
          { ...detail, tbsAlgorithm: inner },
          off,
        ),
      );
    }
    return { index, check: 'algorithm', findings, okMessage: sayOk('algorithm', { algorithm: alg.name }) };
  });
