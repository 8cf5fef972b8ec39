// Field trees (name, value, byte range) for the RFC 8448 handshake messages the dashboard fixtures replay.
// Pure: hex in, Field[] out. Ranges are relative to the message's first byte (the 4-byte handshake header included).
import type { Field } from '../../src/events/schema';

const HS_TYPES: Record<number, string> = {
  1: 'client_hello', 2: 'server_hello', 4: 'new_session_ticket', 8: 'encrypted_extensions', 11: 'certificate', 15: 'certificate_verify', 20: 'finished',
};
const SUITES: Record<number, string> = { 0x1301: 'TLS_AES_128_GCM_SHA256', 0x1302: 'TLS_AES_256_GCM_SHA384', 0x1303: 'TLS_CHACHA20_POLY1305_SHA256' };
const EXTENSIONS: Record<number, string> = {
  0: 'server_name', 10: 'supported_groups', 13: 'signature_algorithms', 28: 'record_size_limit', 35: 'session_ticket', 42: 'early_data',
  43: 'supported_versions', 45: 'psk_key_exchange_modes', 51: 'key_share', 0xff01: 'renegotiation_info',
};
const GROUPS: Record<number, string> = { 0x1d: 'x25519', 0x17: 'secp256r1', 0x18: 'secp384r1', 0x19: 'secp521r1', 0x100: 'ffdhe2048', 0x101: 'ffdhe3072', 0x102: 'ffdhe4096', 0x103: 'ffdhe6144', 0x104: 'ffdhe8192' };
const VERSIONS: Record<number, string> = { 0x0301: 'TLS 1.0', 0x0302: 'TLS 1.1', 0x0303: 'TLS 1.2', 0x0304: 'TLS 1.3' };

const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
const named = (table: Record<number, string>, n: number): string => `${table[n] ?? 'unknown'} (${hex4(n)})`;

class Reader {
  constructor(readonly b: Buffer) {}
  u8(i: number): number {
    return this.b[i];
  }
  u16(i: number): number {
    return this.b.readUInt16BE(i);
  }
  u24(i: number): number {
    return this.b.readUIntBE(i, 3);
  }
}

/** msg_type and length: RFC 8446 §4. */
function header(r: Reader): Field[] {
  const t = r.u8(0);
  return [
    { name: 'msg_type', value: `${HS_TYPES[t] ?? 'unknown'} (${t})`, range: [0, 1] },
    { name: 'length', value: `${r.u24(1)} bytes`, range: [1, 4] },
  ];
}

/** One extension (RFC 8446 §4.2): type, length, and a readable body for the ones a student looks at. */
function extension(r: Reader, at: number, inServerHello: boolean): { field: Field; end: number } {
  const type = r.u16(at);
  const len = r.u16(at + 2);
  const end = at + 4 + len;
  const children: Field[] = [
    { name: 'extension_type', value: named(EXTENSIONS, type), range: [at, at + 2] },
    { name: 'extension_data length', value: `${len}`, range: [at + 2, at + 4] },
  ];
  const d = at + 4;
  let value: string | undefined;
  let note: string | undefined;
  if (type === 0 && len > 0) {
    const nameLen = r.u16(d + 3);
    value = r.b.subarray(d + 5, d + 5 + nameLen).toString('latin1');
    children.push(
      { name: 'server_name_list length', range: [d, d + 2] },
      { name: 'name_type', value: 'host_name (0)', range: [d + 2, d + 3] },
      { name: 'host_name length', value: `${nameLen}`, range: [d + 3, d + 5] },
      { name: 'host_name', value, range: [d + 5, d + 5 + nameLen] },
    );
    note = 'SNI: the name the client wants, in clear text — this is how tlslab (and any observer) knows where you are going.';
  } else if (type === 43) {
    const versions: string[] = [];
    if (inServerHello) versions.push(named(VERSIONS, r.u16(d)));
    else for (let i = d + 1; i < end; i += 2) versions.push(named(VERSIONS, r.u16(i)));
    value = versions.join(', ');
    note = inServerHello ? 'The version really chosen: TLS 1.3 hides behind legacy_version 0x0303.' : 'The versions the client speaks; TLS 1.3 is only announced here.';
  } else if (type === 51) {
    const first = inServerHello ? d : d + 2;
    const g = r.u16(first);
    const kl = r.u16(first + 2);
    value = `${named(GROUPS, g)}, ${kl}-byte public key`;
    children.push(
      ...(inServerHello ? [] : [{ name: 'client_shares length', range: [d, d + 2] } as Field]),
      { name: 'group', value: named(GROUPS, g), range: [first, first + 2] },
      { name: 'key_exchange', value: `${kl} bytes`, range: [first + 2, first + 4 + kl], note: 'An ephemeral (EC)DH public key: the key exchange of TLS 1.3 happens right here.' },
    );
    note = 'key_share: the ephemeral public key. Both hellos carry one, so the shared secret exists after the ServerHello.';
  } else if (type === 10) {
    const gs: string[] = [];
    for (let i = d + 2; i < end; i += 2) gs.push(GROUPS[r.u16(i)] ?? hex4(r.u16(i)));
    value = gs.join(', ');
  }
  const field: Field = { name: EXTENSIONS[type] ?? `extension ${hex4(type)}`, range: [at, end], children };
  if (value !== undefined) field.value = value;
  if (note !== undefined) field.note = note;
  return { field, end };
}

function extensions(r: Reader, at: number, inServerHello: boolean): Field {
  const total = r.u16(at);
  const children: Field[] = [{ name: 'extensions length', value: `${total} bytes`, range: [at, at + 2] }];
  let i = at + 2;
  while (i < at + 2 + total) {
    const { field, end } = extension(r, i, inServerHello);
    children.push(field);
    i = end;
  }
  return { name: 'extensions', value: `${children.length - 1} extensions`, range: [at, at + 2 + total], children };
}

/** ClientHello, RFC 8446 §4.1.2. */
export function clientHelloFields(hex: string): Field[] {
  const r = new Reader(Buffer.from(hex, 'hex'));
  const sid = r.u8(38);
  const cs = 39 + sid; // cipher_suites length
  const csLen = r.u16(cs);
  const suites: Field[] = [{ name: 'cipher_suites length', value: `${csLen} bytes`, range: [cs, cs + 2] }];
  for (let i = cs + 2; i < cs + 2 + csLen; i += 2) suites.push({ name: 'cipher_suite', value: named(SUITES, r.u16(i)), range: [i, i + 2] });
  const cm = cs + 2 + csLen;
  const cmLen = r.u8(cm);
  return [
    ...header(r),
    { name: 'legacy_version', value: 'TLS 1.2 (0x0303)', range: [4, 6], note: 'Frozen at TLS 1.2 for compatibility; the real versions are in supported_versions.' },
    { name: 'random', value: r.b.subarray(6, 38).toString('hex'), range: [6, 38], note: '32 random bytes; they also match key-log lines to this connection.' },
    { name: 'legacy_session_id', value: sid ? `${sid} bytes` : 'empty', range: [38, 39 + sid] },
    { name: 'cipher_suites', value: suites.slice(1).map((s) => (s.value ?? '').replace(/ \(.*/, '')).join(', '), range: [cs, cm], children: suites, note: 'The suites the client accepts, best first.' },
    { name: 'legacy_compression_methods', value: 'null (0)', range: [cm, cm + 1 + cmLen] },
    extensions(r, cm + 1 + cmLen, false),
  ];
}

/** ServerHello, RFC 8446 §4.1.3. */
export function serverHelloFields(hex: string): Field[] {
  const r = new Reader(Buffer.from(hex, 'hex'));
  const sid = r.u8(38);
  const cs = 39 + sid;
  return [
    ...header(r),
    { name: 'legacy_version', value: 'TLS 1.2 (0x0303)', range: [4, 6] },
    { name: 'random', value: r.b.subarray(6, 38).toString('hex'), range: [6, 38] },
    { name: 'legacy_session_id_echo', value: sid ? `${sid} bytes` : 'empty', range: [38, 39 + sid] },
    { name: 'cipher_suite', value: named(SUITES, r.u16(cs)), range: [cs, cs + 2], note: 'The one suite the server picked from the client\'s list.' },
    { name: 'legacy_compression_method', value: 'null (0)', range: [cs + 2, cs + 3] },
    extensions(r, cs + 3, true),
  ];
}

/** Certificate, RFC 8446 §4.4.2 (one entry per certificate). */
export function certificateFields(hex: string): { fields: Field[]; ders: string[]; ranges: [number, number][] } {
  const r = new Reader(Buffer.from(hex, 'hex'));
  const ctx = r.u8(4);
  const listAt = 5 + ctx;
  const listLen = r.u24(listAt);
  const entries: Field[] = [];
  const ders: string[] = [];
  const ranges: [number, number][] = [];
  let i = listAt + 3;
  while (i < listAt + 3 + listLen) {
    const n = r.u24(i);
    const extLen = r.u16(i + 3 + n);
    ders.push(r.b.subarray(i + 3, i + 3 + n).toString('hex'));
    ranges.push([i + 3, i + 3 + n]);
    entries.push({
      name: `CertificateEntry ${entries.length}`,
      range: [i, i + 5 + n + extLen],
      children: [
        { name: 'cert_data length', value: `${n} bytes`, range: [i, i + 3] },
        { name: 'cert_data', value: 'X.509 certificate (DER)', range: [i + 3, i + 3 + n], note: 'The certificate itself: subject, issuer, validity, public key, CA signature.' },
        { name: 'extensions', value: extLen ? `${extLen} bytes` : 'none', range: [i + 3 + n, i + 5 + n + extLen] },
      ],
    });
    i += 5 + n + extLen;
  }
  return {
    fields: [
      ...header(r),
      { name: 'certificate_request_context', value: ctx ? `${ctx} bytes` : 'empty', range: [4, 5 + ctx] },
      { name: 'certificate_list', value: `${entries.length} certificate(s)`, range: [listAt, listAt + 3 + listLen], children: [{ name: 'certificate_list length', range: [listAt, listAt + 3] }, ...entries] },
    ],
    ders,
    ranges,
  };
}

/** Header plus the body fields of the simpler messages (EncryptedExtensions, CertificateVerify, Finished, NewSessionTicket). */
export function simpleFields(hex: string): Field[] {
  const r = new Reader(Buffer.from(hex, 'hex'));
  const t = r.u8(0);
  const end = r.b.length;
  if (t === 15) {
    const sigLen = r.u16(6);
    return [
      ...header(r),
      { name: 'algorithm', value: r.u16(4) === 0x0804 ? 'rsa_pss_rsae_sha256 (0x0804)' : hex4(r.u16(4)), range: [4, 6] },
      { name: 'signature length', value: `${sigLen}`, range: [6, 8] },
      { name: 'signature', value: `${sigLen} bytes`, range: [8, 8 + sigLen], note: 'The server signs the handshake so far with its private key: proof it owns the certificate.' },
    ];
  }
  if (t === 20) return [...header(r), { name: 'verify_data', value: `${end - 4} bytes`, range: [4, end], note: 'An HMAC over the whole handshake: both sides saw the same messages.' }];
  if (t === 8) return [...header(r), extensions(r, 4, true)];
  return [...header(r), { name: 'body', value: `${end - 4} bytes`, range: [4, end] }];
}
