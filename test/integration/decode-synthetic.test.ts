// `tlslab decode` on captures built here: RFC 8448 §3 and a Node TLS 1.2 connection written as pcapng (and pcap),
// cut into segments that arrive out of order, retransmitted and overlapping — the events must equal those of the
// decoder fed the clean byte streams. Also: keys from a DSB, non-TLS streams, gaps, and unreadable files.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDecode } from '../../src/commands/decode';
import { TlsDecoder, type TlsEvent } from '../../src/tls';
import { ethernetFrame, PcapngBuilder, writeTcpPcapng } from '../../src/pcap';
import { CLIENT, SERVER, pcapFile, tcpIp } from '../helpers/capture-synth';
import { tempDir } from '../helpers/capture-tools';

const FIX = join(__dirname, '../fixtures/tls');
const rfc = (ext: string) => readFileSync(join(FIX, 'rfc8448', `rfc8448-simple-1rtt.${ext}`));
const C2S = rfc('c2s.bin');
const S2C = rfc('s2c.bin');
const KEYLOG = rfc('keylog').toString();
const HELLO = 5 + C2S.readUInt16BE(3);

/** The reference: the decoder fed the clean streams in wire order. */
function direct(keyLog: string | null): TlsEvent[] {
  const d = new TlsDecoder({ decrypt: true });
  const out: TlsEvent[] = keyLog ? [...d.addKeyLog(keyLog)] : [];
  out.push(...d.feed('client', C2S.subarray(0, HELLO)), ...d.feed('server', S2C), ...d.feed('client', C2S.subarray(HELLO)));
  out.push(...d.end('client'), ...d.end('server'), ...d.finish());
  return out;
}

function tlsLines(lines: string[]): Record<string, unknown>[] {
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => typeof l.type === 'string' && l.type.startsWith('tls:'));
}

const strip = (l: Record<string, unknown>) => {
  const { conn: _c, t: _t, ...rest } = l;
  return rest;
};

describe('tlslab decode on synthetic captures', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => (tmp = tempDir()));
  afterAll(() => tmp.cleanup());

  it('RFC 8448 through a pcapng with reordered, retransmitted and overlapping segments gives the same events', () => {
    const isn = { client: 0xfffffe00, server: 77 }; // the client's sequence numbers wrap inside the ClientHello
    const w = new PcapngBuilder();
    const id = w.addInterface(1);
    let t = 1_700_000_000_000_000n;
    const put = (from: 'client' | 'server', at: number, data: Buffer, syn?: 'syn' | 'syn-ack') => {
      const [src, dst] = from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
      const seq = syn ? isn[from] : isn[from] + 1 + at;
      const flags = syn === 'syn' ? { syn: true } : syn === 'syn-ack' ? { syn: true, ack: true } : { ack: true, psh: true };
      const ack = isn[from === 'client' ? 'server' : 'client'] + 1; // acknowledges nothing new: no hole is ever "acked"
      w.addPacket(id, (t += 100n), ethernetFrame(tcpIp(src, dst, seq >>> 0, ack >>> 0, flags, data)));
    };
    const none = Buffer.alloc(0);
    put('client', 0, none, 'syn');
    put('server', 0, none, 'syn-ack');
    // ClientHello in three pieces: the last first, then the first, then a retransmission overlapping both.
    put('client', 150, C2S.subarray(150, HELLO));
    put('client', 0, C2S.subarray(0, 100));
    put('client', 50, C2S.subarray(50, 180));
    // Server flight: 1 byte at a time for the first 20, then the rest in two swapped halves plus a duplicate.
    for (let i = 0; i < 20; i++) put('server', i, S2C.subarray(i, i + 1));
    put('server', 600, S2C.subarray(600));
    put('server', 20, S2C.subarray(20, 600));
    put('server', 500, S2C.subarray(500, 700));
    put('client', HELLO, C2S.subarray(HELLO));
    const file = join(tmp.dir, 'rfc8448.pcapng');
    writeFileSync(file, w.bytes());
    const keyFile = join(tmp.dir, 'rfc8448.keylog');
    writeFileSync(keyFile, KEYLOG);

    const lines = runDecode({ file, keylog: keyFile, json: true });
    const conn = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(conn).toMatchObject({ type: 'decode:connection', conn: '0', kind: 'tls', client: CLIENT, server: SERVER, bytes: { client: C2S.length, server: S2C.length } });
    const ours = tlsLines(lines);
    expect(ours.every((l) => l.conn === '0' && typeof l.t === 'number')).toBe(true);
    expect(ours.map(strip)).toEqual(JSON.parse(JSON.stringify(direct(KEYLOG))));
    expect(ours.filter((l) => l.type === 'tls:handshake' && l.encrypted).length).toBeGreaterThanOrEqual(5);
    const summary = JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
    expect(summary).toMatchObject({ type: 'decode:summary', connections: 1, tlsConnections: 1, keyLogLines: { option: 5, dsb: 0 } });
  });

  it('takes keys from a Decryption Secrets Block, and decodes the same bytes in a classic pcap without keys', () => {
    const w = writeTcpPcapng({
      keyLog: KEYLOG,
      connections: [{ client: CLIENT, server: SERVER, chunks: [{ from: 'client', bytes: C2S.subarray(0, HELLO) }, { from: 'server', bytes: S2C }, { from: 'client', bytes: C2S.subarray(HELLO) }] }],
    });
    if (!w.ok) throw new Error(w.error.message);
    const file = join(tmp.dir, 'dsb.pcapng');
    writeFileSync(file, w.value);
    expect(tlsLines(runDecode({ file, json: true })).map(strip)).toEqual(JSON.parse(JSON.stringify(direct(KEYLOG))));

    // The same packets, as a big-endian nanosecond pcap (no DSB there): nothing decrypts, framing still agrees.
    const frames = [
      tcpIp(CLIENT, SERVER, 10, 0, { syn: true }),
      tcpIp(SERVER, CLIENT, 90, 11, { syn: true, ack: true }),
      tcpIp(CLIENT, SERVER, 11, 91, { ack: true }, C2S.subarray(0, HELLO)),
      tcpIp(SERVER, CLIENT, 91, 11 + HELLO, { ack: true }, S2C),
      tcpIp(CLIENT, SERVER, 11 + HELLO, 91 + S2C.length, { ack: true, fin: true }, C2S.subarray(HELLO)),
    ];
    const pcap = join(tmp.dir, 'plain.pcap');
    writeFileSync(pcap, pcapFile(101, frames.map((data, i) => ({ sec: 1_700_000_000, frac: i * 1000, data })), { le: false, nano: true }));
    const plain = tlsLines(runDecode({ file: pcap, json: true }));
    expect(plain.map(strip)).toEqual(JSON.parse(JSON.stringify(direct(null))));
    expect(plain.some((l) => l.type === 'tls:handshake' && l.encrypted)).toBe(false);
  });

  it('reports non-TLS streams as such, and a gap instead of gluing bytes across it', () => {
    const w = writeTcpPcapng({
      connections: [
        { client: { address: '127.0.0.1', port: 40000 }, server: { address: '127.0.0.1', port: 80 }, chunks: [{ from: 'client', bytes: Buffer.from('GET / HTTP/1.1\r\n\r\n') }] },
        { client: { address: '::1', port: 40001 }, server: { address: '::1', port: 443 }, chunks: [] },
      ],
    });
    if (!w.ok) throw new Error(w.error.message);
    const file = join(tmp.dir, 'plain.pcapng');
    writeFileSync(file, w.value);
    const lines = runDecode({ file, json: true }).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.type === 'decode:connection').map((l) => [l.conn, l.kind, l.firstBytesHex])).toEqual([
      ['0', 'not-tls', { client: Buffer.from('GET / HTTP/1.1\r\n').toString('hex'), server: '' }],
      ['1', 'empty', { client: '', server: '' }],
    ]);
    expect(lines.filter((l) => (l.type as string).startsWith('tls:'))).toEqual([]);
    const tree = runDecode({ file });
    expect(tree[0]).toBe('#0 127.0.0.1:40000 → 127.0.0.1:80  not TLS  (7 packets; client 18 B, server 0 B; first bytes 474554202f20485454502f312e310d0a)');
    expect(tree[tree.length - 1]).toMatch(/pcapng, 13 packets \(13 TCP\), 2 TCP connections, 0 TLS/);

    // A capture that lost part of the server's flight: the gap is reported and that direction stops being decoded.
    const g = new PcapngBuilder();
    const id = g.addInterface(101);
    g.addPacket(id, 1n, tcpIp(CLIENT, SERVER, 1, 0, { ack: true }, C2S.subarray(0, HELLO)));
    g.addPacket(id, 2n, tcpIp(SERVER, CLIENT, 1, 1 + HELLO, { ack: true }, S2C.subarray(0, 100)));
    g.addPacket(id, 3n, tcpIp(SERVER, CLIENT, 301, 1 + HELLO, { ack: true }, S2C.subarray(300)));
    g.addPacket(id, 4n, tcpIp(CLIENT, SERVER, 1 + HELLO, 1 + S2C.length, { ack: true }, C2S.subarray(HELLO)));
    const gapFile = join(tmp.dir, 'gap.pcapng');
    writeFileSync(gapFile, g.bytes());
    const gl = runDecode({ file: gapFile, json: true }).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(gl.filter((l) => l.type === 'decode:gap')).toEqual([
      expect.objectContaining({ from: 'server', offset: 100, length: 200, reason: 'acked', note: expect.stringContaining('not decoded') }),
    ]);
    expect(runDecode({ file: gapFile }).some((l) => l.includes('TCP gap: 200 B missing @100 (acked)'))).toBe(true);
  });

  it('prints a readable tree: one header per connection, one line per event, fields with --verbose', () => {
    const w = writeTcpPcapng({
      keyLog: KEYLOG,
      connections: [{ client: CLIENT, server: SERVER, chunks: [{ from: 'client', bytes: C2S.subarray(0, HELLO) }, { from: 'server', bytes: S2C }, { from: 'client', bytes: C2S.subarray(HELLO) }] }],
    });
    if (!w.ok) throw new Error(w.error.message);
    const file = join(tmp.dir, 'tree.pcapng');
    writeFileSync(file, w.value);
    const tree = runDecode({ file });
    expect(tree[0]).toMatch(/^#0 127\.0\.0\.1:51514 → 127\.0\.0\.2:443 {2}TLS {2}.*TLS_AES_128_GCM_SHA256/);
    expect(tree.find((l) => l.includes('client_hello'))).toMatch(/^ {2}→ 1 client_hello \(192 B\) {2}SNI server; 3 suites/);
    expect(tree.find((l) => l.includes('server_hello'))).toMatch(/^ {2}← 2 server_hello .*TLS_AES_128_GCM_SHA256/);
    expect(tree.some((l) => /^ {2}← . certificate .*\[decrypted\] {2}1 certificate/.test(l))).toBe(true);
    expect(tree.some((l) => /^ {2}→ . TCP FIN$/.test(l))).toBe(true);
    const verbose = runDecode({ file, verbose: true });
    expect(verbose.length).toBeGreaterThan(tree.length + 20);
    expect(verbose.some((l) => /^ {8}random: /.test(l) || /^ {8}random {2}\[/.test(l))).toBe(true);
    expect(verbose.some((l) => /^ {2}→ . record handshake/i.test(l))).toBe(true);
  });

  it('fails with a clear message naming the file when it cannot read it', () => {
    const missing = join(tmp.dir, 'nope.pcapng');
    expect(() => runDecode({ file: missing })).toThrow(expect.objectContaining({ code: 'TLSLAB_ERR_CAPTURE_FILE', message: expect.stringContaining(`cannot read capture file ${missing}: ENOENT`) }));
    const text = join(tmp.dir, 'text.pcap');
    writeFileSync(text, 'not a capture');
    expect(() => runDecode({ file: text })).toThrow(expect.objectContaining({ message: expect.stringContaining(`${text} is not a readable capture`) }));
    expect(() => runDecode({ file: join(FIX, 'rfc8448', 'rfc8448-simple-1rtt.c2s.bin'), keylog: missing })).toThrow(/cannot read key log/);
  });
});
