// Reads a capture file a chunk at a time and hands out the replay's events one by one: the whole file is never in
// memory, only one chunk, the reader's partial block and the time-order window. I/O boundary: the file.
import fs from 'node:fs/promises';
import { TlslabError } from '../errors';
import { CaptureReader, type PcapError } from '../pcap';
import { CaptureReplay, type CaptureReplayOptions, type TimedDraft } from './capture-replay';

export interface ReplaySourceOptions extends CaptureReplayOptions {
  /** Bytes read at a time (default 1 MiB). */
  chunkBytes?: number;
  /** Called with each problem found in the file (a cut or corrupt block), as it is found. */
  onFileError?: (e: PcapError) => void;
  /** Called after each chunk of the file has gone through the replay (for progress, or a test's memory figures). */
  onChunk?: (p: SourceProgress) => void;
}

export interface SourceProgress {
  file: string;
  /** Size of the file when it was opened, and bytes read so far. */
  size: number;
  read: number;
  format: 'pcap' | 'pcapng' | null;
  done: boolean;
  /** Problems in the file, each with its byte offset; what came before each one was replayed. */
  errors: PcapError[];
  /** Most bytes the reader held at once waiting for the rest of a block. */
  maxBuffered: number;
}

function reason(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

export class ReplaySource {
  readonly replay: CaptureReplay;
  private readonly reader = new CaptureReader({ copy: true });
  /** Events produced and not yet taken; taken slots are emptied at once, so nothing played stays alive here. */
  private queue: (TimedDraft | undefined)[] = [];
  private head = 0;
  private read = 0;
  private eof = false;
  private reported = 0;
  private maxBuffered = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: fs.FileHandle,
    private readonly size: number,
    private readonly opts: ReplaySourceOptions,
  ) {
    this.replay = new CaptureReplay(opts);
  }

  /**
   * Opens `path` and reads its first chunk: a file that cannot be read, or that is not pcap or pcapng, is a
   * TlslabError (TLSLAB_ERR_CAPTURE_FILE) here, before anything is served.
   */
  static async open(path: string, opts: ReplaySourceOptions = {}): Promise<ReplaySource> {
    let handle: fs.FileHandle;
    let size: number;
    try {
      handle = await fs.open(path, 'r');
      size = (await handle.stat()).size;
    } catch (err) {
      throw new TlslabError('TLSLAB_ERR_CAPTURE_FILE', `cannot read capture file ${path}: ${reason(err)}`);
    }
    const source = new ReplaySource(path, handle, size, opts);
    try {
      // Until the header is read: a file that is not a capture fails here, not halfway through a class.
      while (source.reader.format === null && !source.eof) await source.fill();
    } catch (err) {
      await handle.close();
      throw err;
    }
    return source;
  }

  progress(): SourceProgress {
    return {
      file: this.path,
      size: this.size,
      read: this.read,
      format: this.reader.format,
      done: this.eof && this.head >= this.queue.length,
      errors: [...this.reader.errors],
      maxBuffered: this.maxBuffered,
    };
  }

  /** The next event, or null at the end of the file. */
  async next(): Promise<TimedDraft | null> {
    while (this.head >= this.queue.length) {
      if (this.eof) return null;
      await this.fill();
    }
    const d = this.queue[this.head] as TimedDraft;
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return d;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  /** Reads one chunk (or ends the file) and queues what it produced. */
  private async fill(): Promise<void> {
    if (this.eof) return;
    const size = this.opts.chunkBytes ?? 1024 * 1024;
    const buf = Buffer.allocUnsafe(size);
    let n: number;
    try {
      ({ bytesRead: n } = await this.handle.read(buf, 0, size, this.read));
    } catch (err) {
      throw new TlslabError('TLSLAB_ERR_CAPTURE_FILE', `cannot read capture file ${this.path} at byte ${this.read}: ${reason(err)}`);
    }
    this.read += n;
    const items = n > 0 ? this.reader.push(buf.subarray(0, n)) : this.reader.end();
    this.maxBuffered = Math.max(this.maxBuffered, this.reader.buffered);
    if (this.reader.fatal) {
      throw new TlslabError('TLSLAB_ERR_CAPTURE_FILE', `${this.path} is not a readable capture: ${this.reader.fatal.message}`);
    }
    this.replay.push(items);
    if (n === 0 || this.reader.done) {
      if (n > 0) this.reader.end();
      this.eof = true;
      this.replay.finish();
      await this.close();
    }
    for (; this.reported < this.reader.errors.length; this.reported++) this.opts.onFileError?.(this.reader.errors[this.reported]);
    for (const d of this.replay.take()) this.queue.push(d);
    this.opts.onChunk?.(this.progress());
  }
}
