// Synthesized packets for the pcapng writer and for tests: Ethernet, IPv4 / IPv6 and TCP headers with checksums.
// Pure byte building; addresses must be literal IPv4 or IPv6 text.
import { ipv4Bytes, ipv6Bytes } from '../ip-text';
import type { Endpoint, TcpFlags } from './types';

export interface TcpPacketSpec {
  src: Endpoint;
  dst: Endpoint;
  seq: number;
  ack: number;
  flags: Partial<TcpFlags>;
  payload?: Uint8Array;
  window?: number;
}

/** IPv4 dotted quad or IPv6 text → bytes; null if it is neither. */
export function addressBytes(text: string): Uint8Array | null {
  return text.includes(':') ? ipv6Bytes(text) : ipv4Bytes(text);
}

/** RFC 1071 Internet checksum over a list of byte arrays (each treated as continuing the previous). */
function checksum(parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | null = null;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd === null) odd = p[i];
      else {
        sum += (odd << 8) | p[i];
        odd = null;
      }
    }
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

function put32(b: Uint8Array, o: number, v: number): void {
  put16(b, o, (v >>> 16) & 0xffff);
  put16(b, o + 2, v & 0xffff);
}

/** An IP packet (IPv4 or IPv6, by the address form) carrying one TCP segment (RFC 9293 §3.1), checksums filled. */
export function ipTcpPacket(spec: TcpPacketSpec): Uint8Array | null {
  const src = addressBytes(spec.src.address);
  const dst = addressBytes(spec.dst.address);
  if (!src || !dst || src.length !== dst.length) return null;
  const payload = spec.payload ?? new Uint8Array(0);
  const tcp = new Uint8Array(20 + payload.length);
  put16(tcp, 0, spec.src.port);
  put16(tcp, 2, spec.dst.port);
  put32(tcp, 4, spec.seq >>> 0);
  put32(tcp, 8, spec.ack >>> 0);
  tcp[12] = 5 << 4;
  const f = spec.flags;
  tcp[13] = (f.fin ? 1 : 0) | (f.syn ? 2 : 0) | (f.rst ? 4 : 0) | (f.psh ? 8 : 0) | (f.ack ? 16 : 0);
  put16(tcp, 14, spec.window ?? 65535);
  tcp.set(payload, 20);
  const pseudo = new Uint8Array(src.length === 4 ? 12 : 40);
  if (src.length === 4) {
    pseudo.set(src, 0);
    pseudo.set(dst, 4);
    pseudo[9] = 6;
    put16(pseudo, 10, tcp.length);
  } else {
    pseudo.set(src, 0);
    pseudo.set(dst, 16);
    put32(pseudo, 32, tcp.length);
    pseudo[39] = 6;
  }
  put16(tcp, 16, checksum([pseudo, tcp]));
  if (src.length === 4) {
    if (tcp.length > 65535 - 20) return null;
    const ip = new Uint8Array(20 + tcp.length);
    ip[0] = 0x45;
    put16(ip, 2, ip.length);
    ip[6] = 0x40; // don't fragment
    ip[8] = 64;
    ip[9] = 6;
    ip.set(src, 12);
    ip.set(dst, 16);
    put16(ip, 10, checksum([ip.subarray(0, 20)]));
    ip.set(tcp, 20);
    return ip;
  }
  if (tcp.length > 65535) return null;
  const ip = new Uint8Array(40 + tcp.length);
  ip[0] = 0x60;
  put16(ip, 4, tcp.length);
  ip[6] = 6;
  ip[7] = 64;
  ip.set(src, 8);
  ip.set(dst, 24);
  ip.set(tcp, 40);
  return ip;
}

/** An Ethernet II frame (zero MAC addresses, as on Linux loopback) around an IP packet. */
export function ethernetFrame(ip: Uint8Array): Uint8Array {
  const frame = new Uint8Array(14 + ip.length);
  put16(frame, 12, (ip[0] >> 4) === 6 ? 0x86dd : 0x0800);
  frame.set(ip, 14);
  return frame;
}

/**
 * The IP and TCP headers (no payload) of a segment carrying `payloadLength` bytes, for writers that append the
 * payload themselves without copying it twice. The IPv4 header checksum is computed; the TCP checksum is left 0
 * (RFC 9293 §3.1 makes it mandatory on the wire, but a capture tool reads it only when asked: Wireshark does not
 * check it by default, and a sum over every payload byte would cost a recording more than the copy does).
 */
export function ipTcpHeader(spec: Omit<TcpPacketSpec, 'payload'>, payloadLength: number): Uint8Array | null {
  const src = addressBytes(spec.src.address);
  const dst = addressBytes(spec.dst.address);
  if (!src || !dst || src.length !== dst.length) return null;
  return ipTcpHeaderBytes(src, dst, spec, payloadLength);
}

/** The IP header's length plus TCP's (no options) for addresses of `addressLength` bytes (4: IPv4, 16: IPv6). */
export function ipTcpHeaderLength(addressLength: number): number {
  return addressLength === 4 ? 40 : 60;
}

/** The largest TCP payload one IP packet carries: IPv4's total length and IPv6's payload length are 16 bits. */
export function maxTcpPayload(addressLength: number): number {
  return addressLength === 4 ? 65535 - 40 : 65535 - 20;
}

type HeaderSpec = Omit<TcpPacketSpec, 'payload' | 'src' | 'dst'> & { src: { port: number }; dst: { port: number } };

/** ipTcpHeader with the addresses already as bytes (4 or 16 each, the same family): for a writer that reuses them. */
export function ipTcpHeaderBytes(src: Uint8Array, dst: Uint8Array, spec: HeaderSpec, payloadLength: number): Uint8Array | null {
  if (payloadLength > maxTcpPayload(src.length)) return null;
  const b = new Uint8Array(ipTcpHeaderLength(src.length));
  writeIpTcpHeader(b, 0, src, dst, spec, payloadLength);
  return b;
}

/**
 * ipTcpHeaderBytes written in place at `o` of `b` (which has room for ipTcpHeaderLength bytes there), for a writer that
 * encodes packets straight into a buffer of its own; the payload length must fit (maxTcpPayload). Returns the end.
 */
export function writeIpTcpHeader(b: Uint8Array, o: number, src: Uint8Array, dst: Uint8Array, spec: HeaderSpec, payloadLength: number): number {
  const v4 = src.length === 4;
  const ipLen = v4 ? 20 : 40;
  b.fill(0, o, o + ipLen + 20);
  if (v4) {
    b[o] = 0x45;
    b[o + 6] = 0x40; // don't fragment
    b[o + 8] = 64;
    b[o + 9] = 6;
    b.set(src, o + 12);
    b.set(dst, o + 16);
    setIpPayloadLength(b, o, 20 + payloadLength);
  } else {
    b[o] = 0x60;
    b[o + 6] = 6;
    b[o + 7] = 64;
    b.set(src, o + 8);
    b.set(dst, o + 24);
    setIpPayloadLength(b, o, 20 + payloadLength);
  }
  const t = o + ipLen;
  put16(b, t, spec.src.port);
  put16(b, t + 2, spec.dst.port);
  put32(b, t + 4, spec.seq >>> 0);
  put32(b, t + 8, spec.ack >>> 0);
  b[t + 12] = 5 << 4;
  const f = spec.flags;
  b[t + 13] = (f.fin ? 1 : 0) | (f.syn ? 2 : 0) | (f.rst ? 4 : 0) | (f.psh ? 8 : 0) | (f.ack ? 16 : 0);
  put16(b, t + 14, spec.window ?? 65535);
  return t + 20;
}

/**
 * Sets the length of what follows the IP header of the packet at `o` (`n`: the TCP header and payload): IPv4's total
 * length, with its header checksum computed again, or IPv6's payload length. For a writer that grows a segment in place.
 */
export function setIpPayloadLength(b: Uint8Array, o: number, n: number): void {
  if ((b[o] >> 4) === 6) {
    put16(b, o + 4, n);
    return;
  }
  put16(b, o + 2, 20 + n);
  put16(b, o + 10, 0);
  let sum = 0;
  for (let i = o; i < o + 20; i += 2) sum += (b[i] << 8) | b[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  put16(b, o + 10, ~sum & 0xffff);
}
