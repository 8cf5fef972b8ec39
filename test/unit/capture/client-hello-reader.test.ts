// ClientHelloReader: the first flight read record by record, the ClientHello parsed once, limits on size and records.
import fc from 'fast-check';
import { ClientHelloReader, MAX_HELLO_BYTES, MAX_HELLO_RECORDS, TOO_MANY_RECORDS } from '../../../src/capture/client-hello-reader';
import { hexToBytes, rfc8448 } from '../../helpers/tls-rfc8448';

/** The RFC 8448 §3 ClientHello message (handshake header included, 196 bytes). */
const HELLO = Buffer.from(hexToBytes(rfc8448.handshake_messages.client_hello));

/** `msg` cut into handshake records (RFC 8446 §5.1) of `size` bytes each. */
function records(msg: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += size) {
    const part = msg.subarray(i, i + size);
    out.push(Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part);
  }
  return Buffer.concat(out);
}

/** The ClientHello with a padding extension (type 21, RFC 7685) of `pad` zero bytes appended. */
function padded(pad: number): Buffer {
  // RFC 8446 §4.1.2: legacy_version, random, legacy_session_id<0..32>, cipher_suites<2..2^16-2>,
  // legacy_compression_methods<1..2^8-1>, extensions<8..2^16-1>.
  let at = 4 + 2 + 32;
  at += 1 + HELLO[at];
  at += 2 + HELLO.readUInt16BE(at);
  at += 1 + HELLO[at];
  const ext = Buffer.alloc(4 + pad);
  ext.writeUInt16BE(21, 0);
  ext.writeUInt16BE(pad, 2);
  const msg = Buffer.concat([HELLO, ext]);
  msg.writeUInt16BE(HELLO.readUInt16BE(at) + ext.length, at);
  msg.writeUIntBE(msg.length - 4, 1, 3);
  return msg;
}

function feed(bytes: Buffer, splits: number[] = []): { reader: ClientHelloReader; verdict: ReturnType<ClientHelloReader['push']> } {
  const reader = new ClientHelloReader();
  let verdict = reader.push(Buffer.alloc(0));
  let from = 0;
  for (const at of [...splits, bytes.length]) {
    verdict = reader.push(bytes.subarray(from, at));
    from = at;
  }
  return { reader, verdict };
}

describe('ClientHelloReader', () => {
  it('reads the RFC 8448 ClientHello in one record, parsing it once', () => {
    const bytes = records(HELLO, 16384);
    const { reader, verdict } = feed(bytes);
    expect(verdict).toMatchObject({ kind: 'hello', hello: { sni: 'server', random: rfc8448.client_random } });
    expect(reader.parses).toBe(1);
    expect(reader.bytes().equals(bytes)).toBe(true);
  });

  it('waits at every prefix, then parses once, whatever the TCP split (every byte alone)', () => {
    const bytes = records(HELLO, 16384);
    const reader = new ClientHelloReader();
    for (let i = 0; i < bytes.length - 1; i++) {
      expect(reader.push(bytes.subarray(i, i + 1))).toEqual({ kind: 'more' });
    }
    expect(reader.parses).toBe(0);
    expect(reader.push(bytes.subarray(bytes.length - 1)).kind).toBe('hello');
    expect(reader.parses).toBe(1);
    expect(reader.bytes().equals(bytes)).toBe(true);
  });

  it('reads a ClientHello split over several records (up to the limit), and across TCP chunks at random', () => {
    fc.assert(
      fc.property(fc.integer({ min: Math.ceil(HELLO.length / MAX_HELLO_RECORDS), max: 300 }), fc.array(fc.integer({ min: 0, max: 2000 }), { maxLength: 12 }), (size, cuts) => {
        const bytes = records(HELLO, size);
        const splits = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
        const { reader, verdict } = feed(bytes, splits);
        expect(verdict).toMatchObject({ kind: 'hello', hello: { sni: 'server' } });
        expect(reader.parses).toBe(1);
        expect(reader.bytes().equals(bytes)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('reads a 60 KiB ClientHello in four 16 KiB records', () => {
    const msg = padded(60 * 1024);
    const { reader, verdict } = feed(records(msg, 16384));
    expect(verdict).toMatchObject({ kind: 'hello', hello: { sni: 'server' } });
    expect(verdict.kind === 'hello' && verdict.hello.extensions.at(-1)?.code).toBe(21);
    expect(reader.parses).toBe(1);
  });

  it('refuses a 60 KiB ClientHello in 1-byte records at the 65th record, without parsing', () => {
    const bytes = records(padded(60 * 1024), 1);
    const reader = new ClientHelloReader();
    let verdict = reader.push(Buffer.alloc(0));
    let pushed = 0;
    // One byte at a time: the reader must decide as soon as the limit is crossed, not at the end.
    while (verdict.kind === 'more' && pushed < bytes.length) verdict = reader.push(bytes.subarray(pushed, ++pushed));
    expect(verdict).toEqual({ kind: 'malformed', code: TOO_MANY_RECORDS, message: expect.stringContaining(`more than ${MAX_HELLO_RECORDS} TLS records`) });
    expect(pushed).toBe(MAX_HELLO_RECORDS * 6 + 5);
    expect(reader.parses).toBe(0);
    // The same bytes in one chunk: the same verdict, and the bytes are kept as they came.
    const whole = feed(bytes);
    expect(whole.verdict).toEqual(verdict);
    expect(whole.reader.bytes().equals(bytes)).toBe(true);
    // What is worth showing ends with the 65th record header.
    expect(whole.reader.examined).toBe(MAX_HELLO_RECORDS * 6 + 5);
  });

  it('refuses a ClientHello that announces more than 64 KiB from its 4-byte header', () => {
    const header = Buffer.from([0x01, 0x01, 0x00, 0x00]); // client_hello, 65536 bytes
    const { reader, verdict } = feed(Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x04]), header]));
    expect(verdict).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE', message: expect.stringContaining(`${MAX_HELLO_BYTES}`) });
    expect(reader.parses).toBe(0);
  });

  it('tells what is not TLS from the first byte, and gives typed errors for bad records', () => {
    expect(feed(Buffer.from('GET / HTTP/1.1\r\n')).verdict).toEqual({ kind: 'not-tls' });
    expect(feed(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n')).verdict).toEqual({ kind: 'not-tls' });
    // 0x16 then not version 3: a handshake type byte but no TLS record
    expect(feed(Buffer.from('1604000004', 'hex')).verdict).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_NOT_TLS' });
    // a record announcing more than TLS allows
    expect(feed(Buffer.from('1603014801', 'hex')).verdict).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_RECORD_OVERFLOW' });
    expect(feed(Buffer.from('1603010000', 'hex')).verdict).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_RECORD_EMPTY' });
    // a ServerHello (type 2) where the ClientHello should be
    expect(feed(Buffer.from('160303000402', 'hex')).verdict).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_NOT_CLIENT_HELLO' });
    // the hello's first record, then an alert record before the rest
    const first = records(HELLO, 100).subarray(0, 105);
    expect(feed(Buffer.concat([first, Buffer.from('15030100020228', 'hex')])).verdict).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_RECORD_HEADER' });
    // a ClientHello whose cipher_suites length runs past the message: the one parse says so
    const bad = feed(Buffer.from('1603010029' + '01000025' + '0303' + '00'.repeat(32) + '00' + 'ffff', 'hex'));
    expect(bad.verdict).toMatchObject({ kind: 'malformed', code: 'TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED' });
    expect(bad.reader.parses).toBe(1);
  });

  it('reads an SSLv2-compatible ClientHello (0x80), byte by byte', () => {
    // RFC 5246 Appendix E.2: 2-byte length with the high bit set, msg_type 1, version 0x0301, 2 cipher specs,
    // no session id, a 16-byte challenge.
    const body = '01' + '0301' + '0006' + '0000' + '0010' + '000035' + '010080' + '00112233445566778899aabbccddeeff';
    const bytes = Buffer.from((0x8000 | (body.length / 2)).toString(16) + body, 'hex');
    const { reader, verdict } = feed(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
    expect(verdict).toMatchObject({ kind: 'hello', hello: { sslv2Compatible: true } });
    expect(reader.parses).toBe(1);
  });

  it('gives a verdict or asks for more on any bytes, never throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(0x16, 0x80), (tail, lead) => {
        const { verdict } = feed(Buffer.from([lead, ...tail]), [1, 3, 7]);
        expect(['more', 'hello', 'not-tls', 'malformed']).toContain(verdict.kind);
      }),
      { numRuns: 500 },
    );
  });
});
