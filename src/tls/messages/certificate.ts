// Certificate (TLS 1.2 and 1.3 forms), CertificateRequest, CertificateVerify and CertificateStatus into Fields.
// Pure: node:crypto's X509Certificate only names the subject for display (no I/O). RFC 8446 §4.3.2, §4.4.2–4.4.3.
import { X509Certificate } from 'node:crypto';
import type { ByteRange, CertificateDetails, Field } from '../../events/schema';
import { toHex } from '../bytes';
import { emptyFacts, readExtensions } from '../extension-parsers';
import { type FieldReader, UNBUILT, field, hexValue } from '../field-reader';
import { named, sigSchemeName } from '../names/lookup';
import { CERTIFICATE_STATUS_TYPES, CLIENT_CERTIFICATE_TYPES } from '../names/registries';
import type { MessageParser } from './types';

/** Servers send the same certificates on every connection: remember the last descriptions (parsing costs ~0.5 ms). */
const described = new Map<string, string>();
const DESCRIBED_MAX = 256;

function describeCert(der: Uint8Array, hex: string): string {
  const hit = described.get(hex);
  if (hit !== undefined) return hit;
  const text = parseDescription(der);
  if (described.size >= DESCRIBED_MAX) described.delete(described.keys().next().value as string);
  described.set(hex, text);
  return text;
}

function parseDescription(der: Uint8Array): string {
  try {
    const c = new X509Certificate(der);
    const cn = (dn: string): string => dn.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? dn.replace(/\n/g, ', ');
    return `subject ${cn(c.subject)}, issuer ${cn(c.issuer)}`;
  } catch {
    return `${der.length} bytes (not a readable X.509 certificate)`;
  }
}

function certData(r: FieldReader, index: number, certs: string[], ranges: ByteRange[]): Field {
  const start = r.pos;
  const [der, f] = r.opaque(index === 0 ? 'cert_data (leaf)' : `cert_data [${index}]`, 3, index === 0
    ? "The server's own certificate: its public key, its names, and a CA's signature over them"
    : 'An intermediate certificate that links the leaf to a root the client trusts');
  const hex = toHex(der);
  certs.push(hex);
  ranges.push([start + 3, r.pos]);
  if (!r.lean) f.value = describeCert(der, hex);
  return f;
}

/** RFC 5246 §7.4.2 (certificate_list of ASN.1Cert) or RFC 8446 §4.4.2 (context + CertificateEntry list). */
export const parseCertificateBody: MessageParser = (r, ctx) => {
  const certs: string[] = [];
  const ranges: ByteRange[] = [];
  const fields: Field[] = [];
  const facts = emptyFacts();
  if (ctx.version === 0x0304) {
    fields.push(r.opaque('certificate_request_context', 1)[1]);
    fields.push(r.vector('certificate_list', 3, (s, i) => {
      const start = s.pos;
      const data = certData(s, i, certs, ranges);
      const ext = readExtensions(s, 'certificate', facts).field;
      return s.lean ? UNBUILT : field('CertificateEntry', start, s.pos, data.value, undefined, [data, ext]);
    }));
  } else {
    fields.push(r.vector('certificate_list', 3, (s, i) => certData(s, i, certs, ranges)));
  }
  r.done('certificate');
  const details: CertificateDetails = { kind: 'certificate', certificates: certs, ranges };
  return { fields, details, facts, problems: facts.problems };
};

/** RFC 5246 §7.4.4 (TLS 1.2) or RFC 8446 §4.3.2 (TLS 1.3). */
export const parseCertificateRequestBody: MessageParser = (r, ctx) => {
  const fields: Field[] = [];
  const facts = emptyFacts();
  if (ctx.version === 0x0304) {
    fields.push(r.opaque('certificate_request_context', 1)[1]);
    fields.push(readExtensions(r, 'certificate_request', facts).field);
  } else {
    fields.push(r.vector('certificate_types', 1, (s) => s.num('certificate_type', 1, (v) => named(CLIENT_CERTIFICATE_TYPES, v, 'none', 2))[1]));
    if (ctx.version === null || ctx.version >= 0x0303) {
      fields.push(r.vector('supported_signature_algorithms', 2, (s) => s.num('signature_scheme', 2, sigSchemeName)[1]));
    }
    fields.push(r.vector('certificate_authorities', 2, (s) => s.opaque('DistinguishedName', 2)[1]));
  }
  r.done('certificate_request');
  return { fields, facts, problems: facts.problems };
};

/** RFC 8446 §4.4.3 / RFC 5246 §7.4.8 (TLS 1.0/1.1 carry no algorithm). */
export const parseCertificateVerifyBody: MessageParser = (r, ctx) => {
  const fields: Field[] = [];
  if (ctx.version === null || ctx.version >= 0x0303) fields.push(r.num('algorithm', 2, sigSchemeName)[1]);
  fields.push(r.opaque('signature', 2, ctx.version === 0x0304
    ? "A signature over the handshake so far, made with the certificate's private key: proof the server holds it"
    : 'A signature over the handshake so far, made with the certificate private key')[1]);
  r.done('certificate_verify');
  return { fields, problems: [] };
};

/** RFC 6066 §8. */
export const parseCertificateStatusBody: MessageParser = (r) => {
  const [type, tf] = r.num('status_type', 1, (v) => named(CERTIFICATE_STATUS_TYPES, v, 'none', 2));
  const fields = [tf];
  if (type === 1) fields.push(r.opaque('OCSPResponse', 3, "The CA's signed statement that the certificate is not revoked, stapled by the server")[1]);
  else if (r.remaining > 0) fields.push(field('data', r.pos, r.end, hexValue(r.bytes(r.remaining))));
  r.done('certificate_status');
  return { fields, problems: [] };
};
