// TCP connections out of segments: 4-tuple tracking, who is the client, and one TcpHalfStream per direction.
// Pure state machine (no sockets, no files): segments in, per-connection stream events out, in capture order.
import { TcpHalfStream, type HalfEvent, type HalfStats, type HalfStreamLimits, type PacketStamp } from './tcp-half-stream';
import { endpointText, type Endpoint, type TcpSegment } from './types';

export type Direction = 'client' | 'server';

/** A half-stream event, tagged with the connection and the direction it belongs to. */
export type StreamEvent = HalfEvent & { conn: number; from: Direction };

export interface TcpConnection {
  /** 0-based, in order of first packet. */
  index: number;
  client: Endpoint;
  server: Endpoint;
  /** How `client` was decided: the SYN, the SYN+ACK, or who sent the first payload. */
  decidedBy: 'syn' | 'syn-ack' | 'first-payload' | 'first-packet';
  firstPacket: number;
  packets: number;
  stats: Record<Direction, HalfStats>;
}

export interface ReassemblyOptions {
  /** Out-of-order bytes kept per direction before a hole is given up as a gap (default 16 MiB). */
  maxBufferedBytes?: number;
  /** Out-of-order segments kept per direction (default 8192). */
  maxBufferedSegments?: number;
}

interface ConnState {
  info: TcpConnection;
  /** Endpoint text of the side currently taken as client. */
  clientKey: string;
  decided: boolean;
  half: Record<Direction, TcpHalfStream>;
  closed: boolean;
  lastStamp: PacketStamp;
}

export class TcpReassembler {
  private readonly conns = new Map<string, ConnState>();
  private readonly all: ConnState[] = [];
  private readonly limits: HalfStreamLimits;

  constructor(opts: ReassemblyOptions = {}) {
    this.limits = {
      maxBufferedBytes: opts.maxBufferedBytes ?? 16 * 1024 * 1024,
      maxBufferedSegments: opts.maxBufferedSegments ?? 8192,
    };
  }

  get connections(): readonly TcpConnection[] {
    return this.all.map((c) => c.info);
  }

  /** Connections seen so far (the next new one gets this index). */
  get count(): number {
    return this.all.length;
  }

  /** One connection's description, by index. */
  connection(index: number): TcpConnection | undefined {
    return this.all[index]?.info;
  }

  /** One captured TCP segment; returns what it released, in stream order. */
  push(stamp: PacketStamp, seg: TcpSegment): StreamEvent[] {
    const srcKey = endpointText(seg.src);
    const dstKey = endpointText(seg.dst);
    const key = srcKey < dstKey ? `${srcKey}|${dstKey}` : `${dstKey}|${srcKey}`;
    let c = this.conns.get(key);
    // A fresh SYN on a finished 4-tuple is a new connection (port reuse).
    if (c && c.closed && seg.flags.syn && !seg.flags.ack) c = undefined;
    if (!c) {
      c = this.open(key, stamp, seg, srcKey);
    }
    c.info.packets++;
    c.lastStamp = stamp;
    this.decide(c, seg, srcKey);
    const from: Direction = srcKey === c.clientKey ? 'client' : 'server';
    const to: Direction = from === 'client' ? 'server' : 'client';
    const out: HalfEvent[] = [];
    const tagged: StreamEvent[] = [];
    const tag = (d: Direction, evs: HalfEvent[]) => {
      for (const e of evs) tagged.push({ ...e, conn: c.info.index, from: d });
    };
    // The ACK first: it may tell us that a hole in the other direction will never be filled.
    if (seg.flags.ack && !seg.flags.rst) tag(to, c.half[to].acknowledged(stamp, seg.ack));
    out.push(...c.half[from].segment(stamp, seg.seq, seg.flags.syn, seg.flags.fin, seg.flags.rst, seg.payload));
    tag(from, out);
    const s = c.info.stats;
    if (s.client.rst || s.server.rst || (s.client.fin && s.server.fin)) c.closed = true;
    return tagged;
  }

  /** End of capture: releases buffered data in every connection, reporting holes as gaps. */
  finish(): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const c of this.all) {
      for (const d of ['client', 'server'] as const) {
        for (const e of c.half[d].flush(c.lastStamp)) out.push({ ...e, conn: c.info.index, from: d });
      }
    }
    return out;
  }

  private open(key: string, stamp: PacketStamp, seg: TcpSegment, srcKey: string): ConnState {
    const half = { client: new TcpHalfStream(this.limits), server: new TcpHalfStream(this.limits) };
    const c: ConnState = {
      info: {
        index: this.all.length,
        client: seg.src,
        server: seg.dst,
        decidedBy: 'first-packet',
        firstPacket: stamp.packet,
        packets: 0,
        stats: { client: half.client.stats, server: half.server.stats },
      },
      clientKey: srcKey,
      decided: false,
      half,
      closed: false,
      lastStamp: stamp,
    };
    this.conns.set(key, c);
    this.all.push(c);
    return c;
  }

  /** SYN → its sender is the client; SYN+ACK → its sender is the server; else the first payload's sender. */
  private decide(c: ConnState, seg: TcpSegment, srcKey: string): void {
    if (c.decided) return;
    let clientIsSrc: boolean | null = null;
    let by: TcpConnection['decidedBy'] = 'first-payload';
    if (seg.flags.syn) {
      clientIsSrc = !seg.flags.ack;
      by = seg.flags.ack ? 'syn-ack' : 'syn';
    } else if (seg.payload.length > 0) {
      clientIsSrc = true;
    }
    if (clientIsSrc === null) return;
    c.decided = true;
    c.info.decidedBy = by;
    const clientIsCurrent = srcKey === c.clientKey;
    if (clientIsSrc !== clientIsCurrent) {
      // Swap roles; nothing was delivered yet (only pure ACKs were seen), so the half-streams just swap too.
      [c.info.client, c.info.server] = [c.info.server, c.info.client];
      c.clientKey = endpointText(c.info.client);
      [c.half.client, c.half.server] = [c.half.server, c.half.client];
      c.info.stats = { client: c.half.client.stats, server: c.half.server.stats };
    }
  }
}
