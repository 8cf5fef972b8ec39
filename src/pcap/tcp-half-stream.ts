// One direction of a TCP connection: sequence numbers → an in-order byte stream (RFC 9293 §3.4, §3.10.7.4).
// Pure state machine: segments in, data/gap/fin events out; out-of-order data buffered within a bound.

/** Where and when a segment was captured; copied onto the events it releases. */
export interface PacketStamp {
  packet: number;
  sec: number;
  nsec: number;
}

export type HalfEvent =
  /** In-order bytes at `offset` of this direction's stream (offset 0 = first byte after the SYN). */
  | (PacketStamp & { kind: 'data'; offset: number; bytes: Uint8Array })
  /** Bytes `[offset, offset+length)` never appeared in the capture: the stream jumps over them. */
  | (PacketStamp & { kind: 'gap'; offset: number; length: number; reason: GapReason })
  /** The sender's FIN, reached in sequence order at `offset`. */
  | (PacketStamp & { kind: 'fin'; offset: number })
  | (PacketStamp & { kind: 'rst'; offset: number });

/**
 * `acked`: the peer acknowledged bytes the capture never saw (the capture dropped them);
 * `buffer-full`: out-of-order data exceeded the bound, so the hole was given up;
 * `end-of-capture`: the capture ended with a hole before buffered data.
 */
export type GapReason = 'acked' | 'buffer-full' | 'end-of-capture';

export interface HalfStats {
  /** Segments carrying payload. */
  segments: number;
  /** Bytes delivered in order. */
  bytes: number;
  /** Segments that arrived ahead of a hole. */
  outOfOrder: number;
  /** Payload bytes seen again (retransmissions and overlaps), dropped. */
  duplicateBytes: number;
  /** Overlapping bytes whose content differed from what was kept (first copy wins). */
  conflictBytes: number;
  gaps: number;
  gapBytes: number;
  fin: boolean;
  rst: boolean;
}

export interface HalfStreamLimits {
  /** Out-of-order payload bytes kept per direction before a hole is given up. */
  maxBufferedBytes: number;
  /** Out-of-order segments kept per direction. */
  maxBufferedSegments: number;
}

interface Pending extends PacketStamp {
  start: number;
  bytes: Uint8Array;
}

export class TcpHalfStream {
  readonly stats: HalfStats = { segments: 0, bytes: 0, outOfOrder: 0, duplicateBytes: 0, conflictBytes: 0, gaps: 0, gapBytes: 0, fin: false, rst: false };
  /** Sequence number of stream offset `delivered` (unsigned 32-bit); null until the first SYN or payload. */
  private nextSeq: number | null = null;
  /** Next stream offset to deliver (a plain number: streams longer than 4 GiB keep counting past wrap-around). */
  private delivered = 0;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private finAt: number | null = null;
  /** One past the highest stream offset any captured segment reached. */
  private highest = 0;
  private finSent = false;
  private sawSyn = false;

  constructor(private readonly limits: HalfStreamLimits) {}

  get offset(): number {
    return this.delivered;
  }

  get buffered(): number {
    return this.pendingBytes;
  }

  /** Stream offset of sequence number `seq`: relative to the next expected one, modulo 2^32 (signed). */
  private offsetOf(seq: number): number {
    return this.delivered + (((seq - (this.nextSeq ?? seq)) | 0));
  }

  /** One segment sent in this direction. */
  segment(stamp: PacketStamp, seq: number, syn: boolean, fin: boolean, rst: boolean, payload: Uint8Array): HalfEvent[] {
    const out: HalfEvent[] = [];
    if (syn) {
      // RFC 9293 §3.4: the SYN occupies one sequence number; data (if any) follows it.
      if (!this.sawSyn && this.delivered === 0 && this.pending.length === 0) this.nextSeq = (seq + 1) >>> 0;
      this.sawSyn = true;
      seq = (seq + 1) >>> 0;
    }
    if (this.nextSeq === null) this.nextSeq = seq;
    if (rst) {
      this.stats.rst = true;
      out.push({ kind: 'rst', offset: this.offsetOf(seq), ...stamp });
      return out;
    }
    const start = this.offsetOf(seq);
    if (payload.length > 0) {
      this.stats.segments++;
      this.accept(stamp, start, payload, out);
    }
    if (fin && this.finAt === null) this.finAt = start + payload.length;
    this.checkFin(stamp, out);
    return out;
  }

  /** The peer acknowledged up to `ack`: any hole below it will never be filled by this capture. */
  acknowledged(stamp: PacketStamp, ack: number): HalfEvent[] {
    if (this.nextSeq === null || this.pending.length === 0) return [];
    const ackAt = this.offsetOf(ack);
    // A receiver cannot acknowledge bytes that were never sent: an ACK beyond everything seen is bogus.
    if (ackAt > this.highest) return [];
    const holeEnd = Math.min(ackAt, this.pending[0].start);
    const out: HalfEvent[] = [];
    if (holeEnd > this.delivered) {
      this.skipTo(stamp, holeEnd, 'acked', out);
      this.drain(stamp, out);
      this.checkFin(stamp, out);
    }
    return out;
  }

  /** End of capture: buffered data behind holes is released, each hole reported as a gap. */
  flush(stamp: PacketStamp): HalfEvent[] {
    const out: HalfEvent[] = [];
    while (this.pending.length > 0) {
      this.skipTo(stamp, this.pending[0].start, 'end-of-capture', out);
      this.drain(stamp, out);
    }
    if (this.finAt !== null && this.finAt > this.delivered) this.skipTo(stamp, this.finAt, 'end-of-capture', out);
    this.checkFin(stamp, out);
    return out;
  }

  private accept(stamp: PacketStamp, start: number, payload: Uint8Array, out: HalfEvent[]): void {
    const end = start + payload.length;
    if (end > this.highest) this.highest = end;
    if (end <= this.delivered) {
      this.stats.duplicateBytes += payload.length;
      return;
    }
    if (start <= this.delivered) {
      const skip = this.delivered - start;
      this.stats.duplicateBytes += skip;
      this.deliver(stamp, payload.subarray(skip), out);
      this.drain(stamp, out);
      return;
    }
    this.stats.outOfOrder++;
    this.insertPending({ start, bytes: payload, ...stamp });
    while (this.pendingBytes > this.limits.maxBufferedBytes || this.pending.length > this.limits.maxBufferedSegments) {
      this.skipTo(stamp, this.pending[0].start, 'buffer-full', out);
      this.drain(stamp, out);
    }
  }

  /**
   * Buffers an out-of-order segment. Buffered segments never overlap: the parts of `p` that an earlier copy
   * already covers are dropped (first copy wins) and counted, differing bytes as conflicts.
   */
  private insertPending(p: Pending): void {
    const end = p.start + p.bytes.length;
    let cursor = p.start;
    let i = 0;
    while (i < this.pending.length && this.pending[i].start + this.pending[i].bytes.length <= p.start) i++;
    const pieces: Pending[] = [];
    for (; i < this.pending.length && cursor < end; i++) {
      const q = this.pending[i];
      const qEnd = q.start + q.bytes.length;
      if (q.start >= end) break;
      if (q.start > cursor) pieces.push({ ...p, start: cursor, bytes: p.bytes.subarray(cursor - p.start, q.start - p.start) });
      const from = Math.max(cursor, q.start);
      const to = Math.min(end, qEnd);
      for (let k = from; k < to; k++) if (p.bytes[k - p.start] !== q.bytes[k - q.start]) this.stats.conflictBytes++;
      this.stats.duplicateBytes += to - from;
      cursor = Math.max(cursor, to);
    }
    if (cursor < end) pieces.push({ ...p, start: cursor, bytes: p.bytes.subarray(cursor - p.start) });
    for (const piece of pieces) {
      let j = this.pending.length;
      while (j > 0 && this.pending[j - 1].start > piece.start) j--;
      this.pending.splice(j, 0, piece);
      this.pendingBytes += piece.bytes.length;
    }
  }

  /** Releases buffered segments that now touch the delivered edge; overlaps are trimmed (first copy wins). */
  private drain(stamp: PacketStamp, out: HalfEvent[]): void {
    while (this.pending.length > 0 && this.pending[0].start <= this.delivered) {
      const p = this.pending.shift() as Pending;
      this.pendingBytes -= p.bytes.length;
      const end = p.start + p.bytes.length;
      if (end <= this.delivered) {
        this.stats.duplicateBytes += p.bytes.length;
        continue;
      }
      const skip = this.delivered - p.start;
      this.stats.duplicateBytes += skip;
      this.deliver(stamp, p.bytes.subarray(skip), out);
    }
  }

  private deliver(stamp: PacketStamp, bytes: Uint8Array, out: HalfEvent[]): void {
    if (bytes.length === 0) return;
    out.push({ kind: 'data', offset: this.delivered, bytes, ...stamp });
    this.advance(bytes.length);
    this.stats.bytes += bytes.length;
  }

  private skipTo(stamp: PacketStamp, to: number, reason: GapReason, out: HalfEvent[]): void {
    if (to <= this.delivered) return;
    const length = to - this.delivered;
    out.push({ kind: 'gap', offset: this.delivered, length, reason, ...stamp });
    this.stats.gaps++;
    this.stats.gapBytes += length;
    this.advance(length);
  }

  private advance(n: number): void {
    this.delivered += n;
    this.nextSeq = ((this.nextSeq ?? 0) + n) >>> 0;
  }

  private checkFin(stamp: PacketStamp, out: HalfEvent[]): void {
    if (this.finAt !== null && !this.finSent && this.delivered >= this.finAt) {
      this.finSent = true;
      this.stats.fin = true;
      out.push({ kind: 'fin', offset: this.finAt, ...stamp });
    }
  }
}
