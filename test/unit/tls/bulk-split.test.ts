// Bulk mode fed in arbitrary pieces: a bulk record split in two at any byte (header, body, the tail the TLS 1.3 peek
// reads, the tag), or the whole stream fed byte by byte, gives the same events, byte and record counts as the
// chunks a relay saw. Real Node TLS connections through a loopback relay (test/helpers/tls-bulk-capture).
import { captureOrdered, type OrderedCapture, type OrderedChunk } from '../../helpers/tls-bulk-capture';
import { selfSignedCert } from '../../helpers/tls-crypto-capture';
import { splitRecords } from '../../helpers/tls-crypto-replay';
import { run, type Feed } from '../../helpers/tls-decoder';
import type { DecoderOptions } from '../../../src/tls';

const cert = selfSignedCert();
const opts: DecoderOptions = { appDataRecords: 2, maxRecordHex: 64 };
/** Full 16 KiB records, then one of 700 bytes of data: every application record after the first two is bulk. */
const SERVER_BYTES = 8 * 16_384 + 700;

const script = (chunks: OrderedChunk[], keylog: string): Feed[] => [
  { keys: keylog }, ...chunks.map((c) => ({ from: c.from, bytes: c.bytes })), { end: 'client' }, { end: 'server' }, { finish: true },
];

/** The relay's chunks with the server's one cut in two at byte `at` of the server's stream. */
function cutServerAt(chunks: OrderedChunk[], at: number): OrderedChunk[] {
  const out: OrderedChunk[] = [];
  let pos = 0;
  for (const c of chunks) {
    if (c.from === 'server' && at > pos && at < pos + c.bytes.length) {
      out.push({ from: 'server', bytes: c.bytes.subarray(0, at - pos) }, { from: 'server', bytes: c.bytes.subarray(at - pos) });
    } else out.push(c);
    if (c.from === 'server') pos += c.bytes.length;
  }
  return out;
}

/** Stream offset and total length (header included) of the server's last record whose body satisfies `pick`. */
function lastRecord(cap: OrderedCapture, pick: (bodyLength: number) => boolean): { offset: number; length: number } {
  let offset = 0;
  let found: { offset: number; length: number } | null = null;
  for (const r of splitRecords(cap.s2c)) {
    if (r.header[0] === 23 && pick(r.body.length)) found = { offset, length: 5 + r.body.length };
    offset += 5 + r.body.length;
  }
  if (found === null) throw new Error('no such record in the capture');
  return found;
}

/** Every byte of the record's first and last 64, and every `stride`th between. */
function cuts(rec: { offset: number; length: number }, stride: number): number[] {
  const out: number[] = [];
  for (let i = 0; i <= rec.length; i++) if (i <= 64 || i >= rec.length - 64 || i % stride === 0) out.push(rec.offset + i);
  return out;
}

describe('bulk mode with records split across chunks', () => {
  it.each(['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'])('%s: any split, same events and counts', async (ciphers) => {
    const cap = await captureOrdered({ cert, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers, clientBytes: 20_000, serverBytes: SERVER_BYTES });
    const whole = run(script(cap.chunks, cap.keylog), opts);
    const state = whole.decoder.state;
    expect(state.bulk.server.records).toBeGreaterThanOrEqual(6);
    expect(state.bytes.server).toBe(cap.s2c.length);
    expect(whole.events.some((e) => e.type === 'tls:alert' && e.from === 'server')).toBe(true); // close_notify, after bulk

    const full = lastRecord(cap, (n) => n > 16_000); // a bulk record of 16 KiB of data
    const short = lastRecord(cap, (n) => n > 700 && n < 800); // the last one: 700 bytes of data
    expect(short.offset).toBeGreaterThan(full.offset);
    let runs = 0;
    for (const at of [...cuts(full, 101), ...cuts(short, 1)]) {
      const split = run(script(cutServerAt(cap.chunks, at), cap.keylog), opts);
      expect([at, split.events]).toEqual([at, whole.events]);
      expect([at, split.decoder.state]).toEqual([at, state]);
      runs++;
    }
    expect(runs).toBe(cuts(full, 101).length + short.length + 1);

    const byByte = run(script(cap.chunks, cap.keylog), opts, 1);
    expect(byByte.events).toEqual(whole.events);
    expect(byByte.decoder.state).toEqual(state);
  });

  it('hostile bytes in bulk mode (bytes flipped in headers, bodies and tags): the same events fed whole or in random pieces, no internal error', async () => {
    const cap = await captureOrdered({ cert, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256', clientBytes: 20_000, serverBytes: SERVER_BYTES });
    const firstBulk = lastRecord(cap, (n) => n > 16_000).offset - 4 * (5 + 16_384 + 17);
    let seed = 0x9e3779b9;
    const rnd = (n: number): number => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let differentFromClean = 0;
    const clean = run(script(cap.chunks, cap.keylog), opts).events;
    for (let c = 0; c < 60; c++) {
      const s2c = Buffer.from(cap.s2c);
      for (let k = 1 + rnd(4); k > 0; k--) {
        // Mostly near record boundaries (headers, the peeked tail, tags), sometimes anywhere after the handshake.
        const at = rnd(3) === 0 ? firstBulk + rnd(s2c.length - firstBulk) : Math.min(s2c.length - 1, firstBulk + (5 + 16_384 + 17) * rnd(8) + rnd(40) - 20);
        s2c[at] ^= 1 << rnd(8);
      }
      const whole: OrderedChunk[] = [{ from: 'client', bytes: cap.c2s }, { from: 'server', bytes: s2c }];
      const pieces: OrderedChunk[] = [{ from: 'client', bytes: cap.c2s }];
      for (let p = 0; p < s2c.length;) {
        const n = 1 + rnd(rnd(2) === 0 ? 200 : 40_000);
        pieces.push({ from: 'server', bytes: s2c.subarray(p, p + n) });
        p += n;
      }
      const a = run(script(whole, cap.keylog), opts);
      const b = run(script(pieces, cap.keylog), opts);
      expect([c, b.events]).toEqual([c, a.events]);
      expect([c, b.decoder.state]).toEqual([c, a.decoder.state]);
      expect(a.events.filter((e) => e.type === 'tls:decode-error' && e.code === 'TLSLAB_ERR_DECODE_INTERNAL')).toEqual([]);
      expect(a.decoder.state.bytes.server).toBe(s2c.length);
      if (a.events.length !== clean.length) differentFromClean++;
    }
    expect(differentFromClean).toBeGreaterThan(20); // the flips did reach the decoder's output
  });
});

