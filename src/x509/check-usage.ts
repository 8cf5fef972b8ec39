// What each certificate on the path is allowed to do: extendedKeyUsage (RFC 5280 §4.2.1.12), basicConstraints
// (§4.2.1.9, §6.1.4 (k)(l)(m)) and keyUsage (§4.2.1.3; RFC 5246 §7.4.2 for the leaf's TLS use). Pure.
import type { Finding } from '../events/schema';
import type { Check, CheckContext, CheckResult } from './context';
import { fromTrustStore, isAnchor, phrase } from './context';
import { finding } from './findings';
import { say, sayOk } from './finding-text';
import { EKU_ANY, EKU_NAMES, EKU_SERVER_AUTH } from './oids';
import { isSelfIssued, type ParsedCertificate } from './parse-certificate';
import { list } from './words';

function ekuNames(cert: ParsedCertificate): string[] {
  return (cert.extKeyUsage ?? []).map((oid) => EKU_NAMES[oid] ?? oid);
}

function allowsServerAuth(cert: ParsedCertificate): boolean {
  return cert.extKeyUsage === null || cert.extKeyUsage.includes(EKU_SERVER_AUTH) || cert.extKeyUsage.includes(EKU_ANY);
}

/** Path positions with their chain indexes. */
function pathCerts(ctx: CheckContext): { index: number; pos: number; cert: ParsedCertificate }[] {
  return ctx.path.map((index, pos) => ({ index, pos, cert: ctx.certs[index]! }));
}

export const checkExtendedKeyUsage: Check = (ctx) =>
  pathCerts(ctx).flatMap(({ index, pos, cert }): CheckResult[] => {
    const who = phrase(ctx, index);
    const names = ekuNames(cert);
    const detail = { extendedKeyUsage: names.join(', ') || '(none)' };
    const findings: Finding[] = [];
    if (pos === 0) {
      if (!allowsServerAuth(cert)) {
        findings.push(
          finding(
            'EKU_NO_SERVER_AUTH',
            index,
            say('EKU_NO_SERVER_AUTH', { who, usages: list(names) }),
            detail,
          ),
        );
      }
      const ok = sayOk(cert.extKeyUsage === null ? 'extended-key-usage.leaf_none' : 'extended-key-usage.leaf');
      return [{ index, check: 'extended-key-usage', findings, okMessage: ok }];
    }
    if (isAnchor(ctx, index) && fromTrustStore(ctx, index)) return [];
    if (!allowsServerAuth(cert)) {
      findings.push(
        finding(
          'EKU_CA_NO_SERVER_AUTH',
          index,
          say('EKU_CA_NO_SERVER_AUTH', { who, usages: list(names) }),
          detail,
        ),
      );
    }
    return [{ index, check: 'extended-key-usage', findings, okMessage: sayOk(cert.extKeyUsage === null ? 'extended-key-usage.ca_none' : 'extended-key-usage.ca') }];
  });

export const checkBasicConstraints: Check = (ctx) =>
  pathCerts(ctx).map(({ index, pos, cert }): CheckResult => {
    const who = phrase(ctx, index);
    const bc = cert.basicConstraints;
    const detail = { basicConstraints: bc ? `CA:${bc.ca ? 'TRUE' : 'FALSE'}${bc.pathLen !== null ? `, pathlen:${bc.pathLen}` : ''}` : '(none)' };
    const findings: Finding[] = [];
    if (pos === 0) {
      if (bc?.ca) {
        findings.push(
          finding(
            'BC_LEAF_IS_CA',
            index,
            say('BC_LEAF_IS_CA', { who }),
            detail,
          ),
        );
      }
      return { index, check: 'basic-constraints', findings, okMessage: sayOk('basic-constraints.leaf') };
    }
    if (!bc?.ca) {
      // A version 1 root in the trust store has no extensions at all: it is trusted by being in the store.
      const v1Anchor = cert.version < 3 && isAnchor(ctx, index) && fromTrustStore(ctx, index);
      if (!v1Anchor) {
        findings.push(
          finding(
            'BC_ISSUER_NOT_CA',
            index,
            say('BC_ISSUER_NOT_CA', { who, constraints: bc ? 'CA:FALSE' : 'no basicConstraints' }),
            detail,
          ),
        );
      }
    }
    if (bc?.ca && bc.pathLen !== null) {
      // §6.1.4 (l)(m): count the non-self-issued intermediates below this one (the leaf does not count).
      const below = ctx.path.slice(1, pos).filter((i) => !isSelfIssued(ctx.certs[i]!)).length;
      if (below > bc.pathLen) {
        findings.push(
          finding(
            'BC_PATH_LEN_EXCEEDED',
            index,
            say('BC_PATH_LEN_EXCEEDED', { who, max: bc.pathLen, s: bc.pathLen === 1 ? '' : 's', below }),
            { ...detail, intermediatesBelow: String(below) },
          ),
        );
      }
    }
    return { index, check: 'basic-constraints', findings, okMessage: sayOk('basic-constraints.ca') };
  });

export const checkKeyUsage: Check = (ctx) =>
  pathCerts(ctx).map(({ index, pos, cert }): CheckResult => {
    const who = phrase(ctx, index);
    const ku = cert.keyUsage;
    const detail = { keyUsage: ku ? ku.join(', ') || '(empty)' : '(none)', key: cert.key.label };
    const findings: Finding[] = [];
    if (ku === null) {
      return { index, check: 'key-usage', findings, okMessage: sayOk('key-usage.none') };
    }
    if (pos > 0) {
      if (!ku.includes('keyCertSign')) {
        findings.push(
          finding(
            'KU_ISSUER_NO_CERT_SIGN',
            index,
            say('KU_ISSUER_NO_CERT_SIGN', { who, usages: list(ku) }),
            detail,
          ),
        );
      }
      return { index, check: 'key-usage', findings, okMessage: sayOk('key-usage.ca') };
    }
    const sign = ku.includes('digitalSignature');
    const rsa = cert.key.kind === 'RSA';
    if (rsa && !sign && ku.includes('keyEncipherment')) {
      findings.push(
        finding(
          'KU_LEAF_RSA_KEY_TRANSPORT_ONLY',
          index,
          say('KU_LEAF_RSA_KEY_TRANSPORT_ONLY', { who }),
          detail,
        ),
      );
    } else if (!sign) {
      findings.push(
        finding(
          'KU_LEAF_NOT_FOR_TLS',
          index,
          say(rsa ? 'KU_LEAF_NOT_FOR_TLS.rsa' : 'KU_LEAF_NOT_FOR_TLS', { who, usages: list(ku), kind: cert.key.kind }),
          detail,
        ),
      );
    }
    return { index, check: 'key-usage', findings, okMessage: sayOk('key-usage.leaf', { usages: list(ku) }) };
  });
