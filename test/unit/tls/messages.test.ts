// Each handshake-message parser on short, commented hex (RFC 8446 §4, RFC 5246 §7.4, RFC 8422 §5).
import type { Field } from '../../../src/events/schema';
import { parseHandshakeMessage, type MessageContext } from '../../../src/tls/messages';
import { hexToBytes } from '../../helpers/tls-rfc8448';

/** A whole message: msg_type, 3-byte length, body (hex with spaces allowed). */
function msg(type: number, body: string): Uint8Array {
  const b = hexToBytes(body);
  return new Uint8Array([type, b.length >> 16, (b.length >> 8) & 0xff, b.length & 0xff, ...b]);
}
const ctx = (o: Partial<MessageContext> = {}): MessageContext => ({ from: 'server', version: 0x0303, cipherSuite: 0xc02f, kxGroup: null, ...o });
const find = (fields: Field[], name: string): Field | undefined => {
  for (const f of fields) {
    if (f.name === name) return f;
    const c = f.children ? find(f.children, name) : undefined;
    if (c) return c;
  }
  return undefined;
};
const random = 'aa'.repeat(32);

describe('handshake message parsers', () => {
  it('ServerHello, TLS 1.2, with ALPN, extended_master_secret and renegotiation_info', () => {
    const p = parseHandshakeMessage(msg(2, `
      0303 ${random} 00   c02f 00       -- legacy_version, random, empty session id, suite, compression
      0012                              -- extensions length 18
      0010 0005 0003 02 6832            -- ALPN: list of 3 bytes, "h2"
      0017 0000                         -- extended_master_secret
      ff01 0001 00                      -- renegotiation_info, empty`.replace(/--.*$/gm, '')), ctx());
    expect(p.failure).toBeNull();
    expect(p.result?.details).toMatchObject({ kind: 'server_hello', version: { name: 'TLS 1.2' }, alpn: 'h2', helloRetryRequest: false, cipherSuite: { name: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' } });
    expect(p.result?.facts?.extendedMasterSecret).toBe(true);
    expect(find(p.fields, 'cipher_suite')).toMatchObject({ range: [39, 41], value: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)' });
    expect(find(p.fields, 'protocol_name')?.value).toBe('h2 (HTTP/2 over TLS)');
  });

  it('ServerKeyExchange, ECDHE: curve, public key and signature', () => {
    const pub = '11'.repeat(32);
    const p = parseHandshakeMessage(msg(12, `03 001d 20 ${pub} 0804 0004 deadbeef`), ctx());
    // 03 named_curve, 001d x25519, 20 = 32-byte point, 0804 rsa_pss_rsae_sha256, 4-byte signature
    expect(p.failure).toBeNull();
    expect(p.result?.details).toEqual({ kind: 'server_key_exchange', method: 'ecdhe', group: { code: 29, name: 'x25519' }, publicKeyHex: pub, signatureAlgorithm: { code: 0x0804, name: 'rsa_pss_rsae_sha256' } });
    expect(find(p.fields, 'named_curve')?.range).toEqual([5, 7]);
    expect(find(p.fields, 'signature')?.range).toEqual([42, 48]);
  });

  it('ServerKeyExchange, DHE: p, g, Ys and signature', () => {
    const p = parseHandshakeMessage(msg(12, '0002 00ff  0001 02  0002 1234  0401 0002 abcd'), ctx({ cipherSuite: 0x009e }));
    // dh_p = 00ff, dh_g = 02, dh_Ys = 1234, rsa_pkcs1_sha256 signature abcd
    expect(p.result?.details).toMatchObject({ method: 'dhe', publicKeyHex: '1234', signatureAlgorithm: { name: 'rsa_pkcs1_sha256' } });
    expect(find(p.fields, 'ServerDHParams')?.value).toBe('16-bit group');
  });

  it('ClientKeyExchange: ECDHE public key, and the RSA-encrypted premaster secret', () => {
    const ec = parseHandshakeMessage(msg(16, `20 ${'22'.repeat(32)}`), ctx({ from: 'client', kxGroup: { code: 29, name: 'x25519' } }));
    expect(ec.result?.details).toEqual({ kind: 'client_key_exchange', method: 'ecdhe', publicKeyHex: '22'.repeat(32), group: { code: 29, name: 'x25519' } });
    const rsa = parseHandshakeMessage(msg(16, '0004 01020304'), ctx({ from: 'client', cipherSuite: 0x009c }));
    // TLS_RSA_WITH_AES_128_GCM_SHA256: EncryptedPreMasterSecret<0..2^16-1>
    expect(rsa.result?.details).toEqual({ kind: 'client_key_exchange', method: 'rsa' });
    expect(find(rsa.fields, 'EncryptedPreMasterSecret')).toMatchObject({ range: [4, 10], value: '01020304' });
  });

  it('Certificate in its TLS 1.2 and TLS 1.3 forms, with each DER and its range', () => {
    const der = '3003020101'; // not a real certificate: the value says so, the range is still right
    const t12 = parseHandshakeMessage(msg(11, `000008 000005 ${der}`), ctx());
    expect(t12.result?.details).toEqual({ kind: 'certificate', certificates: [der], ranges: [[10, 15]] });
    expect(find(t12.fields, 'cert_data (leaf)')?.value).toMatch(/not a readable X.509/);
    const t13 = parseHandshakeMessage(msg(11, `00 00000a 000005 ${der} 0000`), ctx({ version: 0x0304 }));
    // empty request context, list of 10 bytes: cert_data<5>, extensions<0>
    expect(t13.result?.details).toEqual({ kind: 'certificate', certificates: [der], ranges: [[11, 16]] });
  });

  it('without a field tree: the same details and failures, and no fields at all', () => {
    const cases: [Uint8Array, MessageContext][] = [
      [msg(2, `0303 ${random} 00 1301 00 0006 002b 0002 0304`), ctx({ version: null })],
      [msg(11, '00 00000a 000005 3003020101 0000'), ctx({ version: 0x0304 })],
      [msg(20, 'aa'.repeat(32)), ctx()],
      [msg(2, `0303 ${random} 00 1301 00 0007 002b 0003 030400`), ctx({ version: null })], // a malformed extension: a problem
      [msg(2, `0303 ${random} 00 1301 00 0006 002b 0003 0304`), ctx({ version: null })], // an extension past its block: a failure
      [msg(11, '00 00000a 000009 3003020101 0000'), ctx({ version: 0x0304 })], // a certificate past its list: a failure
    ];
    for (const [m, c] of cases) {
      const full = parseHandshakeMessage(m, c);
      const lean = parseHandshakeMessage(m, c, { fields: false });
      expect(lean.fields).toEqual([]);
      expect(lean.result?.fields ?? []).toEqual([]);
      expect({ ...lean, fields: full.fields, result: lean.result && { ...lean.result, fields: full.result?.fields } }).toEqual(full);
      expect(full.fields.length).toBeGreaterThan(1);
    }
    const outcomes = cases.map(([m, c]) => parseHandshakeMessage(m, c, { fields: false })).map((p) => [p.failure !== null, p.result?.problems.length ?? 0]);
    expect(outcomes).toEqual([[false, 0], [false, 0], [false, 0], [false, 1], [true, 0], [true, 0]]);
  });

  it('CertificateRequest (1.2 and 1.3), CertificateVerify, Finished, CertificateStatus', () => {
    const cr12 = parseHandshakeMessage(msg(13, '01 01  0002 0401  0000'), ctx());
    // certificate_types [rsa_sign], signature algorithms [rsa_pkcs1_sha256], no authorities
    expect(find(cr12.fields, 'certificate_type')?.value).toBe('rsa_sign (0x01)');
    expect(find(cr12.fields, 'signature_scheme')?.value).toBe('rsa_pkcs1_sha256 (0x0401)');
    const cr13 = parseHandshakeMessage(msg(13, '00  000a 000d 0006 0004 0403 0804'), ctx({ version: 0x0304 }));
    // empty context; extensions: signature_algorithms [ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256]
    expect(cr13.failure).toBeNull();
    expect(find(cr13.fields, 'signature_algorithms')).toBeDefined();
    const cv = parseHandshakeMessage(msg(15, '0804 0002 abcd'), ctx({ version: 0x0304 }));
    expect(find(cv.fields, 'algorithm')?.value).toBe('rsa_pss_rsae_sha256 (0x0804)');
    const fin = parseHandshakeMessage(msg(20, '0102030405060708090a0b0c'), ctx());
    expect(find(fin.fields, 'verify_data')).toMatchObject({ range: [4, 16], value: '0102030405060708090a0b0c' });
    const st = parseHandshakeMessage(msg(22, '01 000003 aabbcc'), ctx());
    expect(find(st.fields, 'OCSPResponse')?.value).toBe('aabbcc');
  });

  it('NewSessionTicket (1.3 and 1.2), KeyUpdate, and the empty messages', () => {
    const nst13 = parseHandshakeMessage(msg(4, '00001c20 01020304 01 00 0003 aabbcc 0008 002a 0004 00004000'), ctx({ version: 0x0304 }));
    // lifetime 7200 s, age_add, nonce <00>, ticket aabbcc, extensions: early_data max_early_data_size 16384
    expect(find(nst13.fields, 'ticket_lifetime')?.value).toBe('7200 s');
    expect(find(nst13.fields, 'max_early_data_size')?.value).toBe('16384');
    const nst12 = parseHandshakeMessage(msg(4, '00001c20 0002 abcd'), ctx());
    expect(find(nst12.fields, 'ticket_lifetime_hint')?.value).toBe('7200 s');
    const ku = parseHandshakeMessage(msg(24, '01'), ctx({ version: 0x0304 }));
    expect(ku.result?.updateRequested).toBe(true);
    expect(find(ku.fields, 'request_update')?.value).toBe('update_requested (0x01)');
    for (const t of [5, 14, 0]) expect(parseHandshakeMessage(msg(t, ''), ctx()).failure).toBeNull();
  });

  it('malformed bodies fail with a code and the offset inside the message', () => {
    const shd = parseHandshakeMessage(msg(14, 'ff'), ctx()); // ServerHelloDone must be empty
    expect(shd.failure).toMatchObject({ code: 'TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED', at: 4 });
    const ch = parseHandshakeMessage(msg(1, `0303 ${random} 00 0010 1301`), ctx({ from: 'client' }));
    // cipher_suites says 16 bytes, only 2 follow: the read of the vector fails where its bytes start (offset 41)
    expect(ch.failure).toMatchObject({ code: 'TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED', at: 41 });
    expect(ch.fields.map((f) => f.name)).toEqual(['msg_type', 'length', 'body']);
  });

  it('a malformed extension is shown raw and reported, the rest of the message still parses', () => {
    const p = parseHandshakeMessage(msg(1, `0303 ${random} 00 0002 1301 0100 000b  000a 0003 0002 00  0017 0000`), ctx({ from: 'client' }));
    // supported_groups (at 47) whose list length (2, at 51) promises 2 bytes where 1 remains (at 53);
    // then extended_master_secret
    expect(p.failure).toBeNull();
    expect(p.result?.problems.map((x) => [x.code, x.at])).toEqual([['TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED', 53]]);
    expect(find(p.fields, 'supported_groups')?.note).toMatch(/^malformed/);
    expect(p.result?.facts?.extendedMasterSecret).toBe(true);
  });

  it('names GREASE values GREASE and unknown types by number', () => {
    const p = parseHandshakeMessage(msg(1, `0303 ${random} 00 0004 0a0a 1301 0100 0004 3a3a 0000`), ctx({ from: 'client' }));
    expect(find(p.fields, 'cipher_suite')).toMatchObject({ value: 'GREASE (0x0a0a)' });
    expect(find(p.fields, 'GREASE')?.note).toMatch(/RFC 8701/);
    const u = parseHandshakeMessage(msg(99, 'abcd'), ctx());
    expect(u.msgType).toEqual({ code: 99, name: 'unknown (0x63)' });
    expect(find(u.fields, 'body')?.value).toBe('abcd');
  });
});
