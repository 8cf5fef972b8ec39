// The SSLv2-compatible ClientHello (RFC 5246 Appendix E.2) that very old clients send to reach TLS servers.
// Pure: the SSLv2 message bytes in, Fields and ClientHelloDetails out.
import type { ClientHelloDetails, Field, Named, Side } from '../events/schema';
import { toHex } from './bytes';
import { DecodeFailure } from './errors';
import { FieldReader, field } from './field-reader';
import { ja3Hash, ja3String, ja4 } from './fingerprint';
import { SSLV2_CIPHER_SPECS } from './names/cipher-suites';
import { hex, named, show, suiteName, versionName } from './names/lookup';
import type { MessageResult } from './messages/types';
import { handshakeTypeName } from './names/lookup';
import type { TlsEvent } from './tls-events';

/**
 * `msg` is the SSLv2 message after the 2-byte record header:
 * msg_type(1) version(2) cipher_spec_length(2) session_id_length(2) challenge_length(2)
 * cipher_specs[cipher_spec_length] session_id[…] challenge[…]. Throws DecodeFailure (caught by the caller).
 */
export function parseSslv2ClientHello(msg: Uint8Array): MessageResult & { details: ClientHelloDetails } {
  const r = new FieldReader(msg);
  const fields: Field[] = [];
  fields.push(r.num('msg_type', 1, () => 'client_hello (1)', 'SSLv2 message framing, kept only so old clients can reach TLS servers')[1]);
  const [version, vf] = r.num('version', 2, versionName, 'The highest version the client supports');
  fields.push(vf);
  const [specLen, sl] = r.num('cipher_spec_length', 2);
  const [sidLen, il] = r.num('session_id_length', 2);
  const [chLen, cl] = r.num('challenge_length', 2);
  fields.push(sl, il, cl);
  const suites: Named[] = [];
  const specsStart = r.pos;
  const specs = r.sub(specLen, 'cipher_specs');
  const children: Field[] = [];
  while (specs.remaining >= 3) {
    const s = specs.pos;
    const v = specs.uint(3, 'cipher_spec');
    const n = v >> 16 === 0 ? suiteName(v & 0xffff) : named(SSLV2_CIPHER_SPECS, v, 'none', 6);
    if (v >> 16 === 0) suites.push(n);
    children.push(field('cipher_spec', s, specs.pos, v >> 16 === 0 ? show(n) : `${n.name} (${hex(v, 6)})`));
  }
  specs.done('cipher_specs');
  fields.push(field('cipher_specs', specsStart, r.pos, `${children.length} item(s)`, 'SSLv2 cipher specs are 3 bytes; those starting with 00 are TLS cipher suites', children));
  const [sid, sf] = r.raw('session_id', sidLen);
  fields.push(sf);
  const [challenge, chf] = r.raw('challenge', chLen, 'Becomes the client random, right-aligned and zero-padded to 32 bytes');
  fields.push(chf);
  r.done('SSLv2 ClientHello');
  const random = toHex(challenge).slice(-64).padStart(64, '0');
  const fp = {
    legacyVersion: version, cipherSuites: suites.map((s) => s.code), extensions: [], groups: [], ecPointFormats: [],
    signatureAlgorithms: [], supportedVersions: [], firstAlpn: null,
  };
  const ja3 = ja3String(fp);
  const details: ClientHelloDetails = {
    kind: 'client_hello', legacyVersion: versionName(version), random, sessionId: toHex(sid), cipherSuites: suites,
    extensions: [], sni: null, alpn: [], supportedVersions: [], groups: [], signatureAlgorithms: [], keyShareGroups: [],
    sslv2Compatible: true, ja3, ja3Hash: ja3Hash(ja3), ja4: ja4(fp),
  };
  return { fields, details, problems: [] };
}

/** The `tls:handshake` event of an SSLv2-compatible ClientHello, or why it could not be read. */
export function sslv2HandshakeEvent(from: Side, msg: Uint8Array, offset: number): { event: TlsEvent; details: ClientHelloDetails } | { failure: DecodeFailure } {
  try {
    const parsed = parseSslv2ClientHello(msg);
    const event: TlsEvent = {
      type: 'tls:handshake', from, step: 1, msgType: handshakeTypeName(1), length: msg.length, encrypted: false, offset,
      hex: toHex(msg), fields: parsed.fields, details: parsed.details,
      note: 'An SSLv2-compatible ClientHello (RFC 5246 Appendix E.2): the oldest way to say hello, kept for ancient clients',
    };
    return { event, details: parsed.details };
  } catch (e) {
    return { failure: e instanceof DecodeFailure ? e : new DecodeFailure('TLSLAB_ERR_DECODE_INTERNAL', String(e), 0) };
  }
}
