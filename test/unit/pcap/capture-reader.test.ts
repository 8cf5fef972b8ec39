// The streaming capture reader: any split of the file into chunks gives the same items as one push; comments,
// interface descriptions and Custom Blocks come through; a cut or corrupt file stops with the offset of the fault.
import fc from 'fast-check';
import { CaptureReader, decodeTcpPacket, epbFrame, ipTcpHeader, PcapngBuilder, readCapture, type CaptureItem } from '../../../src/pcap';
import { CLIENT, pcapFile, SERVER, tcpIp } from '../../helpers/capture-synth';

const KEYLOG = 'CLIENT_RANDOM 00112233 44556677\n';

function sample(): Uint8Array {
  const w = new PcapngBuilder();
  const a = w.addInterface(101, { name: 'client-leg', description: 'browser ↔ tlslab' });
  const b = w.addInterface(101, { tsresol: 9 });
  w.addCustom(32473, new TextEncoder().encode('{"x":1}'));
  w.addKeyLog(KEYLOG);
  for (let i = 0; i < 20; i++) {
    const payload = new Uint8Array(i * 37).fill(i);
    w.addPacket(i % 2 ? b : a, BigInt(1_700_000_000_000_000 + i), tcpIp(CLIENT, SERVER, 1000 + i, 0, { ack: true }, payload), undefined, i === 3 ? { comment: 'tlslab c1 client leg' } : {});
  }
  return w.bytes();
}

/** Items with their bytes as hex, so two reads can be compared whatever buffers hold them. */
function plain(items: CaptureItem[]): unknown[] {
  return items.map((i) => (i.kind === 'packet' ? { ...i.packet, data: Buffer.from(i.packet.data).toString('hex') } : i.kind === 'custom' ? { ...i, data: Buffer.from(i.data).toString('hex') } : i));
}

function readInChunks(file: Uint8Array, cuts: number[], copy = true): { items: CaptureItem[]; reader: CaptureReader } {
  const reader = new CaptureReader({ copy });
  const items: CaptureItem[] = [];
  let at = 0;
  for (const c of [...cuts].sort((x, y) => x - y)) {
    items.push(...reader.push(file.subarray(at, c)));
    at = c;
  }
  items.push(...reader.push(file.subarray(at)), ...reader.end());
  return { items, reader };
}

describe('CaptureReader', () => {
  it('reads comments, interface descriptions, Custom Blocks and key logs', () => {
    const { items, reader } = readInChunks(sample(), []);
    expect(reader.errors).toEqual([]);
    expect(reader.interfaces.map((i) => [i.name, i.description])).toEqual([['client-leg', 'browser ↔ tlslab'], [undefined, undefined]]);
    expect(items.filter((i) => i.kind === 'custom').map((i) => i.kind === 'custom' && [i.pen, new TextDecoder().decode(i.data).replace(/\0+$/, '')])).toEqual([[32473, '{"x":1}']]); // padded to 4 bytes with NULs
    expect(items.filter((i) => i.kind === 'key-log').map((i) => i.kind === 'key-log' && i.text)).toEqual([KEYLOG]);
    const packets = items.flatMap((i) => (i.kind === 'packet' ? [i.packet] : []));
    expect(packets).toHaveLength(20);
    expect(packets.map((p) => p.comment).filter(Boolean)).toEqual(['tlslab c1 client leg']);
  });

  it('gives the same items for any split into chunks (pcapng and pcap)', () => {
    const ng = sample();
    const classic = pcapFile(101, Array.from({ length: 12 }, (_, i) => ({ sec: 1_700_000_000 + i, frac: i, data: tcpIp(CLIENT, SERVER, i, 0, { ack: true }, new Uint8Array(i * 11)) })));
    for (const file of [ng, classic]) {
      const whole = plain(readInChunks(file, []).items);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: file.length }), { maxLength: 12 }), (cuts) => {
          const r = readInChunks(file, cuts);
          expect(r.reader.errors).toEqual([]);
          expect(plain(r.items)).toEqual(whole);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('agrees with readCapture on every prefix: same packets, same error and offset', () => {
    const file = sample();
    for (let n = 0; n <= file.length; n += 7) {
      const cut = file.subarray(0, n);
      const whole = readCapture(cut);
      const { items, reader } = readInChunks(cut, [Math.floor(n / 3), Math.floor(n / 2)]);
      if (!whole.ok) {
        expect(reader.fatal).toEqual(whole.error);
        continue;
      }
      expect(reader.fatal).toBeNull();
      expect(items.filter((i) => i.kind === 'packet').length).toBe(whole.value.packets.length);
      expect(reader.errors).toEqual(whole.value.errors);
    }
  });

  it('names the offset of a corrupt block and stops there, keeping what came before', () => {
    const file = Buffer.from(sample());
    const { items } = readInChunks(file, []);
    const tenth = items.filter((i) => i.kind === 'packet')[10];
    if (tenth?.kind !== 'packet') throw new Error('no tenth packet');
    file.writeUInt32LE(0xfffffff0, tenth.packet.offset + 4); // an impossible block length
    const r = readInChunks(file, [100, 1000]);
    expect(r.reader.errors).toEqual([expect.objectContaining({ code: 'TLSLAB_ERR_PCAP_BAD_BLOCK', offset: tenth.packet.offset })]);
    expect(r.items.filter((i) => i.kind === 'packet')).toHaveLength(10);
    expect(r.reader.done).toBe(true);
  });

  it('is fatal only for a file that is no capture at all', () => {
    const r = new CaptureReader();
    r.push(Buffer.from('hello world, not a capture'));
    expect(r.fatal).toMatchObject({ code: 'TLSLAB_ERR_PCAP_FORMAT', offset: 0 });
    const e = new CaptureReader();
    e.end();
    expect(e.fatal).toMatchObject({ code: 'TLSLAB_ERR_PCAP_EMPTY' });
  });

  it('copies packets out of the pushed chunk when asked, and otherwise returns views', () => {
    const file = sample();
    const copied = readInChunks(file, [], true).items.find((i) => i.kind === 'packet');
    const viewed = readInChunks(file, [], false).items.find((i) => i.kind === 'packet');
    expect(copied?.kind === 'packet' && copied.packet.data.buffer).not.toBe(file.buffer);
    expect(viewed?.kind === 'packet' && viewed.packet.data.buffer).toBe(file.buffer);
  });
});

describe('epbFrame and ipTcpHeader', () => {
  it('make an EPB that reads back as the same segment, with its comment', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    const hdr = ipTcpHeader({ src: { address: '::1', port: 50000 }, dst: { address: '::1', port: 8080 }, seq: 7, ack: 9, flags: { ack: true, psh: true } }, payload.length);
    if (!hdr) throw new Error('no header');
    const { head, tail } = epbFrame(true, 0, 1_700_000_000_123_456n, hdr.length + payload.length, 'tlslab c9 client leg');
    const w = new PcapngBuilder();
    w.addInterface(101);
    const file = Buffer.concat([w.bytes(), head, hdr, payload, tail]);
    const r = readCapture(file);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.errors).toEqual([]);
    const p = r.value.packets[0];
    expect(p?.comment).toBe('tlslab c9 client leg');
    const seg = decodeTcpPacket(101, p?.data ?? new Uint8Array(0));
    expect(seg.ok && [seg.segment.src.port, seg.segment.dst.port, seg.segment.seq, seg.segment.ack, Buffer.from(seg.segment.payload).toString()]).toEqual([50000, 8080, 7, 9, payload.toString()]);
  });
});
