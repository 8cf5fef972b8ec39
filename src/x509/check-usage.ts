// What each certificate on the path is allowed to do: extendedKeyUsage (RFC 5280 §4.2.1.12), basicConstraints
// (§4.2.1.9, §6.1.4 (k)(l)(m)) and keyUsage (§4.2.1.3; RFC 5246 §7.4.2 for the leaf's TLS use). Pure.
import type { Finding } from '../events/schema';
import type { Check, CheckContext, CheckResult } from './context';
import { fromTrustStore, isAnchor, phrase } from './context';
import { finding } from './findings';
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
            `${who} may only be used for ${list(names)}, not to identify a web server (serverAuth).`,
            detail,
          ),
        );
      }
      const ok = cert.extKeyUsage === null ? 'It has no extended key usage, so any use is allowed, serving a website included.' : 'Its extended key usage allows serving a website (serverAuth).';
      return [{ index, check: 'extended-key-usage', findings, okMessage: ok }];
    }
    if (isAnchor(ctx, index) && fromTrustStore(ctx, index)) return [];
    if (!allowsServerAuth(cert)) {
      findings.push(
        finding(
          'EKU_CA_NO_SERVER_AUTH',
          index,
          `${who} restricts everything it issues to ${list(names)}, so it cannot vouch for a web server.`,
          detail,
        ),
      );
    }
    return [{ index, check: 'extended-key-usage', findings, okMessage: cert.extKeyUsage === null ? 'It puts no limit on what its certificates are used for.' : 'It allows issuing certificates for web servers.' }];
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
            `${who} says it is a certificate authority (CA:TRUE): a server's certificate should not be able to issue certificates of its own.`,
            detail,
          ),
        );
      }
      return { index, check: 'basic-constraints', findings, okMessage: 'It is not a certificate authority, as a server certificate should be.' };
    }
    if (!bc?.ca) {
      // A version 1 root in the trust store has no extensions at all: it is trusted by being in the store.
      const v1Anchor = cert.version < 3 && isAnchor(ctx, index) && fromTrustStore(ctx, index);
      if (!v1Anchor) {
        findings.push(
          finding(
            'BC_ISSUER_NOT_CA',
            index,
            `${who} signed the certificate below it, but it is not a certificate authority (${bc ? 'CA:FALSE' : 'no basicConstraints'}), so what it signs is worthless.`,
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
            `${who} allows at most ${bc.pathLen} intermediate certificate${bc.pathLen === 1 ? '' : 's'} below it (pathlen:${bc.pathLen}), but the chain has ${below}.`,
            { ...detail, intermediatesBelow: String(below) },
          ),
        );
      }
    }
    return { index, check: 'basic-constraints', findings, okMessage: 'It is a certificate authority (CA:TRUE), so it may sign certificates.' };
  });

export const checkKeyUsage: Check = (ctx) =>
  pathCerts(ctx).map(({ index, pos, cert }): CheckResult => {
    const who = phrase(ctx, index);
    const ku = cert.keyUsage;
    const detail = { keyUsage: ku ? ku.join(', ') || '(empty)' : '(none)', key: cert.key.label };
    const findings: Finding[] = [];
    if (ku === null) {
      return { index, check: 'key-usage', findings, okMessage: 'It has no keyUsage extension, so its key is not restricted.' };
    }
    if (pos > 0) {
      if (!ku.includes('keyCertSign')) {
        findings.push(
          finding(
            'KU_ISSUER_NO_CERT_SIGN',
            index,
            `${who} signed the certificate below it, but its key usage (${list(ku)}) does not include signing certificates (keyCertSign).`,
            detail,
          ),
        );
      }
      return { index, check: 'key-usage', findings, okMessage: 'Its key usage allows signing certificates (keyCertSign).' };
    }
    const sign = ku.includes('digitalSignature');
    const rsa = cert.key.kind === 'RSA';
    if (rsa && !sign && ku.includes('keyEncipherment')) {
      findings.push(
        finding(
          'KU_LEAF_RSA_KEY_TRANSPORT_ONLY',
          index,
          `${who} allows its RSA key only for key encipherment: that works only for TLS 1.2 RSA key exchange, not for TLS 1.3 or ECDHE, which need digitalSignature.`,
          detail,
        ),
      );
    } else if (!sign) {
      findings.push(
        finding(
          'KU_LEAF_NOT_FOR_TLS',
          index,
          `${who} has a key usage (${list(ku)}) that forbids what a TLS server does with its ${cert.key.kind} key: ${rsa ? 'sign the handshake (digitalSignature) or receive the key (keyEncipherment)' : 'sign the handshake (digitalSignature)'}.`,
          detail,
        ),
      );
    }
    return { index, check: 'key-usage', findings, okMessage: `Its key usage (${list(ku)}) allows what a TLS server does with its key.` };
  });
