// The first-flight reader's ClientHello parse is handed to the client leg's (live) decoder once, for exactly the same bytes:
// the decoder's events are the same as when it parses the hello itself, and nothing else is shared or kept.
import { ClientHelloReader } from '../../../src/capture/client-hello-reader';
import { TlsDecoder, type DecoderOptions, type TlsEvent } from '../../../src/tls';
import { rememberedCount } from '../../../src/tls/messages/remembered-hellos';
import { c2s, hexToBytes, keylog, rfc8448, s2c } from '../../helpers/tls-rfc8448';

/** The RFC 8448 §3 ClientHello record (5-byte header + 196 bytes), with its random's last byte set to `tag`. */
function helloRecord(tag: number): Buffer {
  const rec = Buffer.from(hexToBytes(rfc8448.records[0].record));
  rec[5 + 4 + 2 + 31] = tag; // record header, handshake header, legacy_version, then the random's last byte
  return rec;
}

/** Every event of a whole RFC 8448 connection, the client's first record replaced by `first`. */
function decodeAll(first: Buffer, opts: DecoderOptions = {}): TlsEvent[] {
  const d = new TlsDecoder(opts);
  const rest = c2s.subarray(first.length);
  return [...d.feed('client', first), ...d.feed('client', rest), ...d.feed('server', s2c), ...d.addKeyLog(keylog), ...d.finish()];
}

function readHello(rec: Buffer): { reader: ClientHelloReader; hello: unknown } {
  const reader = new ClientHelloReader();
  const verdict = reader.push(rec);
  if (verdict.kind !== 'hello') throw new Error(`expected a hello, got ${verdict.kind}`);
  return { reader, hello: verdict.hello };
}

const handshakeOf = (events: TlsEvent[]): Extract<TlsEvent, { type: 'tls:handshake' }> => {
  const e = events.find((x) => x.type === 'tls:handshake');
  if (e?.type !== 'tls:handshake') throw new Error('no handshake event');
  return e;
};

describe('ClientHellos remembered from the first flight', () => {
  it('the live decoder after the reader emits exactly what it emits alone, and takes the hello once', () => {
    const rec = Buffer.from(c2s.subarray(0, hexToBytes(rfc8448.records[0].record).length));
    const live = { detail: 'live' } as const;
    const alone = JSON.stringify(decodeAll(rec, live));
    const before = rememberedCount();
    const { reader, hello } = readHello(rec);
    expect(rememberedCount()).toBe(before + 1);
    const after = decodeAll(rec, live);
    expect(JSON.stringify(after)).toBe(alone);
    expect(handshakeOf(after).details).toBe(hello); // the reader's parse, not a second one
    expect(rememberedCount()).toBe(before);
    expect(reader.parses).toBe(1);
    // Handed over once: the next decoder parses for itself and shares nothing with the one before.
    const again = decodeAll(rec, live);
    expect(JSON.stringify(again)).toBe(alone);
    expect(handshakeOf(again).details).not.toBe(handshakeOf(after).details);
  });

  it('a decoder in full detail parses the hello itself: the reader keeps no field tree', () => {
    const rec = Buffer.from(c2s.subarray(0, hexToBytes(rfc8448.records[0].record).length));
    const alone = decodeAll(rec);
    expect(handshakeOf(alone).fields?.length).toBeGreaterThan(2);
    const before = rememberedCount();
    const { hello } = readHello(rec);
    const after = decodeAll(rec);
    expect(JSON.stringify(after)).toBe(JSON.stringify(alone));
    expect(handshakeOf(after).details).not.toBe(hello);
    expect(handshakeOf(after).details).toEqual(hello);
    expect(rememberedCount()).toBe(before); // the entry was let go, not left behind
  });

  it('keeps nothing when only decoders parse', () => {
    const rec = helloRecord(0x01);
    const before = rememberedCount();
    const a = new TlsDecoder().feed('client', rec);
    const b = new TlsDecoder().feed('client', rec);
    expect(rememberedCount()).toBe(before);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(handshakeOf(b).details).not.toBe(handshakeOf(a).details);
  });

  it('never hands a hello to different bytes with the same random', () => {
    const rec = helloRecord(0x02);
    const other = Buffer.from(rec);
    other[other.length - 1] ^= 0x01; // the last byte of the last extension (record_size_limit)
    const expected = JSON.stringify(new TlsDecoder().feed('client', other));
    readHello(rec);
    const got = new TlsDecoder().feed('client', other);
    expect(JSON.stringify(got)).toBe(expected);
  });

  it('forgets the oldest beyond its bound (hellos whose decoder never ran)', () => {
    for (let i = 0; i < 200; i++) {
      const rec = helloRecord(0x10);
      rec.writeUInt16BE(i, 5 + 4 + 2); // the random's first two bytes: 200 different hellos
      readHello(rec);
    }
    expect(rememberedCount()).toBeLessThanOrEqual(128);
  });
});
