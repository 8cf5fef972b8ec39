// The session export: kept legs become TCP connections with their real ends, the key logs come before any packet,
// the facts (conn:open, the verdict's decision, conn:close) ride along in Custom Blocks, and nothing is made up.
import { CaptureStore, type KeptLeg } from '../../../src/capture/capture-store';
import type { LegEnds } from '../../../src/capture/session';
import type { TlslabEvent } from '../../../src/events/schema';
import { CaptureReader, decodeTcpPacket, type CaptureItem } from '../../../src/pcap';
import { decodeFact, LEG_INTERFACES, parseLegComment, TLSLAB_PEN } from '../../../src/record/record-format';
import { exportPcapng } from '../../../src/record/session-export';

const T = 1_700_000_000_000;
const leg = (bytes: number, keyLog: string[], ends: LegEnds | null): KeptLeg => ({
  raw: bytes ? [{ from: 'client', t: T + 2, bytes: Buffer.alloc(bytes, 0x16) }, { from: 'server', t: T + 3, bytes: Buffer.alloc(bytes, 0x17) }] : [],
  keyLog,
  ends,
});
const CLIENT_ENDS: LegEnds = { client: { address: '::ffff:127.0.0.1', port: 51000 }, server: { address: '::ffff:127.0.0.1', port: 8080 } };
const UPSTREAM_ENDS: LegEnds = { client: { address: '127.0.0.1', port: 40404 }, server: { address: '127.0.0.1', port: 8443 } };

function events(conn: string): TlslabEvent[] {
  return [
    { v: 1, type: 'conn:open', conn, seq: 1, t: T, client: { address: '127.0.0.1', port: 51000 }, target: { host: 'example.test', port: 443 }, via: 'connect' },
    { v: 1, type: 'tls:verdict', conn, seq: 2, t: T + 1, leg: 'upstream', step: 3, ok: false, findings: [], chain: [], nodeError: 'CERT_HAS_EXPIRED', host: 'example.test', policy: 'block' },
    // The browser ended its side (the server's end did not come: tlslab hung up on it).
    { v: 1, type: 'tls:tcp-end', conn, seq: 3, t: T + 4, leg: 'client', from: 'client', step: 8, how: 'fin', closeNotify: true, note: '' },
    { v: 1, type: 'conn:close', conn, seq: 4, t: T + 10, cause: 'closed', durationMs: 10, bytes: { client: { fromClient: 1, toClient: 1 }, upstream: { fromServer: 1, toServer: 1 } } },
  ];
}

function read(bytes: Uint8Array): { items: CaptureItem[]; reader: CaptureReader } {
  const reader = new CaptureReader();
  const items = [...reader.push(bytes), ...reader.end()];
  return { items, reader };
}

describe('exportPcapng', () => {
  it('writes nothing for connections with neither legs nor events', () => {
    expect(exportPcapng([{ id: 'c1', events: [] }])).toBeNull();
  });

  it('writes both legs with their real ends (IPv4-mapped as IPv4), key logs first, facts in time order', () => {
    const store = new CaptureStore();
    store.add('c7', { client: leg(300, ['CLIENT_RANDOM aa bb'], CLIENT_ENDS), upstream: leg(200, ['CLIENT_RANDOM cc dd'], UPSTREAM_ENDS) });
    store.markClosed('c7');
    const bytes = exportPcapng([{ id: 'c7', events: events('c7'), kept: store.get('c7') }], { trust: ['-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n'] });
    if (!bytes) throw new Error('nothing exported');
    const { items, reader } = read(bytes);
    expect(reader.errors).toEqual([]);
    expect(reader.interfaces.map((i) => [i.linkType, i.name, i.description])).toEqual([
      [101, LEG_INTERFACES.client.name, LEG_INTERFACES.client.description],
      [101, LEG_INTERFACES.upstream.name, LEG_INTERFACES.upstream.description],
    ]);
    const kinds = items.map((i) => i.kind);
    expect(kinds.indexOf('key-log')).toBeLessThan(kinds.indexOf('packet'));
    expect(items.filter((i) => i.kind === 'key-log').map((i) => i.kind === 'key-log' && i.text)).toEqual(['CLIENT_RANDOM aa bb\n', 'CLIENT_RANDOM cc dd\n']);
    const facts = items.flatMap((i) => (i.kind === 'custom' && i.pen === TLSLAB_PEN ? [decodeFact(i.data)] : []));
    expect(facts.map((f) => (f?.tlslab === 'event' ? f.event.type : f?.tlslab))).toEqual(['session', 'conn:open', 'verdict', 'conn:close']);
    expect(facts[2]).toMatchObject({ conn: 'c7', host: 'example.test', nodeError: 'CERT_HAS_EXPIRED', policy: 'block' });
    const packets = items.flatMap((i) => (i.kind === 'packet' ? [i.packet] : []));
    const syns = packets.filter((p) => p.comment !== undefined).map((p) => ({ ...parseLegComment(p.comment as string), iface: p.interfaceId }));
    expect(syns).toEqual([{ conn: 'c7', leg: 'client', tls: true, iface: 0 }, { conn: 'c7', leg: 'upstream', tls: true, iface: 1 }]);
    const ends = new Set(packets.map((p) => {
      const d = decodeTcpPacket(p.linkType, p.data);
      return d.ok ? `${d.segment.src.address}:${d.segment.src.port}>${d.segment.dst.address}:${d.segment.dst.port}` : 'bad';
    }));
    expect([...ends].sort()).toEqual(['127.0.0.1:40404>127.0.0.1:8443', '127.0.0.1:51000>127.0.0.1:8080', '127.0.0.1:8080>127.0.0.1:51000', '127.0.0.1:8443>127.0.0.1:40404']);
    // The client leg: SYN, SYN+ACK, ACK, the CONNECT request and tlslab's answer, two data segments, the browser's FIN,
    // tlslab's FIN, the last ACK; the upstream leg the same but for the CONNECT exchange and the server's FIN (which
    // never came).
    expect(packets).toHaveLength(10 + 6);
    const first = (d: ReturnType<typeof decodeTcpPacket>): string => (d.ok ? Buffer.from(d.segment.payload).toString('latin1') : '');
    expect(first(decodeTcpPacket(101, packets[3]?.data ?? new Uint8Array(0)))).toBe('CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n');
    expect(first(decodeTcpPacket(101, packets[4]?.data ?? new Uint8Array(0)))).toBe('HTTP/1.1 200 Connection Established\r\nProxy-Agent: tlslab\r\n\r\n');
    const fins = packets.map((p) => decodeTcpPacket(p.linkType, p.data)).flatMap((d) => (d.ok && d.segment.flags.fin ? [`${d.segment.src.port}`] : []));
    expect(fins).toEqual(['51000', '8080', '40404']);
    expect(packets.map((p) => p.sec * 1e3 + p.nsec / 1e6).every((t, i, a) => i === 0 || t >= a[i - 1])).toBe(true);
  });

  it('leaves out a leg whose addresses are unknown rather than make them up', () => {
    const store = new CaptureStore();
    store.add('c8', { client: leg(100, [], CLIENT_ENDS), upstream: leg(100, [], null) });
    const bytes = exportPcapng([{ id: 'c8', events: events('c8'), kept: store.get('c8') }]);
    const packets = read(bytes as Uint8Array).items.filter((i) => i.kind === 'packet');
    expect(packets.length).toBe(8); // the client leg only (with its CONNECT exchange), still open: the browser's FIN, none from tlslab yet
  });
});
