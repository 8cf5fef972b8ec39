// The streaming capture reader: any split of the file into chunks gives the same items as one push; comments,
// interface descriptions and Custom Blocks come through; a cut or corrupt file stops with the offset of the fault. The
// EPB writer for recordings: a segment written in place reads back, and grows in place up to one IP packet.
import fc from 'fast-check';
import { addressBytes, appendToTcpEpb, CaptureReader, decodeTcpPacket, maxTcpPayload, PcapngBuilder, readCapture, tcpEpbLength, writeTcpEpb, type CaptureItem } from '../../../src/pcap';
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

describe('writeTcpEpb and appendToTcpEpb', () => {
  const segmentOf = (p: CaptureItem | undefined): [number, number, number, number, string] => {
    if (p?.kind !== 'packet') throw new Error('no packet');
    const seg = decodeTcpPacket(101, p.packet.data);
    if (!seg.ok) throw new Error('not TCP');
    return [seg.segment.src.port, seg.segment.dst.port, seg.segment.seq, seg.segment.ack, Buffer.from(seg.segment.payload).toString()];
  };
  const read = (file: Uint8Array): CaptureItem[] => {
    const { items, reader } = readInChunks(file, [], false);
    expect(reader.fatal).toBeNull();
    return items.filter((i) => i.kind === 'packet');
  };

  it.each([[true], [false]])('write an EPB that reads back as the same segment, with its comment (little-endian %s)', (le) => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n\r\n');
    const comment = Buffer.from('tlslab c9 client leg');
    const seg = { interfaceId: 0, units: 1_700_000_000_123_456, src: addressBytes('::1') as Uint8Array, dst: addressBytes('::1') as Uint8Array, tcp: { src: { port: 50000 }, dst: { port: 8080 }, seq: 7, ack: 9, flags: { ack: true, psh: true } }, payload, comment };
    const w = new PcapngBuilder(le);
    w.addInterface(101);
    const head = w.bytes();
    const file = new Uint8Array(head.length + tcpEpbLength(seg));
    file.set(head);
    expect(writeTcpEpb(file, head.length, le, seg)).toBe(file.length);
    const [p] = read(file);
    expect(p?.kind === 'packet' && [p.packet.comment, p.packet.sec, p.packet.nsec]).toEqual(['tlslab c9 client leg', 1_700_000_000, 123_456_000]);
    expect(segmentOf(p)).toEqual([50000, 8080, 7, 9, payload.toString()]);
  });

  it('grow a segment in place with the bytes that follow, up to one IP packet, its IPv4 header checksum right', () => {
    const w = new PcapngBuilder();
    w.addInterface(101);
    const head = w.bytes();
    const file = new Uint8Array(head.length + 70_000 + 200);
    file.set(head);
    const seg = { interfaceId: 0, units: 5, src: addressBytes('10.0.0.1') as Uint8Array, dst: addressBytes('10.0.0.2') as Uint8Array, tcp: { src: { port: 1 }, dst: { port: 2 }, seq: 100, ack: 200, flags: { ack: true, psh: true } }, payload: Buffer.from('abc') };
    expect(writeTcpEpb(file, head.length, true, seg)).toBe(head.length + tcpEpbLength(seg));
    const end = appendToTcpEpb(file, head.length, true, Buffer.from('defgh')) as number;
    const grown = file.subarray(0, end);
    const [p] = read(grown);
    expect(segmentOf(p)).toEqual([1, 2, 100, 200, 'abcdefgh']);
    // RFC 791: the header's checksum, summed with it in place, is 0xffff.
    const ip = p?.kind === 'packet' ? p.packet.data : new Uint8Array(0);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect([sum, (ip[2] << 8) | ip[3]]).toEqual([0xffff, 40 + 8]);
    // Past one IPv4 packet's payload (65,495 bytes): refused, the block as it was.
    expect(appendToTcpEpb(file, head.length, true, new Uint8Array(maxTcpPayload(4) - 8 + 1))).toBeNull();
    expect(segmentOf(read(file.subarray(0, end))[0])[4]).toBe('abcdefgh');
    expect(appendToTcpEpb(file, head.length, true, new Uint8Array(maxTcpPayload(4) - 8))).toBe(head.length + tcpEpbLength({ src: seg.src, payload: new Uint8Array(maxTcpPayload(4)) }));
  });
});
