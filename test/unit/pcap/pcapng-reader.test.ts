// pcapng: sections in both byte orders, several interfaces with their own link type and resolution,
// simple and enhanced packet blocks, Decryption Secrets Blocks, and malformed blocks as typed errors.
import { PcapngBuilder, readCapture, readPcapng, reassembleCapture } from '../../../src/pcap';
import { CLIENT, SERVER, sll2Frame, tcpIp } from '../../helpers/capture-synth';

const ip = tcpIp(CLIENT, SERVER, 100, 0, { syn: true });
const KEYLOG = 'CLIENT_RANDOM 00112233 44556677\n';

function sample(le: boolean): Uint8Array {
  const w = new PcapngBuilder(le);
  const raw = w.addInterface(101, { name: 'raw-us' });
  const cooked = w.addInterface(276, { tsresol: 9, name: 'sll2-ns' });
  const binary = w.addInterface(101, { tsresol: 0x80 | 10 }); // 2^-10 s units
  w.addKeyLog(KEYLOG);
  w.addPacket(raw, 1_700_000_000_123_456n, ip);
  w.addPacket(cooked, 1_700_000_000_987_654_321n, sll2Frame(ip), 1234);
  w.addPacket(binary, 5n * 1024n + 512n, ip);
  w.addSimplePacket(ip);
  return w.bytes();
}

describe('pcapng reader', () => {
  for (const le of [true, false]) {
    it(`reads a ${le ? 'little' : 'big'}-endian section with three interfaces, a DSB, EPBs and an SPB`, () => {
      const r = readCapture(sample(le));
      if (!r.ok) throw new Error(r.error.message);
      const c = r.value;
      expect(c.format).toBe('pcapng');
      expect(c.littleEndian).toBe(le);
      expect(c.errors).toEqual([]);
      expect(c.keyLogs).toEqual([KEYLOG]);
      expect(c.interfaces.map((i) => [i.linkType, i.unitsPerSecond, i.name])).toEqual([
        [101, 1e6, 'raw-us'],
        [276, 1e9, 'sll2-ns'],
        [101, 1024, undefined],
      ]);
      expect(c.packets.map((p) => [p.interfaceId, p.linkType, p.sec, p.nsec, p.originalLength])).toEqual([
        [0, 101, 1700000000, 123456000, ip.length],
        [1, 276, 1700000000, 987654321, 1234],
        [2, 101, 5, 500000000, ip.length],
        // SPB: interface 0, no timestamp of its own (the previous packet's is reused)
        [0, 101, 5, 500000000, ip.length],
      ]);
      expect(Buffer.from(c.packets[1].data.subarray(20)).equals(Buffer.from(ip))).toBe(true);
    });
  }

  it('reads a second section with the other byte order and its own interfaces', () => {
    const a = sample(true);
    const b = sample(false);
    const r = readPcapng(Buffer.concat([a, b]));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.errors).toEqual([]);
    expect(r.value.interfaces).toHaveLength(6);
    expect(r.value.packets).toHaveLength(8);
    expect(r.value.packets.slice(4).map((p) => p.interfaceId)).toEqual([3, 4, 5, 3]);
    expect(r.value.keyLogs).toEqual([KEYLOG, KEYLOG]);
  });

  it('skips blocks it does not know by their length', () => {
    const w = new PcapngBuilder();
    w.addInterface(101);
    const file = Buffer.from(w.bytes());
    // A name resolution block (type 4) with only an end-of-records marker.
    const nrb = Buffer.alloc(16);
    nrb.writeUInt32LE(4, 0);
    nrb.writeUInt32LE(16, 4);
    nrb.writeUInt32LE(16, 12);
    const w2 = new PcapngBuilder();
    w2.addInterface(101);
    w2.addPacket(0, 1n, ip);
    const epb = Buffer.from(w2.bytes()).subarray(file.length);
    const r = readPcapng(Buffer.concat([file, nrb, epb]));
    expect(r.ok && r.value.packets.length).toBe(1);
    expect(r.ok && r.value.errors).toEqual([]);
  });

  it('reports bad lengths, packets of unknown interfaces and truncation with codes and offsets', () => {
    const w = new PcapngBuilder();
    w.addPacket(0, 1n, ip); // no IDB yet
    const noIf = readPcapng(w.bytes());
    expect(noIf.ok && noIf.value.errors.map((e) => e.code)).toEqual(['TLSLAB_ERR_PCAP_NO_INTERFACE']);

    const good = Buffer.from(sample(true));
    const shbLen = good.readUInt32LE(4);
    const badTrailer = Buffer.from(good);
    badTrailer.writeUInt32LE(999, shbLen - 4);
    const r1 = readPcapng(badTrailer);
    expect(r1.ok && r1.value.errors).toEqual([expect.objectContaining({ code: 'TLSLAB_ERR_PCAP_BAD_BLOCK', offset: 0 })]);

    const oddLen = Buffer.from(good);
    oddLen.writeUInt32LE(13, shbLen + 4);
    const r2 = readPcapng(oddLen);
    expect(r2.ok && r2.value.errors).toEqual([expect.objectContaining({ code: 'TLSLAB_ERR_PCAP_BAD_BLOCK', offset: shbLen })]);

    const cut = readPcapng(good.subarray(0, good.length - 7));
    expect(cut.ok && cut.value.errors.map((e) => e.code)).toEqual(['TLSLAB_ERR_PCAP_TRUNCATED']);
    expect(cut.ok && cut.value.packets.length).toBe(3);

    const badMagic = Buffer.from(good);
    badMagic.writeUInt32LE(0x12345678, 8);
    const r3 = readPcapng(badMagic);
    expect(r3.ok && r3.value.errors.map((e) => e.code)).toEqual(['TLSLAB_ERR_PCAP_BAD_SECTION']);
  });

  it('never throws on any prefix or any single corrupted byte', () => {
    const file = Buffer.from(sample(true));
    for (let n = 0; n <= file.length; n++) expect(() => readCapture(file.subarray(0, n))).not.toThrow();
    for (let i = 0; i < file.length; i++) {
      const bad = Buffer.from(file);
      bad[i] ^= 0xff;
      expect(() => {
        const r = readCapture(bad);
        if (r.ok) reassembleCapture(r.value); // and the packet decoder and reassembler on whatever was read
      }).not.toThrow();
    }
  });
});
