// parseClientHello: the proxy's early look at SNI/ALPN; JA3/JA4 of a known ClientHello.
import { parseClientHello } from '../../../src/tls';
import { c2s, hexToBytes, rfc8448 } from '../../helpers/tls-rfc8448';

describe('parseClientHello on RFC 8448 §3', () => {
  const first = rfc8448.records[0]; // the ClientHello record, 5 + 196 bytes

  it('reads the ClientHello and says how many bytes its record took', () => {
    const r = parseClientHello(c2s);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.recordLength).toBe(first.record.length / 2);
    expect(r.details.random).toBe(rfc8448.client_random);
    expect(r.details.sni).toBe('server');
    expect(r.details.alpn).toEqual([]);
    expect(r.details.cipherSuites.map((s) => s.name)).toEqual(['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384']);
    expect(r.details.supportedVersions).toEqual([{ code: 0x0304, name: 'TLS 1.3' }]);
    expect(r.details.keyShareGroups).toEqual([{ code: 29, name: 'x25519' }]);
    expect(r.details.extensions.map((e) => e.name)).toEqual([
      'server_name', 'renegotiation_info', 'supported_groups', 'session_ticket', 'key_share', 'supported_versions',
      'signature_algorithms', 'psk_key_exchange_modes', 'record_size_limit',
    ]);
  });

  it('computes JA3 and JA4 as worked out by hand from the specs', () => {
    // JA3 = version,ciphers,extensions,groups,point formats (decimal, '-' joined):
    //   771 (0x0303) , 4865-4867-4866 (1301,1303,1302 in sent order) ,
    //   0-65281-10-35-51-43-13-45-28 (extensions in sent order) , 29-23-24-25-256-257-258-259-260 , (no ec_point_formats)
    // MD5 of that string computed separately with Python's hashlib: da4dea34fe6d4ce5f0725df3f2682fa0.
    // JA4_a = t (TCP) 13 (supported_versions max 0x0304) d (SNI present) 03 (suites) 09 (extensions) 00 (no ALPN).
    // JA4_b = sha256("1301,1302,1303")[:12] = 55b375c5d22e.
    // JA4_c = sha256("000a,000d,001c,0023,002b,002d,0033,ff01_0403,0503,0603,0203,0804,0805,0806,0401,0501,0601,0201,0402,0502,0602,0202")[:12]
    //       = 59cd3dafc54d (SNI 0000 dropped; signature algorithms appended in sent order).
    const r = parseClientHello(c2s);
    if (!r.ok) throw new Error('expected a ClientHello');
    expect(r.details.ja3).toBe('771,4865-4867-4866,0-65281-10-35-51-43-13-45-28,29-23-24-25-256-257-258-259-260,');
    expect(r.details.ja3Hash).toBe('da4dea34fe6d4ce5f0725df3f2682fa0');
    expect(r.details.ja4).toBe('t13d030900_55b375c5d22e_59cd3dafc54d');
  });

  it('asks for more bytes at every prefix of the record', () => {
    const rec = hexToBytes(first.record);
    for (let n = 0; n < rec.length; n++) {
      expect(parseClientHello(rec.subarray(0, n))).toEqual({ ok: false, needMore: true });
    }
  });

  it('reads a ClientHello split over two handshake records', () => {
    const msg = hexToBytes(rfc8448.handshake_messages.client_hello);
    const a = msg.subarray(0, 50);
    const b = msg.subarray(50);
    const rec = (p: Uint8Array): number[] => [0x16, 0x03, 0x01, p.length >> 8, p.length & 0xff, ...p];
    const bytes = new Uint8Array([...rec(a), ...rec(b)]);
    const r = parseClientHello(bytes);
    expect(r.ok && r.recordLength).toBe(bytes.length);
    expect(r.ok && r.details.sni).toBe('server');
  });

  it('gives typed errors for bytes that are not a ClientHello', () => {
    expect(parseClientHello(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'))).toMatchObject({ ok: false, needMore: false, code: 'TLSLAB_ERR_DECODE_NOT_TLS' });
    // a handshake record holding a ServerHello (type 2)
    expect(parseClientHello(hexToBytes('1603030004' + '02000000'))).toMatchObject({ ok: false, code: 'TLSLAB_ERR_DECODE_NOT_CLIENT_HELLO' });
    // a ClientHello whose cipher_suites length (0xffff) runs past the message
    expect(parseClientHello(hexToBytes('1603010029' + '01000025' + '0303' + '00'.repeat(32) + '00' + 'ffff'))).toMatchObject({
      ok: false, code: 'TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED',
    });
  });

  it('recognises an SSLv2-compatible ClientHello', () => {
    // RFC 5246 Appendix E.2: 2-byte length with the high bit set, msg_type 1, version 0x0301,
    // 2 cipher specs (000035 = TLS_RSA_WITH_AES_256_CBC_SHA, 010080 = SSL_CK_RC4_128_WITH_MD5), no session id,
    // a 16-byte challenge.
    const body = '01' + '0301' + '0006' + '0000' + '0010' + '000035' + '010080' + '00112233445566778899aabbccddeeff';
    const len = body.length / 2;
    const r = parseClientHello(hexToBytes((0x8000 | len).toString(16) + body));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.recordLength).toBe(2 + len);
    expect(r.details.sslv2Compatible).toBe(true);
    expect(r.details.cipherSuites).toEqual([{ code: 0x35, name: 'TLS_RSA_WITH_AES_256_CBC_SHA' }]);
    expect(r.details.random).toBe('0'.repeat(32) + '00112233445566778899aabbccddeeff');
    expect(r.details.ja3).toBe('769,53,,,');
  });
});
