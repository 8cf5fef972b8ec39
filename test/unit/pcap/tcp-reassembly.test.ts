// TCP reassembly: order, retransmission, overlap, wrap-around, gaps, FIN/RST, direction, bounded buffering.
import { reassembleCapture, readCapture, TcpHalfStream, type CaptureStreams, type StreamEvent } from '../../../src/pcap';
import { HANDSHAKE, scriptedPcapng, type Seg } from '../../helpers/capture-synth';

function run(segs: Seg[], opts: Parameters<typeof scriptedPcapng>[1] = {}, limits = {}): CaptureStreams {
  const r = readCapture(scriptedPcapng(segs, opts));
  if (!r.ok) throw new Error(r.error.message);
  return reassembleCapture(r.value, limits);
}

/** Each direction's delivered bytes as text, with gaps shown as `<gap N>`. */
function streams(events: StreamEvent[], conn = 0): Record<'client' | 'server', string> {
  const out = { client: '', server: '' };
  for (const e of events) {
    if (e.conn !== conn) continue;
    if (e.kind === 'data') out[e.from] += Buffer.from(e.bytes).toString();
    if (e.kind === 'gap') out[e.from] += `<gap ${e.length}>`;
  }
  return out;
}

describe('TCP reassembly', () => {
  it('delivers in-order data of both directions in capture order, then both FINs', () => {
    const s = run([
      ...HANDSHAKE,
      { from: 'client', at: 0, data: 'GET / ' },
      { from: 'client', at: 6, data: 'HTTP/1.1\r\n\r\n' },
      { from: 'server', at: 0, data: 'HTTP/1.1 200 OK', ackAt: 18 },
      { from: 'client', at: 18, flags: { fin: true, ack: true } },
      { from: 'server', at: 15, flags: { fin: true, ack: true } },
    ]);
    expect(s.connections).toHaveLength(1);
    const c = s.connections[0];
    expect([c.client.port, c.server.port, c.decidedBy]).toEqual([51514, 443, 'syn']);
    expect(s.events.map((e) => `${e.from}:${e.kind}@${e.offset}`)).toEqual([
      'client:data@0', 'client:data@6', 'server:data@0', 'client:fin@18', 'server:fin@15',
    ]);
    expect(streams(s.events)).toEqual({ client: 'GET / HTTP/1.1\r\n\r\n', server: 'HTTP/1.1 200 OK' });
    expect(c.stats.client).toMatchObject({ segments: 2, bytes: 18, fin: true, rst: false, gaps: 0 });
  });

  it('buffers out-of-order segments and releases them in order, stamped with the packet that filled the hole', () => {
    const s = run([...HANDSHAKE, { from: 'client', at: 10, data: 'KLMNO' }, { from: 'client', at: 5, data: 'FGHIJ' }, { from: 'client', at: 0, data: 'ABCDE' }]);
    expect(streams(s.events).client).toBe('ABCDEFGHIJKLMNO');
    expect(s.events.map((e) => e.packet)).toEqual([5, 5, 5]);
    expect(s.connections[0].stats.client.outOfOrder).toBe(2);
  });

  it('drops retransmissions and trims overlaps, counting bytes that differ', () => {
    const s = run([
      ...HANDSHAKE,
      { from: 'client', at: 0, data: 'ABCDEF' },
      { from: 'client', at: 0, data: 'ABCDEF' }, // full retransmission
      { from: 'client', at: 3, data: 'DEFGHI' }, // overlaps the delivered edge
      { from: 'client', at: 14, data: 'OPQR' }, // ahead
      { from: 'client', at: 12, data: 'MNxxQRST' }, // overlaps the buffered one, with different bytes
      { from: 'client', at: 9, data: 'JKL' },
    ]);
    expect(streams(s.events).client).toBe('ABCDEFGHIJKLMNOPQRST');
    expect(s.connections[0].stats.client).toMatchObject({ duplicateBytes: 6 + 3 + 4, conflictBytes: 2, bytes: 20 });
  });

  it('follows sequence numbers across the 2^32 wrap-around', () => {
    const isn = { client: 0xfffffffa, server: 0xffffffff };
    const s = run([
      ...HANDSHAKE,
      { from: 'client', at: 0, data: '0123' }, // seq 0xfffffffb..0xfffffffe
      { from: 'client', at: 8, data: '89ab' }, // after the wrap, out of order
      { from: 'client', at: 4, data: '4567' }, // crosses the wrap
      { from: 'server', at: 0, data: 'server after wrap', ackAt: 12 }, // server ISN+1 = 0
    ], { isn });
    expect(streams(s.events)).toEqual({ client: '0123456789ab', server: 'server after wrap' });
  });

  it('reports a hole the peer acknowledged (bytes the capture never saw) as a gap, not glued data', () => {
    const s = run([
      ...HANDSHAKE,
      { from: 'client', at: 0, data: 'AAAA' },
      { from: 'client', at: 8, data: 'CCCC' }, // 'BBBB' at 4 never captured
      { from: 'server', at: 0, data: 'ok', ackAt: 12 },
      { from: 'client', at: 12, data: 'DDDD' },
    ]);
    const gap = s.events.find((e) => e.kind === 'gap');
    expect(gap).toMatchObject({ from: 'client', offset: 4, length: 4, reason: 'acked', packet: 5 });
    expect(streams(s.events).client).toBe('AAAA<gap 4>CCCCDDDD');
    // The gap is released when the ACK shows it, before the server's data in that same packet.
    expect(s.events.map((e) => `${e.from}:${e.kind}`)).toEqual(['client:data', 'client:gap', 'client:data', 'server:data', 'client:data']);
  });

  it('ignores an ACK beyond anything the sender was seen sending (no false gap)', () => {
    const s = run([
      ...HANDSHAKE,
      { from: 'client', at: 4, data: 'BBBB' },
      { from: 'server', at: 0, data: 'ok', ackAt: 5000 },
      { from: 'client', at: 0, data: 'AAAA' },
    ]);
    expect(streams(s.events).client).toBe('AAAABBBB');
  });

  it('reports holes left at the end of the capture, and a FIN behind a hole', () => {
    const s = run([...HANDSHAKE, { from: 'server', at: 0, data: 'xy' }, { from: 'server', at: 5, data: 'z', flags: { fin: true, ack: true } }]);
    expect(s.events.filter((e) => e.from === 'server').map((e) => `${e.kind}@${e.offset}${e.kind === 'gap' ? ` ${e.reason}` : ''}`)).toEqual([
      'data@0', 'gap@2 end-of-capture', 'data@5', 'fin@6',
    ]);
  });

  it('notes a reset', () => {
    const s = run([...HANDSHAKE, { from: 'client', at: 0, data: 'hi' }, { from: 'server', at: 0, flags: { rst: true } }]);
    expect(s.events.map((e) => `${e.from}:${e.kind}`)).toEqual(['client:data', 'server:rst']);
    expect(s.connections[0].stats.server.rst).toBe(true);
  });

  it('decides the client from the SYN even when the SYN+ACK comes first, or from the first payload', () => {
    const synAckFirst = run([HANDSHAKE[1], HANDSHAKE[0], HANDSHAKE[2], { from: 'client', at: 0, data: 'hello' }]);
    expect(synAckFirst.connections[0]).toMatchObject({ client: { port: 51514 }, server: { port: 443 }, decidedBy: 'syn-ack' });
    expect(streams(synAckFirst.events).client).toBe('hello');
    const midStream = run([{ from: 'server', at: 0, flags: { ack: true } }, { from: 'server', at: 0, data: 'banner' }, { from: 'client', at: 0, data: 'reply' }]);
    expect(midStream.connections[0]).toMatchObject({ client: { port: 443 }, decidedBy: 'first-payload' });
  });

  it('starts a new connection when a finished 4-tuple is reused with a new SYN', () => {
    const first: Seg[] = [...HANDSHAKE, { from: 'client', at: 0, data: 'one' }, { from: 'client', at: 0, flags: { rst: true } }];
    const s = run([...first, ...HANDSHAKE, { from: 'client', at: 0, data: 'two' }]);
    expect(s.connections).toHaveLength(2);
    expect(streams(s.events, 0).client).toBe('one');
    expect(streams(s.events, 1).client).toBe('two');
  });

  it('keeps out-of-order memory bounded: past the bound the hole is given up as a gap', () => {
    const segs: Seg[] = [...HANDSHAKE];
    for (let i = 1; i <= 20; i++) segs.push({ from: 'client', at: i * 100, data: 'x'.repeat(100) });
    const s = run(segs, {}, { maxBufferedBytes: 1000 });
    const gaps = s.events.filter((e) => e.kind === 'gap');
    expect(gaps[0]).toMatchObject({ offset: 0, length: 100, reason: 'buffer-full' });
    expect(streams(s.events).client).toBe(`<gap 100>${'x'.repeat(2000)}`);
  });

  it('reassembles any segmentation, reordering and duplication of a stream to the same bytes (seeded)', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const text = Buffer.from(Array.from({ length: 200 + rnd(800) }, () => 97 + rnd(26)));
      const pieces: { at: number; len: number }[] = [];
      for (let at = 0; at < text.length; ) {
        const len = 1 + rnd(60);
        pieces.push({ at, len: Math.min(len, text.length - at) });
        at += len;
      }
      // shuffle within a window of 5, duplicate some, add overlapping spans
      for (let i = 0; i < pieces.length; i++) {
        const j = Math.min(pieces.length - 1, i + rnd(5));
        [pieces[i], pieces[j]] = [pieces[j], pieces[i]];
      }
      const extra = pieces.filter(() => rnd(4) === 0).map((p) => ({ at: p.at, len: Math.min(p.len + rnd(30), text.length - p.at) }));
      const all = [...pieces];
      for (const e of extra) all.splice(rnd(all.length + 1), 0, e);
      const isn = rnd(2) ? 0xffffffff - rnd(500) : rnd(1 << 30);
      const stream = new TcpHalfStream({ maxBufferedBytes: 1 << 20, maxBufferedSegments: 1 << 12 });
      const got: Buffer[] = [];
      const stamp = { packet: 0, sec: 0, nsec: 0 };
      stream.segment(stamp, isn, true, false, false, new Uint8Array(0));
      for (const p of all) {
        for (const e of stream.segment(stamp, (isn + 1 + p.at) >>> 0, false, false, false, text.subarray(p.at, p.at + p.len))) {
          if (e.kind === 'data') got.push(Buffer.from(e.bytes));
          else throw new Error(`unexpected ${e.kind}`);
        }
      }
      expect(stream.flush(stamp)).toEqual([]);
      expect(Buffer.concat(got).equals(text)).toBe(true);
      expect(stream.buffered).toBe(0);
    }
  });
});
