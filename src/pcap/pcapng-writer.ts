// pcapng writer (draft-ietf-opsawg-pcapng): SHB, IDB, Decryption Secrets Blocks with the TLS key log, EPBs (with
// comments), Custom Blocks. Pure: returns bytes; the caller writes the file (an export, a recording, the tests).
import { ByteSink } from './bytes';
import { pcapError, type Result } from './errors';
import { ethernetFrame, ipTcpPacket } from './packet-builder';
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

/**
 * One EPB in pieces, for a writer that copies the packet bytes into its own buffer once: `head` (block header and the
 * EPB fields), then the caller's `capturedLength` bytes, then `tail` (padding, an opt_comment if any, the trailer).
 */
export function epbFrame(le: boolean, interfaceId: number, units: bigint | number, capturedLength: number, comment?: string): { head: Uint8Array; tail: Uint8Array } {
  const c = comment ? encoder.encode(comment) : null;
  const optLen = c ? 4 + pad4(c.length) + 4 : 0;
  const padding = pad4(capturedLength) - capturedLength;
  const total = 28 + capturedLength + padding + optLen + 4;
  const head = new Uint8Array(28);
  const hv = new DataView(head.buffer);
  hv.setUint32(0, BLOCK.EPB, le);
  hv.setUint32(4, total, le);
  hv.setUint32(8, interfaceId, le);
  // The 64-bit timestamp as two 32-bit halves; a number (exact below 2^53) spares a BigInt per packet.
  hv.setUint32(12, typeof units === 'bigint' ? Number(units >> 32n) : Math.floor(units / 0x100000000), le);
  hv.setUint32(16, typeof units === 'bigint' ? Number(units & 0xffffffffn) : units % 0x100000000, le);
  hv.setUint32(20, capturedLength, le);
  hv.setUint32(24, capturedLength, le);
  const tail = new Uint8Array(padding + optLen + 4);
  const tv = new DataView(tail.buffer);
  if (c) {
    tv.setUint16(padding, OPT_COMMENT, le);
    tv.setUint16(padding + 2, c.length, le);
    tail.set(c, padding + 4);
    // opt_endofopt (code 0, length 0) is the 4 zero bytes already there.
  }
  tv.setUint32(tail.length - 4, total, le);
  return { head, tail };
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
