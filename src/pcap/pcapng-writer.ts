// pcapng writer (draft-ietf-opsawg-pcapng): SHB, IDB, Decryption Secrets Blocks with the TLS key log, EPBs (with
// comments), Custom Blocks. Pure: returns bytes; the caller writes the file (an export, a recording, the tests).
import { ByteSink, u32 } from './bytes';
import { pcapError, type Result } from './errors';
import { ethernetFrame, ipTcpHeaderLength, ipTcpPacket, maxTcpPayload, setIpPayloadLength, writeIpTcpHeader, type TcpPacketSpec } from './packet-builder';
import { BLOCK, OPT_COMMENT, SECRETS_TLS_KEY_LOG } from './capture-reader';
import type { Endpoint } from './types';

const encoder = new TextEncoder();

/** Low-level block builder: one section, little-endian unless asked otherwise. */
export class PcapngBuilder {
  private sink = new ByteSink();
  private interfaces = 0;

  constructor(private readonly le = true, appName = 'tlslab') {
    // §4.1 SHB: byte-order magic, version 1.0, section length −1 (unknown), option shb_userappl (4).
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, le);
    v.setUint16(4, 1, le);
    v.setUint16(6, 0, le);
    v.setInt32(8, -1, le);
    v.setInt32(12, -1, le);
    this.block(BLOCK.SHB, body, [[4, encoder.encode(appName)]]);
  }

  /**
   * §4.2 IDB; `tsresol` is the if_tsresol byte (6 = microseconds, the default; 9 = nanoseconds); `name` and
   * `description` are if_name and if_description (Wireshark shows both). Returns the id.
   */
  addInterface(linkType: number, opts: { snapLen?: number; tsresol?: number; name?: string; description?: string } = {}): number {
    const body = new Uint8Array(8);
    const v = new DataView(body.buffer);
    v.setUint16(0, linkType, this.le);
    v.setUint32(4, opts.snapLen ?? 262144, this.le);
    const options: [number, Uint8Array][] = [];
    if (opts.name) options.push([2, encoder.encode(opts.name)]);
    if (opts.description) options.push([3, encoder.encode(opts.description)]);
    if (opts.tsresol !== undefined) options.push([9, Uint8Array.of(opts.tsresol)]);
    this.block(BLOCK.IDB, body, options);
    return this.interfaces++;
  }

  /** §4.7 DSB holding an NSS key log; readers (and Wireshark) apply it to the packets that follow. */
  addKeyLog(text: string): void {
    const secrets = encoder.encode(text);
    const body = new Uint8Array(8 + pad4(secrets.length));
    const v = new DataView(body.buffer);
    v.setUint32(0, SECRETS_TLS_KEY_LOG, this.le);
    v.setUint32(4, secrets.length, this.le);
    body.set(secrets, 8);
    this.block(BLOCK.DSB, body, []);
  }

  /** §4.3 EPB; `units` is the timestamp in the interface's units (microseconds by default). */
  addPacket(interfaceId: number, units: bigint, data: Uint8Array, originalLength = data.length, opts: { comment?: string } = {}): void {
    const body = new Uint8Array(20 + pad4(data.length));
    const v = new DataView(body.buffer);
    v.setUint32(0, interfaceId, this.le);
    v.setUint32(4, Number(units >> 32n), this.le);
    v.setUint32(8, Number(units & 0xffffffffn), this.le);
    v.setUint32(12, data.length, this.le);
    v.setUint32(16, originalLength, this.le);
    body.set(data, 20);
    this.block(BLOCK.EPB, body, opts.comment ? [[OPT_COMMENT, encoder.encode(opts.comment)]] : []);
  }

  /**
   * §4.8 Custom Block (the copyable kind): `pen` is the Private Enterprise Number that owns the format of `data`.
   * No options follow the data, so a reader can tell where it ends.
   */
  addCustom(pen: number, data: Uint8Array): void {
    const body = new Uint8Array(4 + pad4(data.length));
    new DataView(body.buffer).setUint32(0, pen, this.le);
    body.set(data, 4);
    this.block(BLOCK.CB, body, []);
  }

  /** The blocks built since the last call (the first call includes the section header); the builder starts empty again. */
  drain(): Uint8Array {
    const out = this.sink.concat();
    this.sink = new ByteSink();
    return out;
  }

  /** §4.4 SPB: no interface id (always 0), no timestamp. */
  addSimplePacket(data: Uint8Array): void {
    const body = new Uint8Array(4 + pad4(data.length));
    new DataView(body.buffer).setUint32(0, data.length, this.le);
    body.set(data, 4);
    this.block(BLOCK.SPB, body, []);
  }

  bytes(): Uint8Array {
    return this.sink.concat();
  }

  /** §3.1 block layout: type, total length, body, options (§3.5, ended by opt_endofopt), total length. */
  private block(type: number, body: Uint8Array, options: [number, Uint8Array][]): void {
    let optLen = 0;
    for (const [, value] of options) optLen += 4 + pad4(value.length);
    if (options.length > 0) optLen += 4;
    const total = 12 + body.length + optLen;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, total, this.le);
    b.set(body, 8);
    let o = 8 + body.length;
    for (const [code, value] of options) {
      v.setUint16(o, code, this.le);
      v.setUint16(o + 2, value.length, this.le);
      b.set(value, o + 4);
      o += 4 + pad4(value.length);
    }
    v.setUint32(total - 4, total, this.le);
    this.sink.push(b);
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One §4.7 Decryption Secrets Block of NSS key-log text, alone (for a writer that streams blocks). */
export function keyLogBlock(le: boolean, text: string): Uint8Array {
  return simpleBlock(le, BLOCK.DSB, SECRETS_TLS_KEY_LOG, encoder.encode(text));
}

/** One §4.8 Custom Block (the copyable kind), alone: `pen`, then `data` padded to 4 bytes, no options. */
export function customBlock(le: boolean, pen: number, data: Uint8Array): Uint8Array {
  return simpleBlock(le, BLOCK.CB, pen, data, false);
}

/** A block whose body is a 32-bit word, (for a DSB: the data's length,) then the data padded to 4 bytes. */
function simpleBlock(le: boolean, type: number, word: number, data: Uint8Array, withLength = true): Uint8Array {
  const head = withLength ? 16 : 12;
  const total = head + pad4(data.length) + 4;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, total, le);
  v.setUint32(8, word, le);
  if (withLength) v.setUint32(12, data.length, le);
  b.set(data, head);
  v.setUint32(total - 4, total, le);
  return b;
}

/** One TCP segment as an EPB over LINKTYPE_RAW (the packet is the IP packet), for writeTcpEpb. */
export interface TcpEpb {
  interfaceId: number;
  /** The timestamp in the interface's units (microseconds by default); a number, exact below 2^53. */
  units: number;
  /** The addresses as bytes, 4 or 16 each (the same family). */
  src: Uint8Array;
  dst: Uint8Array;
  tcp: Omit<TcpPacketSpec, 'payload' | 'src' | 'dst'> & { src: { port: number }; dst: { port: number } };
  payload: Uint8Array;
  /** opt_comment, already UTF-8. */
  comment?: Uint8Array;
}

/** The bytes writeTcpEpb takes for `p` (IP and TCP headers without options, the payload, an opt_comment if any). */
export function tcpEpbLength(p: Pick<TcpEpb, 'src' | 'payload' | 'comment'>): number {
  return 28 + pad4(ipTcpHeaderLength(p.src.length) + p.payload.length) + (p.comment ? 4 + pad4(p.comment.length) + 4 : 0) + 4;
}

/**
 * Writes `p` as one §4.3 EPB at `o` of `buf` (room for tcpEpbLength bytes there) and returns its end: the block, the
 * IP and TCP headers (TCP checksum 0, as ipTcpHeader) and the payload copied once, with no other allocation. For a
 * writer that encodes packets straight into a large buffer of its own; null when the payload is too large for one IP
 * packet (maxTcpPayload).
 */
export function writeTcpEpb(buf: Uint8Array, o: number, le: boolean, p: TcpEpb): number | null {
  if (p.payload.length > maxTcpPayload(p.src.length)) return null;
  const total = tcpEpbLength(p);
  const captured = ipTcpHeaderLength(p.src.length) + p.payload.length;
  put32(buf, o, BLOCK.EPB, le);
  put32(buf, o + 4, total, le);
  put32(buf, o + 8, p.interfaceId, le);
  put32(buf, o + 12, Math.floor(p.units / 0x100000000), le);
  put32(buf, o + 16, p.units % 0x100000000, le);
  put32(buf, o + 20, captured, le);
  put32(buf, o + 24, captured, le);
  let at = writeIpTcpHeader(buf, o + 28, p.src, p.dst, p.tcp, p.payload.length);
  buf.set(p.payload, at);
  at += p.payload.length;
  const end = o + total;
  buf.fill(0, at, end - 4); // padding, and opt_endofopt after a comment
  if (p.comment) {
    at = o + 28 + pad4(captured);
    buf[at] = le ? OPT_COMMENT & 0xff : OPT_COMMENT >> 8;
    buf[at + 1] = le ? OPT_COMMENT >> 8 : OPT_COMMENT & 0xff;
    buf[at + 2] = le ? p.comment.length & 0xff : p.comment.length >> 8;
    buf[at + 3] = le ? p.comment.length >> 8 : p.comment.length & 0xff;
    buf.set(p.comment, at + 4);
  }
  put32(buf, end - 4, total, le);
  return end;
}

/**
 * Appends `more` to the payload of the EPB writeTcpEpb wrote at `o` without a comment, the last block in `buf`:
 * the segment grows, with its lengths (the block's, the captured and original, the IP packet's and its checksum)
 * written again. Returns the block's new end, or null (nothing changed) when the segment would pass maxTcpPayload or
 * the buffer's end. The sequence number stays the first one's: `more` must be the bytes that follow in that direction.
 */
export function appendToTcpEpb(buf: Uint8Array, o: number, le: boolean, more: Uint8Array): number | null {
  const captured = u32(buf, o + 20, le);
  const headers = ipTcpHeaderLength((buf[o + 28] >> 4) === 6 ? 16 : 4);
  const payload = captured - headers + more.length;
  const grown = captured + more.length;
  const total = 28 + pad4(grown) + 4;
  if (payload > maxTcpPayload(headers === 40 ? 4 : 16) || o + total > buf.length) return null;
  buf.set(more, o + 28 + captured);
  buf.fill(0, o + 28 + grown, o + total - 4);
  put32(buf, o + 4, total, le);
  put32(buf, o + 20, grown, le);
  put32(buf, o + 24, grown, le);
  setIpPayloadLength(buf, o + 28, 20 + payload);
  put32(buf, o + total - 4, total, le);
  return o + total;
}

function put32(b: Uint8Array, o: number, v: number, le: boolean): void {
  if (le) {
    b[o] = v & 0xff;
    b[o + 1] = (v >>> 8) & 0xff;
    b[o + 2] = (v >>> 16) & 0xff;
    b[o + 3] = v >>> 24;
  } else {
    b[o] = v >>> 24;
    b[o + 1] = (v >>> 16) & 0xff;
    b[o + 2] = (v >>> 8) & 0xff;
    b[o + 3] = v & 0xff;
  }
}

/** One TCP connection to synthesize: the two byte streams, as chunks in the order they happened. */
export interface TcpStreamExport {
  client: Endpoint;
  server: Endpoint;
  chunks: { from: 'client' | 'server'; bytes: Uint8Array; /** ms since the epoch */ timeMs?: number }[];
  /** Time of the SYN, ms since the epoch (default: the first chunk's time, else just after the previous connection). */
  startMs?: number;
  /** How the connection ends in the capture (default `fin`: FIN from the client, FIN from the server). */
  close?: 'fin' | 'rst' | 'none';
  /** Initial sequence numbers (default 1000 and 5000). */
  isn?: { client: number; server: number };
}

export interface PcapngWriteOptions {
  connections: TcpStreamExport[];
  /** NSS key log text, written in a Decryption Secrets Block ahead of every packet. */
  keyLog?: string;
  /** Largest TCP payload per packet (default 16384). */
  mss?: number;
  /** Write a big-endian section (default little-endian). */
  bigEndian?: boolean;
}

/**
 * A pcapng file holding the given TCP connections (Ethernet frames, IPv4 or IPv6 by address form, checksums
 * computed): three-way handshake, the data in order, then FIN/FIN (or RST). One connection's packets follow
 * another's. Fails only on an address that is not literal IPv4/IPv6 or mixes the two.
 */
export function writeTcpPcapng(opts: PcapngWriteOptions): Result<Uint8Array> {
  const w = new PcapngBuilder(!opts.bigEndian);
  const ifId = w.addInterface(1, { name: 'tlslab' });
  if (opts.keyLog) w.addKeyLog(opts.keyLog);
  const mss = Math.max(1, Math.min(opts.mss ?? 16384, 65000));
  let lastUs = -1n;
  for (const conn of opts.connections) {
    const seq = { client: (conn.isn?.client ?? 1000) >>> 0, server: (conn.isn?.server ?? 5000) >>> 0 };
    const startMs = conn.startMs ?? conn.chunks[0]?.timeMs;
    if (startMs !== undefined) lastUs = BigInt(Math.round(startMs * 1000)) - 1n;
    const ends = { client: conn.client, server: conn.server };
    const emit = (from: 'client' | 'server', flags: { syn?: boolean; ack?: boolean; fin?: boolean; rst?: boolean; psh?: boolean }, payload: Uint8Array, timeMs?: number): boolean => {
      const to = from === 'client' ? 'server' : 'client';
      const ip = ipTcpPacket({ src: ends[from], dst: ends[to], seq: seq[from], ack: seq[to], flags, payload });
      if (!ip) return false;
      const us = timeMs === undefined ? lastUs + 1n : BigInt(Math.round(timeMs * 1000));
      lastUs = us > lastUs ? us : lastUs + 1n;
      w.addPacket(ifId, lastUs, ethernetFrame(ip));
      seq[from] = (seq[from] + payload.length + (flags.syn || flags.fin ? 1 : 0)) >>> 0;
      return true;
    };
    const none = new Uint8Array(0);
    let ok = emit('client', { syn: true }, none, conn.startMs);
    ok = ok && emit('server', { syn: true, ack: true }, none);
    ok = ok && emit('client', { ack: true }, none);
    for (const chunk of conn.chunks) {
      for (let i = 0; ok && i < chunk.bytes.length; i += mss) {
        ok = emit(chunk.from, { ack: true, psh: true }, chunk.bytes.subarray(i, i + mss), i === 0 ? chunk.timeMs : undefined);
      }
    }
    const close = conn.close ?? 'fin';
    if (close === 'fin') {
      ok = ok && emit('client', { fin: true, ack: true }, none);
      ok = ok && emit('server', { fin: true, ack: true }, none);
      ok = ok && emit('client', { ack: true }, none);
    } else if (close === 'rst') {
      ok = ok && emit('client', { rst: true, ack: true }, none);
    }
    if (!ok) {
      return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_WRITE', 0, `cannot build packets between ${conn.client.address} and ${conn.server.address}`) };
    }
  }
  return { ok: true, value: w.bytes() };
}
