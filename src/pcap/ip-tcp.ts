// Network and transport headers: IPv4 (RFC 791), IPv6 (RFC 8200, extension headers skipped), TCP (RFC 9293 §3.1).
// Pure: one captured packet in, one TCP segment (a view of its payload) or a reason to skip it out.
import { u16be, u32be } from './bytes';
import { ipv4Text, ipv6Text } from '../ip-text';
import { parseLinkLayer } from './link-layer';
import type { TcpSegment } from './types';

export type SkipReason = 'link-type' | 'not-ip' | 'not-tcp' | 'ip-fragment' | 'truncated';

export type PacketResult = { ok: true; segment: TcpSegment } | { ok: false; reason: SkipReason };

const TCP = 6;
/** RFC 8200 §4 extension headers with the generic (next header, length in 8-octet units − 1) layout. */
const IPV6_GENERIC_EXT = new Set([0 /* hop-by-hop */, 43 /* routing */, 60 /* destination */, 135 /* mobility */, 139 /* HIP */, 140 /* shim6 */]);
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51; // RFC 4302: length in 4-octet units − 2

interface IpPayload {
  version: 4 | 6;
  src: string;
  dst: string;
  protocol: number;
  start: number;
  end: number;
}

/** Decodes link layer, IP and TCP of one packet. */
export function decodeTcpPacket(linkType: number, b: Uint8Array): PacketResult {
  const link = parseLinkLayer(linkType, b);
  if (!link.ok) return link;
  const at = link.offset;
  if (b.length < at + 1) return { ok: false, reason: 'truncated' };
  const nibble = b[at] >> 4;
  const version = link.network === 'ipv4' ? 4 : link.network === 'ipv6' ? 6 : nibble;
  if (version !== nibble) return { ok: false, reason: 'not-ip' };
  const ip = version === 4 ? ipv4(b, at) : version === 6 ? ipv6(b, at) : { ok: false as const, reason: 'not-ip' as const };
  if (!('version' in ip)) return ip;
  if (ip.protocol !== TCP) return { ok: false, reason: 'not-tcp' };
  return tcp(b, ip);
}

/** RFC 791 §3.1. Trailing link padding is cut by the total length. Fragments are skipped (not reassembled). */
function ipv4(b: Uint8Array, at: number): IpPayload | { ok: false; reason: SkipReason } {
  if (b.length < at + 20) return { ok: false, reason: 'truncated' };
  const ihl = (b[at] & 0x0f) * 4;
  const total = u16be(b, at + 2);
  if (ihl < 20 || total < ihl) return { ok: false, reason: 'truncated' };
  const flagsFrag = u16be(b, at + 6);
  if ((flagsFrag & 0x2000) !== 0 || (flagsFrag & 0x1fff) !== 0) return { ok: false, reason: 'ip-fragment' };
  // TSO/offload captures write total length 0: then the captured length decides.
  const end = total === 0 ? b.length : Math.min(b.length, at + total);
  return { version: 4, src: ipv4Text(b, at + 12), dst: ipv4Text(b, at + 16), protocol: b[at + 9], start: at + ihl, end };
}

/** RFC 8200 §3 fixed header, then §4 extension headers until an upper-layer protocol. */
function ipv6(b: Uint8Array, at: number): IpPayload | { ok: false; reason: SkipReason } {
  if (b.length < at + 40) return { ok: false, reason: 'truncated' };
  const payloadLen = u16be(b, at + 4);
  const end = payloadLen === 0 ? b.length : Math.min(b.length, at + 40 + payloadLen);
  let next = b[at + 6];
  let o = at + 40;
  for (let hops = 0; hops < 16; hops++) {
    if (IPV6_GENERIC_EXT.has(next)) {
      if (o + 2 > end) return { ok: false, reason: 'truncated' };
      const nh = b[o];
      o += (b[o + 1] + 1) * 8;
      next = nh;
    } else if (next === IPV6_AH) {
      if (o + 2 > end) return { ok: false, reason: 'truncated' };
      const nh = b[o];
      o += (b[o + 1] + 2) * 4;
      next = nh;
    } else if (next === IPV6_FRAGMENT) {
      if (o + 8 > end) return { ok: false, reason: 'truncated' };
      const offM = u16be(b, o + 2);
      if ((offM & 0xfff9) !== 0) return { ok: false, reason: 'ip-fragment' };
      next = b[o];
      o += 8; // an atomic fragment (offset 0, M clear) is a whole packet
    } else {
      break;
    }
  }
  if (o > end) return { ok: false, reason: 'truncated' };
  return { version: 6, src: ipv6Text(b, at + 8), dst: ipv6Text(b, at + 24), protocol: next, start: o, end };
}

/** RFC 9293 §3.1 header format. */
function tcp(b: Uint8Array, ip: IpPayload): PacketResult {
  const o = ip.start;
  if (ip.end < o + 20) return { ok: false, reason: 'truncated' };
  const dataOffset = (b[o + 12] >> 4) * 4;
  if (dataOffset < 20 || o + dataOffset > ip.end) return { ok: false, reason: 'truncated' };
  const flags = b[o + 13];
  return {
    ok: true,
    segment: {
      src: { address: ip.src, port: u16be(b, o) },
      dst: { address: ip.dst, port: u16be(b, o + 2) },
      ipVersion: ip.version,
      seq: u32be(b, o + 4),
      ack: u32be(b, o + 8),
      flags: { fin: (flags & 0x01) !== 0, syn: (flags & 0x02) !== 0, rst: (flags & 0x04) !== 0, psh: (flags & 0x08) !== 0, ack: (flags & 0x10) !== 0 },
      window: u16be(b, o + 14),
      payload: b.subarray(o + dataOffset, ip.end),
    },
  };
}
