// A file written as it happens, for `--record`; bounded memory. Key-log lines go to the file at once. A packet of a
// leg still in its handshake waits a moment (its key-log line may come just after it, and must be in the file first):
// such packets are encoded into large reused slabs, and a flush every 50 ms hands those older than the hold time to
// the FileAppender. A packet of a leg whose handshake is over (its keys are in the file) is encoded straight into the
// FileAppender's own buffer — no hold, no second copy — once nothing of its leg waits in the slabs; until then it goes
// into the slab after them, holding nothing back. So each leg's packets stay in order, and the file in the order things
// happened (a file cut anywhere holds what came before). A flow's consecutive data segments are joined into one
// packet, and the appender writes past the page cache where it can.
// I/O boundary: the file (created 0600, truncated).
import fs from 'node:fs';
import { TlslabError } from '../errors';
import { FileAppender } from './file-appender';
import { appendToTcpEpb, tcpEpbLength, writeTcpEpb, type TcpEpb } from '../pcap';
import { joinParts, RECORD_LITTLE_ENDIAN, type BlockKind, type SegmentSink } from './record-format';

export interface RecordingFileOptions {
  /** How often pending blocks are written (default 50 ms). */
  flushMs?: number;
  /**
   * How long a packet waits before it is written (default 50 ms): a TLS stack logs a secret just after it has read
   * the bytes it decrypts (within a turn or two of the event loop), and Wireshark (one pass, as tshark reads) needs
   * the Decryption Secrets Block first. A crash loses at most `flushMs + holdMs`; what waits is bounded by `maxBacklog`.
   */
  holdMs?: number;
  /** Bytes waiting (in memory and in the write queue) beyond which new packets are dropped, and counted (default 64 MiB). */
  maxBacklog?: number;
  /** Milliseconds since the epoch (default: the monotonic clock, epoch-aligned). */
  clock?: () => number;
  /** Called once, at the first block dropped because the disk did not keep up. */
  onFirstDrop?: () => void;
}

interface Pending {
  t: number;
  bytes: Uint8Array;
  /** The slab the bytes are in, back to the pool once written (null for a secrets block). */
  slab: Buffer | null;
}

/**
 * A leg's two flows (`flow` for what its client sends, `flow + 1` for the server's) keep one order between them: a
 * packet acknowledges what the other side sent before it, and a reader that sees them out of order takes the later
 * ones for retransmissions (and decrypts nothing in them). So what waits, waits per leg.
 */
const legOf = (flow: number): number => flow - (flow % 2);

const now = (): number => performance.timeOrigin + performance.now();

/** Blocks are copied into slabs of this size (one copy of each payload, no allocation per packet). */
const SLAB = 1024 * 1024;
/**
 * Written slabs are kept for reuse (fresh memory costs page faults, zeroing by the kernel and garbage collection;
 * reused memory none of these), as many as the backlog may hold. Every few seconds the pool gives back the slabs it
 * did not need meanwhile, down to this many.
 */
const POOL_KEEP = 4;
const POOL_TRIM_MS = 5000;
/** A flow's data segments are joined only when they came this close together (ms): the packet's time is the first one's. */
const JOIN_MS = 1;

/** Opens `path` for writing (0600; an existing file is truncated and made 0600), or throws TLSLAB_ERR_RECORD_FILE. */
export function openPrivateFile(path: string, flags: 'w' | 'a', what: string): number {
  try {
    const fd = fs.openSync(path, flags, 0o600);
    fs.fchmodSync(fd, 0o600); // the mode only applies to a file being created: an existing one is tightened too
    return fd;
  } catch (err) {
    throw new TlslabError('TLSLAB_ERR_RECORD_FILE', `cannot write ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export class RecordingFile {
  readonly path: string;
  private readonly out: FileAppender;
  /** Full slabs (and slices of them) waiting for their time, oldest first. */
  private pending: Pending[] = [];
  private head = 0;
  private pendingBytes = 0;
  /** The slab being filled: bytes [0, used), of which [from, used) are not yet pending; the time of its last block. */
  private slab: Buffer = Buffer.allocUnsafe(SLAB);
  private used = 0;
  private from = 0;
  private slabT = 0;
  /** Where the slab was at the last flush, and the time of its last block then: what the next flush may write of it. */
  private mark: { at: number; t: number } | null = null;
  private readonly free: Buffer[] = [];
  /** The fewest free slabs since the pool was last trimmed, and when it is next. */
  private minFree = 0;
  private trimAt = 0;
  /** The last block in the slab when it is a joinable data segment: its flow, offset, and the time of its first bytes. */
  private lastFlow = -1;
  private lastAt = 0;
  private lastT = 0;
  /** Bytes put in slabs so far, and how many of them were handed to the appender (a prefix: slabs go in order). */
  private heldPlaced = 0;
  private heldWritten = 0;
  /** Per leg with packets in slabs (see legOf): `heldPlaced` after its last one; it may go straight to the file once written. */
  private readonly heldFlows = new Map<number, number>();
  /** The last packet encoded in the appender's buffer, while it may still be joined (same flow, same region). */
  private directLast: { flow: number; at: number; end: number; t: number; region: number } | null = null;
  private scratch: Buffer = Buffer.alloc(0);
  private readonly timer: NodeJS.Timeout;
  private readonly flushMs: number;
  private readonly holdMs: number;
  private readonly maxBacklog: number;
  private readonly clock: () => number;
  private readonly onFirstDrop: (() => void) | undefined;
  private closing: Promise<void> | null = null;
  /** Bytes handed to the file so far. */
  written = 0;
  /** Blocks dropped because the disk did not keep up (each is a gap in its leg's stream). */
  dropped = 0;
  /** The first write error, if any (recording stops there; the proxy goes on). */
  error: NodeJS.ErrnoException | null = null;

  constructor(path: string, opts: RecordingFileOptions = {}) {
    this.path = path;
    this.flushMs = opts.flushMs ?? 50;
    this.holdMs = opts.holdMs ?? 50;
    this.maxBacklog = opts.maxBacklog ?? 64 * 1024 * 1024;
    this.clock = opts.clock ?? now;
    this.onFirstDrop = opts.onFirstDrop;
    const fd = openPrivateFile(path, 'w', 'the recording');
    this.out = new FileAppender({ fd, path }, (err) => {
      this.error ??= err;
    });
    this.timer = setInterval(() => this.flush(false), this.flushMs);
    this.timer.unref();
  }

  /** A BlockSink (see record-format.ts): false when the block was dropped. */
  readonly sink = (parts: readonly Uint8Array[], kind: BlockKind, t: number): boolean => {
    if (this.closing || this.error) return false;
    if (kind === 'header') {
      const bytes = joinParts(parts);
      this.out.write(bytes);
      this.out.sync();
      this.written += bytes.length;
      return true;
    }
    if (kind === 'secrets') {
      // Straight to the file: every packet still waiting goes after it, and a packet goes straight only when its
      // leg's handshake is over, that is after its keys.
      const bytes = joinParts(parts);
      this.out.write(bytes);
      this.written += bytes.length;
      return true;
    }
    let size = 0;
    for (const p of parts) size += p.length;
    if (!this.room(size)) return false;
    for (const p of parts) {
      this.slab.set(p, this.used);
      this.used += p.length;
    }
    this.heldPlaced += size;
    this.lastFlow = -1;
    this.slabT = t;
    return true;
  };

  /**
   * The RecordWriter's SegmentSink: the packet encoded in place — in the appender's buffer when its leg is `settled`
   * and its flow has nothing waiting, else in the slab — or appended to the flow's previous packet when that is the
   * last block there (within JOIN_MS, up to one IP packet). False when it was dropped.
   */
  readonly segment: SegmentSink = (seg: TcpEpb, t: number, flow: number, joinable: boolean, settled = false): boolean => {
    if (this.closing || this.error) return false;
    if (settled && this.nothingWaits(flow)) {
      const done = this.direct(seg, t, flow, joinable);
      if (done !== null) return done;
    }
    // Into the slab: a leg in its handshake, held back; a settled leg whose earlier packets are still there (or that
    // found no room in the appender), in order after them but holding nothing back (slabT is a held packet's time).
    if (joinable && flow === this.lastFlow && t - this.lastT <= JOIN_MS && this.backlog() + seg.payload.length <= this.maxBacklog) {
      const end = appendToTcpEpb(this.slab, this.lastAt, RECORD_LITTLE_ENDIAN, seg.payload);
      if (end !== null) {
        this.held(flow, end - this.used);
        this.used = end;
        if (!settled) this.slabT = t;
        return true;
      }
    }
    const size = tcpEpbLength(seg);
    if (!this.room(size)) return false;
    const at = this.used;
    const end = writeTcpEpb(this.slab, at, RECORD_LITTLE_ENDIAN, seg);
    if (end === null) return false;
    this.held(flow, end - at);
    this.used = end;
    this.lastFlow = joinable ? flow : -1;
    this.lastAt = at;
    this.lastT = t;
    if (!settled) this.slabT = t;
    return true;
  };

  /** `n` more bytes of `flow` went into the slab. */
  private held(flow: number, n: number): void {
    this.heldPlaced += n;
    this.heldFlows.set(legOf(flow), this.heldPlaced);
  }

  /** Whether every packet of `flow`'s leg (either direction) put in a slab has been handed to the appender. */
  private nothingWaits(flow: number): boolean {
    const end = this.heldFlows.get(legOf(flow));
    return end === undefined || end <= this.heldWritten;
  }

  /**
   * A settled flow's packet encoded straight into the appender's buffer (joined to the flow's previous packet when
   * that is the last thing there), or through a scratch buffer copied at once when it does not fit in the chunk.
   * True: written; false: dropped (the backlog is full); null: the appender cannot take it now (the slab takes it).
   */
  private direct(seg: TcpEpb, t: number, flow: number, joinable: boolean): boolean | null {
    const out = this.out;
    const last = this.directLast;
    if (joinable && last !== null && last.flow === flow && last.region === out.region && t - last.t <= JOIN_MS && this.backlog() + seg.payload.length <= this.maxBacklog) {
      const end = appendToTcpEpb(out.current, last.at, RECORD_LITTLE_ENDIAN, seg.payload);
      if (end !== null) {
        this.written += end - last.end;
        last.end = end;
        out.commit(end);
        return true;
      }
    }
    const size = tcpEpbLength(seg);
    if (this.backlog() + size > this.maxBacklog) return this.drop();
    const at = out.reserve(size);
    if (at >= 0) {
      const region = out.region;
      const end = writeTcpEpb(out.current, at, RECORD_LITTLE_ENDIAN, seg);
      if (end === null) return null;
      this.written += end - at;
      this.directLast = joinable ? { flow, at, end, t, region } : null;
      out.commit(end);
      return true;
    }
    if (out.room() < size) return null;
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafe(Math.max(size, 128 * 1024));
    if (writeTcpEpb(this.scratch, 0, RECORD_LITTLE_ENDIAN, seg) === null) return null;
    out.write(this.scratch.subarray(0, size)); // copied at once: room() said so
    this.written += size;
    this.directLast = null;
    return true;
  }

  /** A block left out because the backlog is full (counted; nothing is joined across the gap). */
  private drop(): false {
    this.lastFlow = -1;
    this.directLast = null;
    if (this.dropped++ === 0) this.onFirstDrop?.();
    return false;
  }

  /** Bytes waiting: in the slab, in the pending list, on their way to the file. */
  private backlog(): number {
    return this.pendingBytes + this.used - this.from + this.out.writableLength;
  }

  /** Room for `size` more bytes in the slab (a fresh slab if need be), or false (and counted) when the backlog is full. */
  private room(size: number): boolean {
    if (this.backlog() + size > this.maxBacklog) return this.drop();
    if (this.used + size > this.slab.length) {
      this.closeSlab();
      if (size > this.slab.length) this.slab = Buffer.allocUnsafe(size); // a block larger than a slab: its own
    }
    return true;
  }

  /** The slab being filled goes to the pending list as it is; another one is started. */
  private closeSlab(): void {
    if (this.used === 0) return;
    this.pending.push({ t: this.slabT, bytes: this.slab.subarray(this.from, this.used), slab: this.slab });
    this.pendingBytes += this.used - this.from;
    this.slab = this.takeSlab();
    this.used = 0;
    this.from = 0;
    this.mark = null;
    this.lastFlow = -1;
  }

  /**
   * What of the slab may be written now: all of it when its last block is older than `cutoff`; else what it held at
   * the last flush, when that is (so a slab that fills slowly is still written a flush or two after its blocks came).
   * Then marks where it is now; nothing is joined across the mark.
   */
  private cutSlab(cutoff: number): void {
    if (this.used > this.from && this.slabT <= cutoff) this.closeSlab();
    else if (this.mark && this.mark.t <= cutoff && this.mark.at > this.from) {
      // The slab stays in use: this part is not released (slab null); the rest goes when the slab is closed.
      this.pending.push({ t: this.mark.t, bytes: this.slab.subarray(this.from, this.mark.at), slab: null });
      this.pendingBytes += this.mark.at - this.from;
      this.from = this.mark.at;
    }
    this.mark = this.used > this.from ? { at: this.used, t: this.slabT } : null;
    this.lastFlow = -1;
  }

  /** A slab from the pool, or a new one. */
  private takeSlab(): Buffer {
    const slab = this.free.pop() ?? Buffer.allocUnsafe(SLAB);
    this.minFree = Math.min(this.minFree, this.free.length);
    return slab;
  }

  private release(slab: Buffer): void {
    if (slab.length === SLAB && this.free.length < this.maxBacklog / SLAB) this.free.push(slab);
  }

  /** Gives back the slabs the pool has not needed since the last trim (down to POOL_KEEP). */
  private trimPool(now: number): void {
    if (now < this.trimAt) return;
    const spare = Math.min(this.minFree, this.free.length - POOL_KEEP);
    if (spare > 0) this.free.splice(0, spare);
    this.minFree = this.free.length;
    this.trimAt = now + POOL_TRIM_MS;
  }

  /** Writes every block in the slabs older than the hold time (all of them when `all`), and what the appender holds. */
  flush(all: boolean): void {
    if (this.error) return;
    const now = this.clock();
    this.trimPool(now);
    const cutoff = all ? Infinity : now - this.holdMs;
    this.cutSlab(cutoff);
    const out: Pending[] = [];
    const p = this.pending;
    while (this.head < p.length && p[this.head].t <= cutoff) {
      out.push(p[this.head]);
      this.pendingBytes -= p[this.head].bytes.length;
      this.head++;
    }
    if (this.head === p.length) {
      this.pending = [];
      this.head = 0;
    }
    for (const b of out) {
      const slab = b.slab;
      this.out.write(b.bytes, slab ? () => this.release(slab) : undefined);
      this.written += b.bytes.length;
      this.heldWritten += b.bytes.length;
    }
    for (const [flow, end] of this.heldFlows) if (end <= this.heldWritten) this.heldFlows.delete(flow);
    this.out.sync();
  }

  /** Writes everything and closes the file. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearInterval(this.timer);
      this.flush(true);
      void this.out.end().then(resolve);
    });
    return this.closing;
  }
}
