// Classic pcap: both byte orders, micro- and nanosecond files, truncation and corruption as typed errors.
import { readCapture, readPcap, decodeTcpPacket } from '../../../src/pcap';
import { CLIENT, SERVER, pcapFile, tcpIp } from '../../helpers/capture-synth';

const p1 = tcpIp(CLIENT, SERVER, 1, 0, { syn: true });
const p2 = tcpIp(SERVER, CLIENT, 7, 2, { syn: true, ack: true });

describe('classic pcap reader', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      it(`reads a ${le ? 'little' : 'big'}-endian ${nano ? 'nanosecond' : 'microsecond'} file`, () => {
        const file = pcapFile(101, [
          { sec: 1700000000, frac: nano ? 123456789 : 123456, data: p1 },
          { sec: 1700000001, frac: nano ? 999999999 : 999999, data: p2, origLen: 1500 },
        ], { le, nano });
        const r = readCapture(file);
        if (!r.ok) throw new Error(r.error.message);
        const c = r.value;
        expect(c.format).toBe('pcap');
        expect(c.littleEndian).toBe(le);
        expect(c.nanosecond).toBe(nano);
        expect(c.errors).toEqual([]);
        expect(c.interfaces).toEqual([{ id: 0, linkType: 101, snapLen: 262144, unitsPerSecond: nano ? 1e9 : 1e6 }]);
        expect(c.packets.map((p) => [p.index, p.sec, p.nsec, p.linkType, p.originalLength])).toEqual([
          [0, 1700000000, nano ? 123456789 : 123456000, 101, p1.length],
          [1, 1700000001, nano ? 999999999 : 999999000, 101, 1500],
        ]);
        expect(Buffer.from(c.packets[1].data).equals(Buffer.from(p2))).toBe(true);
        const seg = decodeTcpPacket(101, c.packets[1].data);
        expect(seg.ok && seg.segment.flags.syn && seg.segment.flags.ack && seg.segment.seq === 7).toBe(true);
      });
    }
  }

  it('keeps the packets before a truncated record and says where it broke', () => {
    const file = pcapFile(101, [{ sec: 1, frac: 0, data: p1 }, { sec: 2, frac: 0, data: p2 }]);
    const cut = file.subarray(0, file.length - 3);
    const r = readPcap(cut);
    if (!r.ok) throw new Error('expected a partial read');
    expect(r.value.packets).toHaveLength(1);
    expect(r.value.errors).toEqual([
      expect.objectContaining({ code: 'TLSLAB_ERR_PCAP_TRUNCATED', offset: 24 + 16 + p1.length }),
    ]);
    const headerCut = readPcap(file.subarray(0, 24 + 16 + p1.length + 5));
    expect(headerCut.ok && headerCut.value.errors[0].code).toBe('TLSLAB_ERR_PCAP_TRUNCATED');
  });

  it('rejects a record that claims an absurd length', () => {
    const file = pcapFile(101, [{ sec: 1, frac: 0, data: p1 }]);
    new DataView(file.buffer, file.byteOffset).setUint32(24 + 8, 0x7fffffff, true);
    const r = readPcap(file);
    expect(r.ok && r.value.errors.map((e) => e.code)).toEqual(['TLSLAB_ERR_PCAP_SNAPLEN']);
  });

  it('says what is wrong with files that are not captures', () => {
    const empty = readCapture(new Uint8Array(0));
    expect(!empty.ok && empty.error.code).toBe('TLSLAB_ERR_PCAP_EMPTY');
    const text = readCapture(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(!text.ok && text.error.code).toBe('TLSLAB_ERR_PCAP_FORMAT');
    const short = readCapture(pcapFile(1, []).subarray(0, 10));
    expect(!short.ok && short.error.code).toBe('TLSLAB_ERR_PCAP_TRUNCATED');
  });

  it('never throws on any prefix of a file', () => {
    const file = pcapFile(1, [{ sec: 1, frac: 0, data: p1 }, { sec: 2, frac: 0, data: p2 }]);
    for (let n = 0; n <= file.length; n++) expect(() => readCapture(file.subarray(0, n))).not.toThrow();
  });
});
