// A file written as it happens, for `--record`: blocks are buffered a moment and flushed every quarter second, key
// logs ahead of the packets they decrypt; bounded memory. I/O boundary: the file (created 0600, truncated).
import fs from 'node:fs';
import { TlslabError } from '../errors';
import type { BlockKind } from './record-format';

export interface RecordingFileOptions {
  /** How often pending blocks are written (default 250 ms). */
  flushMs?: number;
  /**
   * How long a packet waits before it is written (default 250 ms): a TLS stack logs a secret just after it has
   * read the bytes it decrypts, and Wireshark (one pass, as tshark reads) needs the Decryption Secrets Block first.
   * A crash loses at most `flushMs + holdMs`.
   */
  holdMs?: number;
  /** Bytes waiting (in memory and in the write queue) beyond which new packets are dropped, and counted (default 64 MiB). */
  maxBacklog?: number;
  /** Milliseconds since the epoch (default: the monotonic clock, epoch-aligned). */
  clock?: () => number;
}

interface Pending {
  t: number;
  bytes: Uint8Array;
}

const now = (): number => performance.timeOrigin + performance.now();

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
  private pending: Pending[] = [];
  private head = 0;
  private pendingBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly flushMs: number;
  private readonly holdMs: number;
  private readonly maxBacklog: number;
  private readonly clock: () => number;
  private closing: Promise<void> | null = null;
  /** Bytes handed to the file so far. */
  written = 0;
  /** Blocks dropped because the disk did not keep up (each is a gap in its leg's stream). */
  dropped = 0;
  /** The first write error, if any (recording stops there; the proxy goes on). */
  error: NodeJS.ErrnoException | null = null;

  constructor(path: string, opts: RecordingFileOptions = {}) {
    this.path = path;
    this.flushMs = opts.flushMs ?? 250;
    this.holdMs = opts.holdMs ?? 250;
    this.maxBacklog = opts.maxBacklog ?? 64 * 1024 * 1024;
    this.clock = opts.clock ?? now;
    const fd = openPrivateFile(path, 'w', 'the recording');
    this.stream = fs.createWriteStream('', { fd, highWaterMark: 1024 * 1024 });
    this.stream.on('error', (err: NodeJS.ErrnoException) => {
      this.error ??= err;
    });
    this.timer = setInterval(() => this.flush(false), this.flushMs);
    this.timer.unref();
  }

  /** A BlockSink (see record-format.ts): false when the block was dropped. */
  readonly sink = (bytes: Uint8Array, kind: BlockKind, t: number): boolean => {
    if (this.closing || this.error) return false;
    if (kind === 'header') {
      this.stream.write(bytes);
      this.written += bytes.length;
      return true;
    }
    if (kind === 'secrets') {
      this.secrets.push(bytes);
      return true;
    }
    if (this.pendingBytes + this.stream.writableLength > this.maxBacklog) {
      this.dropped++;
      return false;
    }
    this.pending.push({ t, bytes });
    this.pendingBytes += bytes.length;
    return true;
  };

  /** Writes the secrets, then every packet older than the hold time (all of them when `all`). */
  flush(all: boolean): void {
    if (this.error) return;
    const cutoff = all ? Infinity : this.clock() - this.holdMs;
    const out: Uint8Array[] = this.secrets.splice(0);
    const p = this.pending;
    while (this.head < p.length && p[this.head].t <= cutoff) {
      const b = p[this.head].bytes;
      out.push(b);
      this.pendingBytes -= b.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > p.length) {
      this.pending = p.slice(this.head);
      this.head = 0;
    }
    if (out.length === 0) return;
    // One writev for the lot.
    this.stream.cork();
    for (const b of out) {
      this.stream.write(b);
      this.written += b.length;
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
