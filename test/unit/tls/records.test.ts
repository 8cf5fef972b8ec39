// The record layer through TlsDecoder: coalesced records, messages across records, SSLv2 hellos, malformed
// input as typed decode errors with offsets, counting after errors, bounded buffers, and no throw ever.
import { DECODE_ERRORS, TlsDecoder } from '../../../src/tls';
import { ofType, run } from '../../helpers/tls-decoder';
import { LESSON_NOTES } from '../../../src/tls/lesson';
import { hexToBytes, rfc8448 } from '../../helpers/tls-rfc8448';

const rec = (type: number, body: string, version = '0303'): string => {
  const len = body.replace(/\s+/g, '').length / 2;
  return `${type.toString(16).padStart(2, '0')}${version}${len.toString(16).padStart(4, '0')}${body.replace(/\s+/g, '')}`;
};
const ch = rfc8448.handshake_messages.client_hello;
const sh = rfc8448.handshake_messages.server_hello;

describe('records', () => {
  it('splits coalesced records and several messages in one record', () => {
    // One feed: a handshake record holding ServerHello + ServerHelloDone (0e000000), a CCS record, a warning alert.
    const bytes = hexToBytes(rec(22, sh + '0e000000') + rec(20, '01') + rec(21, '0100'));
    const { events } = run([{ from: 'client', bytes: hexToBytes(rec(22, ch, '0301')) }, { from: 'server', bytes }]);
    expect(ofType(events, 'tls:record').filter((r) => r.from === 'server').map((r) => [r.offset, r.contentType.name, r.length])).toEqual([
      [0, 'handshake', 94], [99, 'change_cipher_spec', 1], [105, 'alert', 2],
    ]);
    const hs = ofType(events, 'tls:handshake').filter((h) => h.from === 'server');
    expect(hs.map((h) => [h.msgType.name, h.offset])).toEqual([['server_hello', 5], ['server_hello_done', 95]]);
    expect(ofType(events, 'tls:ccs')).toEqual([{ type: 'tls:ccs', from: 'server', step: 6, offset: 99, compatibility: true, note: LESSON_NOTES['change_cipher_spec.tls13'] }]);
    expect(ofType(events, 'tls:alert')[0]).toMatchObject({ level: { name: 'warning' }, description: { name: 'close_notify' }, encrypted: false, step: 8 });
  });

  it('reassembles a handshake message spanning three records, keeping its first byte offset', () => {
    const m = ch;
    const parts = [m.slice(0, 20), m.slice(20, 300), m.slice(300)];
    const { events } = run([{ from: 'client', bytes: hexToBytes(parts.map((p) => rec(22, p, '0301')).join('')) }]);
    const hs = ofType(events, 'tls:handshake');
    expect(hs).toHaveLength(1);
    expect(hs[0]).toMatchObject({ hex: m, offset: 5, msgType: { name: 'client_hello' } });
    expect(ofType(events, 'tls:record')).toHaveLength(3);
  });

  it('reports malformed messages at their wire offset, across record boundaries', () => {
    // A ServerHelloDone (must be empty) with one byte of body, split so that the body byte sits in a second record.
    const { events } = run([{ from: 'server', bytes: hexToBytes(rec(22, '0e000001') + rec(22, 'ff')) }]);
    expect(ofType(events, 'tls:decode-error')).toEqual([{
      type: 'tls:decode-error', from: 'server', code: 'TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED', offset: 14,
      message: expect.stringMatching(/server_hello_done/),
    }]);
  });

  it('recognises an SSLv2-compatible ClientHello and goes on with TLS records', () => {
    const body = '01 0301 0003 0000 0010 00002f 00112233445566778899aabbccddeeff'.replace(/\s+/g, '');
    const v2 = (0x8000 | (body.length / 2)).toString(16) + body;
    const { events } = run([{ from: 'client', bytes: hexToBytes(v2 + rec(21, '0100')) }]);
    const r = ofType(events, 'tls:record');
    expect(r[0]).toMatchObject({ offset: 0, contentType: { name: 'handshake (SSLv2-compatible ClientHello)' }, version: { name: 'SSL 2.0' } });
    expect(ofType(events, 'tls:handshake')[0]).toMatchObject({ offset: 2, details: { sslv2Compatible: true, cipherSuites: [{ name: 'TLS_RSA_WITH_AES_128_CBC_SHA' }] } });
    expect(r[1]).toMatchObject({ offset: 2 + body.length / 2, contentType: { name: 'alert' } });
  });

  it('turns non-TLS bytes into NOT_TLS at offset 0, counts them, and resynchronises on the next record', () => {
    const junk = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n').toString('hex');
    const d = new TlsDecoder();
    const events = [...d.feed('client', hexToBytes(junk + rec(21, '0100')))];
    expect(ofType(events, 'tls:decode-error')[0]).toMatchObject({ code: 'TLSLAB_ERR_DECODE_NOT_TLS', offset: 0 });
    expect(ofType(events, 'tls:alert')).toHaveLength(1);
    expect(ofType(events, 'tls:record')[0].offset).toBe(junk.length / 2);
    expect(d.state.bytes.client).toBe(junk.length / 2 + 7);
    expect(d.state.records.client).toBe(1);
  });

  it('gives typed errors for overflowing, empty, odd-sized and truncated records', () => {
    const d = new TlsDecoder();
    const ev = [
      ...d.feed('server', hexToBytes('1703034801' + '00'.repeat(0x4801))), // 18433 bytes > 2^14 + 2048
      ...d.feed('server', hexToBytes(rec(22, ''))), // empty handshake record
      ...d.feed('server', hexToBytes(rec(21, '020a02'))), // one alert and a stray byte
      ...d.feed('server', hexToBytes(rec(20, '02'))), // CCS must be 01
      ...d.feed('server', hexToBytes('170303001000')), // 16-byte record, 1 byte arrived…
      ...d.end('server'), // …then FIN
    ];
    expect(ofType(ev, 'tls:decode-error').map((e) => [e.code, e.offset])).toEqual([
      ['TLSLAB_ERR_DECODE_RECORD_OVERFLOW', 0],
      ['TLSLAB_ERR_DECODE_RECORD_EMPTY', 18438],
      ['TLSLAB_ERR_DECODE_ALERT_MALFORMED', 18443],
      ['TLSLAB_ERR_DECODE_CCS_MALFORMED', 18451],
      ['TLSLAB_ERR_DECODE_TRUNCATED', 18457],
    ]);
    expect(ofType(ev, 'tls:alert')[0]).toMatchObject({ description: { name: 'unexpected_message' }, fatal: true });
    expect(d.state.bytes.server).toBe(18457 + 6);
  });

  it('refuses a huge handshake message without buffering it, and stays in sync after it', () => {
    // A certificate message announcing 1 MiB: error at once, its bytes skipped, the next message still read.
    const d = new TlsDecoder();
    const first = d.feed('server', hexToBytes(rec(22, '0b100000' + '00'.repeat(1000))));
    expect(ofType(first, 'tls:decode-error')).toEqual([expect.objectContaining({ code: 'TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE', offset: 5 })]);
    let rest = 0x100000 - 1000;
    const events = [];
    while (rest > 0) {
      const n = Math.min(rest, 16000);
      events.push(...d.feed('server', hexToBytes(rec(22, '00'.repeat(n)))));
      rest -= n;
    }
    events.push(...d.feed('server', hexToBytes(rec(22, '0e000000'))));
    expect(ofType(events, 'tls:decode-error')).toEqual([]);
    expect(ofType(events, 'tls:handshake').map((h) => h.msgType.name)).toEqual(['server_hello_done']);
  });

  it('stops reporting after repeated framing errors but keeps counting bytes', () => {
    const d = new TlsDecoder();
    // Bytes that look like nothing: every 5th byte would restart a header scan.
    const junk = new Uint8Array(20000).map((_, i) => (i % 7 === 0 ? 0x16 : 0xee));
    const ev = d.feed('client', junk);
    const errs = ofType(ev, 'tls:decode-error');
    expect(errs.length).toBeLessThanOrEqual(17);
    expect(d.state.bytes.client).toBe(20000);
    const more = d.feed('client', junk);
    expect(ofType(more, 'tls:decode-error').length).toBeLessThanOrEqual(17);
    expect(d.state.bytes.client).toBe(40000);
  });

  it('never throws on seeded random input, fed in random chunks, and only emits known codes', () => {
    let seed = 0x2545f491;
    const rnd = (n: number): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const base = hexToBytes(rec(22, ch, '0301'));
    for (let i = 0; i < 1500; i++) {
      const bytes = rnd(2) === 0 ? new Uint8Array(rnd(400)).map(() => rnd(256)) : base.map((b) => (rnd(20) === 0 ? rnd(256) : b));
      const d = new TlsDecoder();
      const events = [];
      for (let p = 0; p < bytes.length;) {
        const n = 1 + rnd(60);
        events.push(...d.feed(rnd(3) === 0 ? 'server' : 'client', bytes.subarray(p, p + n)));
        p += n;
      }
      events.push(...d.end('client'), ...d.end('server'), ...d.finish());
      for (const e of ofType(events, 'tls:decode-error')) expect(Object.keys(DECODE_ERRORS)).toContain(e.code);
      expect(d.state.bytes.client + d.state.bytes.server).toBe(bytes.length);
    }
  });
});
