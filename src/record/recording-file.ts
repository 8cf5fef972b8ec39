// A file written as it happens, for `--record`: blocks are buffered a moment and flushed every 50 ms, key logs ahead
// of the packets they decrypt; bounded memory. I/O boundary: the file (created 0600, truncated).
import fs from 'node:fs';
import { TlslabError } from '../errors';
import { joinParts, type BlockKind } from './record-format';

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

const now = (): number => performance.timeOrigin + performance.now();

/** Blocks are copied into slabs of this size (one copy of each payload, no allocation per packet). */
const SLAB = 1024 * 1024;
/** Written slabs kept for reuse: fresh memory costs page faults and garbage collection, reused memory neither. */
const POOL = 16;

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
  private readonly stream: fs.WriteStream;
  private readonly secrets: Uint8Array[] = [];
  /** Full slabs (and slices of them) waiting for their time, oldest first. */
  private pending: Pending[] = [];
  private head = 0;
  private pendingBytes = 0;
  /** The slab being filled: bytes [0, used), the time of its last block. */
  private slab: Buffer = Buffer.allocUnsafe(SLAB);
  private used = 0;
  private slabT = 0;
  private readonly free: Buffer[] = [];
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
    this.stream = fs.createWriteStream('', { fd, highWaterMark: 1024 * 1024 });
    this.stream.on('error', (err: NodeJS.ErrnoException) => {
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
      this.stream.write(bytes);
      this.written += bytes.length;
      return true;
    }
    if (kind === 'secrets') {
      this.secrets.push(joinParts(parts));
      return true;
    }
    let size = 0;
    for (const p of parts) size += p.length;
    if (this.pendingBytes + this.used + this.stream.writableLength + size > this.maxBacklog) {
      if (this.dropped++ === 0) this.onFirstDrop?.();
      return false;
    }
    if (this.used + size > this.slab.length) {
      this.closeSlab();
      if (size > this.slab.length) this.slab = Buffer.allocUnsafe(size); // a block larger than a slab: its own
    }
    for (const p of parts) {
      this.slab.set(p, this.used);
      this.used += p.length;
    }
    this.slabT = t;
    return true;
  };

  /** The slab being filled goes to the pending list as it is; a fresh one is started. */
  private closeSlab(): void {
    if (this.used === 0) return;
    this.pending.push({ t: this.slabT, bytes: this.slab.subarray(0, this.used), slab: this.slab });
    this.pendingBytes += this.used;
    this.slab = this.free.pop() ?? Buffer.allocUnsafe(SLAB);
    this.used = 0;
  }

  private release(slab: Buffer): void {
    if (slab.length === SLAB && this.free.length < POOL) this.free.push(slab);
  }

  /** Writes the secrets, then every block older than the hold time (all of them when `all`). */
  flush(all: boolean): void {
    if (this.error) return;
    const cutoff = all ? Infinity : this.clock() - this.holdMs;
    if (this.used > 0 && this.slabT <= cutoff) this.closeSlab();
    const out: Pending[] = this.secrets.splice(0).map((bytes) => ({ t: 0, bytes, slab: null }));
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
    if (out.length === 0) return;
    // One writev for the lot.
    this.stream.cork();
    for (const b of out) {
      const slab = b.slab;
      this.stream.write(b.bytes, slab ? () => this.release(slab) : undefined);
      this.written += b.bytes.length;
    }
    this.stream.uncork();
  }

  /** Writes everything and closes the file. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearInterval(this.timer);
      this.flush(true);
      this.stream.end(() => resolve());
      this.stream.once('error', () => resolve());
    });
    return this.closing;
  }
}
