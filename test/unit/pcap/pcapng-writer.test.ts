// The pcapng writer: what it writes reads back as the same connections, bytes, key log and times.
import { readCapture, reassembleCapture, writeTcpPcapng, type TcpStreamExport } from '../../../src/pcap';

const KEYLOG = 'CLIENT_RANDOM aa bb\n';

function roundTrip(conns: TcpStreamExport[], mss?: number, bigEndian?: boolean) {
  const w = writeTcpPcapng({ connections: conns, keyLog: KEYLOG, mss, bigEndian });
  if (!w.ok) throw new Error(w.error.message);
  const r = readCapture(w.value);
  if (!r.ok) throw new Error(r.error.message);
  return { capture: r.value, streams: reassembleCapture(r.value) };
}

describe('pcapng writer', () => {
  it('writes two byte streams that read back identical, with the key log and timestamps', () => {
    const big = Buffer.alloc(100_000, 7);
    const conn: TcpStreamExport = {
      client: { address: '127.0.0.1', port: 50000 },
      server: { address: '127.0.0.1', port: 443 },
      startMs: 1_700_000_000_000.5,
      chunks: [
        { from: 'client', bytes: Buffer.from('hello'), timeMs: 1_700_000_000_001 },
        { from: 'server', bytes: big, timeMs: 1_700_000_000_002.25 },
        { from: 'client', bytes: Buffer.from('bye') },
      ],
    };
    for (const bigEndian of [false, true]) {
      const { capture, streams } = roundTrip([conn], 1000, bigEndian);
      expect(capture.keyLogs).toEqual([KEYLOG]);
      expect(capture.errors).toEqual([]);
      expect(capture.littleEndian).toBe(!bigEndian);
      // SYN, SYN+ACK, ACK, 1 + 100 + 1 data packets, FIN, FIN, ACK
      expect(capture.packets).toHaveLength(3 + 102 + 3);
      expect([capture.packets[0].sec, capture.packets[0].nsec]).toEqual([1_700_000_000, 500_000]);
      expect([capture.packets[4].sec, capture.packets[4].nsec]).toEqual([1_700_000_000, 2_250_000]);
      const c = streams.connections[0];
      expect([c.client.port, c.server.port, c.decidedBy]).toEqual([50000, 443, 'syn']);
      const data = (from: string) => Buffer.concat(streams.events.filter((e) => e.from === from && e.kind === 'data').map((e) => (e.kind === 'data' ? e.bytes : new Uint8Array())));
      expect(data('client').toString()).toBe('hellobye');
      expect(data('server').equals(big)).toBe(true);
      expect(c.stats.client.fin && c.stats.server.fin).toBe(true);
    }
  });

  it('writes IPv6, several connections, an RST ending, and sequence numbers that wrap', () => {
    const { streams } = roundTrip([
      { client: { address: '::1', port: 40000 }, server: { address: '::1', port: 8443 }, chunks: [{ from: 'client', bytes: Buffer.from('v6') }], close: 'rst' },
      {
        client: { address: '127.0.0.1', port: 40001 },
        server: { address: '127.0.0.1', port: 8443 },
        isn: { client: 0xfffffff0, server: 0xfffffffe },
        chunks: [{ from: 'client', bytes: Buffer.alloc(64, 1) }, { from: 'server', bytes: Buffer.alloc(64, 2) }],
      },
    ], 10);
    expect(streams.connections.map((c) => [c.client.address, c.stats.client.bytes, c.stats.server.bytes, c.stats.client.rst])).toEqual([
      ['::1', 2, 0, true],
      ['127.0.0.1', 64, 64, false],
    ]);
    expect(streams.events.filter((e) => e.kind === 'gap')).toEqual([]);
  });

  it('refuses addresses it cannot put in a header, with a code', () => {
    const w = writeTcpPcapng({ connections: [{ client: { address: 'localhost', port: 1 }, server: { address: '127.0.0.1', port: 2 }, chunks: [] }] });
    expect(!w.ok && w.error.code).toBe('TLSLAB_ERR_PCAP_WRITE');
  });
});
