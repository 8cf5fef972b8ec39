// Test helper: synthetic captures built byte by byte (classic pcap in any byte order/resolution, pcapng,
// link-layer wrappers) so the pcap layer's tests can say exactly which packets a file holds.
import { ethernetFrame, ipTcpPacket, PcapngBuilder, type Endpoint, type TcpFlags } from '../../src/pcap';

export const CLIENT: Endpoint = { address: '127.0.0.1', port: 51514 };
export const SERVER: Endpoint = { address: '127.0.0.2', port: 443 };

/** One packet for a classic pcap file. */
export interface RawRecord {
  sec: number;
  /** Microseconds or nanoseconds, per the file's resolution. */
  frac: number;
  data: Uint8Array;
  origLen?: number;
}

/** A classic pcap file (draft-ietf-opsawg-pcap): choose byte order and resolution. */
export function pcapFile(linkType: number, records: RawRecord[], opts: { le?: boolean; nano?: boolean; snapLen?: number } = {}): Uint8Array {
  const le = opts.le ?? true;
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(24);
  const h = new DataView(header.buffer);
  h.setUint32(0, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  h.setUint16(4, 2, le);
  h.setUint16(6, 4, le);
  h.setUint32(16, opts.snapLen ?? 262144, le);
  h.setUint32(20, linkType, le);
  parts.push(header);
  for (const r of records) {
    const rh = new Uint8Array(16);
    const v = new DataView(rh.buffer);
    v.setUint32(0, r.sec, le);
    v.setUint32(4, r.frac, le);
    v.setUint32(8, r.data.length, le);
    v.setUint32(12, r.origLen ?? r.data.length, le);
    parts.push(rh, r.data);
  }
  return Buffer.concat(parts);
}

/** Raw IP bytes of one TCP segment (throws in tests if the addresses are bad). */
export function tcpIp(src: Endpoint, dst: Endpoint, seq: number, ack: number, flags: Partial<TcpFlags>, payload?: Uint8Array): Uint8Array {
  const ip = ipTcpPacket({ src, dst, seq, ack, flags, payload });
  if (!ip) throw new Error(`bad test addresses ${src.address} ${dst.address}`);
  return ip;
}

/** Linux cooked capture v2 header (LINKTYPE_LINUX_SLL2, 276) around an IP packet. */
export function sll2Frame(ip: Uint8Array): Uint8Array {
  const f = new Uint8Array(20 + ip.length);
  const v = new DataView(f.buffer);
  v.setUint16(0, ip[0] >> 4 === 6 ? 0x86dd : 0x0800);
  v.setUint32(4, 1); // interface index
  v.setUint16(8, 772); // ARPHRD_LOOPBACK
  f[10] = 0; // PACKET_HOST
  f[11] = 6;
  f.set(ip, 20);
  return f;
}

/** Linux cooked capture v1 header (LINKTYPE_LINUX_SLL, 113). */
export function sllFrame(ip: Uint8Array): Uint8Array {
  const f = new Uint8Array(16 + ip.length);
  const v = new DataView(f.buffer);
  v.setUint16(2, 772);
  v.setUint16(4, 6);
  v.setUint16(14, ip[0] >> 4 === 6 ? 0x86dd : 0x0800);
  f.set(ip, 16);
  return f;
}

/** BSD loopback (LINKTYPE_NULL, 0): the address family in the capturing host's byte order. */
export function nullFrame(ip: Uint8Array, family: number, le: boolean): Uint8Array {
  const f = new Uint8Array(4 + ip.length);
  new DataView(f.buffer).setUint32(0, family, le);
  f.set(ip, 4);
  return f;
}

/** One segment of a scripted conversation: offsets are relative to each side's ISN + 1. */
export interface Seg {
  from: 'client' | 'server';
  /** Stream offset of the first payload byte (ignored for SYN). */
  at?: number;
  data?: string | Uint8Array;
  flags?: Partial<TcpFlags>;
  /** Acknowledged offset of the peer's stream. */
  ackAt?: number;
}

/** A pcapng file (Ethernet) of a scripted conversation, one packet per step, 1 ms apart. */
export function scriptedPcapng(segs: Seg[], opts: { isn?: { client: number; server: number }; keyLog?: string } = {}): Uint8Array {
  const isn = opts.isn ?? { client: 1000, server: 9000 };
  const w = new PcapngBuilder();
  const id = w.addInterface(1);
  if (opts.keyLog) w.addKeyLog(opts.keyLog);
  segs.forEach((s, i) => {
    const [src, dst] = s.from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
    const peer = s.from === 'client' ? 'server' : 'client';
    const flags = s.flags ?? { ack: true };
    const seq = flags.syn ? isn[s.from] : isn[s.from] + 1 + (s.at ?? 0);
    const ack = isn[peer] + 1 + (s.ackAt ?? 0);
    const payload = typeof s.data === 'string' ? Buffer.from(s.data) : s.data;
    w.addPacket(id, BigInt(1_700_000_000_000_000 + i * 1000), ethernetFrame(tcpIp(src, dst, seq >>> 0, ack >>> 0, flags, payload)));
  });
  return w.bytes();
}

/** The three-way handshake as Seg steps. */
export const HANDSHAKE: Seg[] = [
  { from: 'client', flags: { syn: true } },
  { from: 'server', flags: { syn: true, ack: true } },
  { from: 'client', flags: { ack: true } },
];
