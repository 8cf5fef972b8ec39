// Appends a stream of bytes to a file, bypassing the page cache (O_DIRECT) where the file system allows it. A recording
// writes two bytes per byte the proxy relays; through the page cache each of them needs a page the kernel has to find,
// and on a virtual machine whose memory the host backs only when it is touched, that costs ~2.5 ms of system time per
// MiB: more than relaying it. Written directly, the bytes go from a few reused, aligned buffers to the disk.
//
// O_DIRECT wants the buffer's address, the length and the file offset aligned to the disk's block: whole blocks go
// out directly from 1 MiB chunks of a page-aligned arena; the unaligned tail (at a flush, at the end) goes through a
// second, ordinary descriptor, and is written again directly once its block is full. Full chunks are written up to
// three at a time, in file order (their completions wait for the event loop, which a busy proxy keeps busy); a tail
// is written alone, since the next write of its chunk covers it again. Where O_DIRECT is refused (tmpfs, some network
// file systems), everything goes through the ordinary descriptor.
// I/O boundary: the file (created 0600 and truncated by the caller's open).
import fs from 'node:fs';

/** Where the appender writes: an fd opened by the caller (0600, truncated), and the path, to open it again directly. */
export interface AppenderTarget {
  fd: number;
  path: string;
}

/** The disk's block as O_DIRECT sees it: 4 KiB covers every logical block size in use. */
const BLOCK = 4096;
/** Bytes are copied into chunks of this size; a full chunk is one write. */
const CHUNK = 2 * 1024 * 1024;
/** How many chunks the arena holds (what may wait for the disk beyond this waits in the caller's buffers). */
const CHUNKS = 8;
/** Full chunks written at once, at most: libuv's pool has four threads, and name lookups need one. */
const IN_FLIGHT = 3;
/** WebAssembly memory is allocated page-aligned: one arena, never grown (growing would detach its buffers). */
const WASM_PAGE = 65536;

/** The part of the WebAssembly global used here (Node has it; TypeScript's Node types do not declare it). */
interface WasmGlobal {
  Memory: new (size: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}

interface Waiting {
  bytes: Uint8Array;
  done: (() => void) | undefined;
}

interface Op {
  fd: number;
  chunk: number;
  from: number;
  to: number;
  pos: number;
  direct: boolean;
  /** Releases the chunk when written (a full chunk's last write). */
  release: boolean;
}

/** A page-aligned arena when WebAssembly is there (as in every Node build); otherwise an ordinary buffer (then O_DIRECT is refused at its first write, and the appender goes on without it). */
function arena(size: number): Buffer {
  const wasm = (globalThis as { WebAssembly?: WasmGlobal }).WebAssembly;
  if (wasm) {
    const pages = size / WASM_PAGE;
    try {
      return Buffer.from(new wasm.Memory({ initial: pages, maximum: pages }).buffer);
    } catch {
      // No address space for one more WebAssembly memory: an ordinary buffer will do.
    }
  }
  return Buffer.allocUnsafeSlow(size);
}

export class FileAppender {
  /** Whether whole blocks still go out directly (false once O_DIRECT was refused). */
  direct: boolean;
  /** The first write error, if any (nothing is written after it). */
  error: NodeJS.ErrnoException | null = null;
  private readonly fd: number;
  private directFd: number | null;
  private readonly chunks: Buffer[];
  private readonly free: number[] = [];
  /** The chunk being filled, its fill, its offset in the file, and how much of it is written in whole blocks. */
  private cur: number;
  private fill = 0;
  private pos = 0;
  private done = 0;
  /** Full chunks waiting for their write: [chunk, from, pos of its byte 0]. */
  private readonly full: { chunk: number; from: number; pos: number }[] = [];
  /** Bytes handed over that found no room in the arena yet, in order. */
  private readonly waiting: Waiting[] = [];
  private waitingHead = 0;
  /** Writes in flight, and whether one of them is a tail's (then it is the only one). */
  private inFlight = 0;
  private tailInFlight = false;
  private tailWanted = false;
  private appended = 0;
  private onFile = 0;
  private directWrites = 0;
  private ending: (() => void) | null = null;
  private closed = false;
  /** Changes whenever bytes already in the stream may no longer be changed in place (see `region`). */
  private regionId = 0;
  private readonly onError: (err: NodeJS.ErrnoException) => void;

  constructor(target: AppenderTarget, onError: (err: NodeJS.ErrnoException) => void) {
    this.fd = target.fd;
    this.onError = onError;
    this.directFd = openDirect(target.path);
    this.direct = this.directFd !== null;
    const mem = arena(CHUNK * CHUNKS);
    this.chunks = Array.from({ length: CHUNKS }, (_, i) => mem.subarray(i * CHUNK, (i + 1) * CHUNK));
    for (let i = CHUNKS - 1; i >= 1; i--) this.free.push(i);
    this.cur = 0;
  }

  /** Bytes handed over and not yet in the file. */
  get writableLength(): number {
    return this.appended - this.onFile;
  }

  /**
   * The stream's last bytes may be changed in place (by the caller that encoded them there) while this stays the same:
   * it changes at a flush, at bytes copied in, and when the chunk being filled is full.
   */
  get region(): number {
    return this.regionId;
  }

  /** The chunk being filled, for a caller that encodes bytes in place (see `reserve`). */
  get current(): Buffer {
    return this.chunks[this.cur];
  }

  /**
   * Where `size` bytes can be encoded in place in `current` (then `commit` them), or -1: not enough room left in the
   * chunk, or bytes are waiting for room (they go first).
   */
  reserve(size: number): number {
    if (this.error || this.closed || this.waitingHead < this.waiting.length) return -1;
    if (this.fill === CHUNK && !this.nextChunk()) return -1;
    return this.fill + size <= CHUNK ? this.fill : -1;
  }

  /** The bytes encoded in place in `current` up to `end` (from where `reserve` said) are now part of the stream. */
  commit(end: number): void {
    this.appended += end - this.fill;
    this.fill = end;
    if (this.fill === CHUNK) this.nextChunk();
    this.kick();
  }

  /** How many bytes `write` would copy at once now (without keeping a reference to them). */
  room(): number {
    if (this.error || this.closed || this.waitingHead < this.waiting.length) return 0;
    return CHUNK - this.fill + this.free.length * CHUNK;
  }

  /** Appends `bytes`; `done` is called once they are copied (the caller may reuse them then). */
  write(bytes: Uint8Array, done?: () => void): void {
    if (this.error) {
      done?.();
      return;
    }
    this.regionId++;
    this.appended += bytes.length;
    if (this.waitingHead < this.waiting.length) {
      this.waiting.push({ bytes, done });
      return;
    }
    const copied = this.copy(bytes, 0);
    if (copied < bytes.length) this.waiting.push({ bytes: bytes.subarray(copied), done });
    else done?.();
    this.kick();
  }

  /** Writes out what was handed over so far, the unaligned tail included (a flush). */
  sync(): void {
    this.regionId++;
    this.tailWanted = true;
    this.kick();
  }

  /** Writes everything and closes both descriptors. */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ending = resolve;
      this.sync();
    });
  }

  /** Copies bytes[from…] into the arena as far as it has room; returns where it stopped. */
  private copy(bytes: Uint8Array, from: number): number {
    let at = from;
    while (at < bytes.length) {
      if (this.fill === CHUNK && !this.nextChunk()) break;
      const n = Math.min(bytes.length - at, CHUNK - this.fill);
      this.chunks[this.cur].set(at === 0 && n === bytes.length ? bytes : bytes.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
    }
    if (this.fill === CHUNK) this.nextChunk();
    return at;
  }

  /** Queues the full chunk and starts the next one; false when the arena has no free chunk. */
  private nextChunk(): boolean {
    const next = this.free.pop();
    if (next === undefined) return false;
    this.regionId++;
    this.full.push({ chunk: this.cur, from: this.done, pos: this.pos });
    this.cur = next;
    this.pos += CHUNK;
    this.fill = 0;
    this.done = 0;
    return true;
  }

  /** Copies waiting bytes into chunks freed since (a full chunk that found none free is queued first). */
  private drainWaiting(): void {
    if (this.fill === CHUNK) this.nextChunk();
    while (this.waitingHead < this.waiting.length) {
      const w = this.waiting[this.waitingHead];
      const at = this.copy(w.bytes, 0);
      if (at < w.bytes.length) {
        w.bytes = w.bytes.subarray(at);
        return;
      }
      w.done?.();
      this.waitingHead++;
    }
    this.waiting.length = 0;
    this.waitingHead = 0;
  }

  /** Starts what may be written now: full chunks, up to IN_FLIGHT at once; a tail (when asked) alone; closes at the end. */
  private kick(): void {
    if (this.closed) return;
    if (this.error) {
      if (this.ending && this.inFlight === 0) this.close();
      return;
    }
    if (this.tailInFlight) return;
    while (this.inFlight < IN_FLIGHT && this.full.length > 0) {
      const f = this.full.shift() as { chunk: number; from: number; pos: number };
      if (f.from === CHUNK) {
        // Written whole by a tail's write already: free at once.
        this.free.push(f.chunk);
        this.drainWaiting();
        continue;
      }
      this.start({ fd: this.fd, chunk: f.chunk, from: f.from, to: CHUNK, pos: f.pos, direct: true, release: true });
    }
    if (this.inFlight > 0 || this.full.length > 0) return;
    const tail = this.tailOp();
    if (tail) this.start(tail);
    else if (this.ending && this.waitingHead === this.waiting.length) this.close();
  }

  /** The next write of the chunk being filled, when a flush asked for it: its whole blocks directly, then the rest. */
  private tailOp(): Op | null {
    if (!this.tailWanted && !this.ending) return null;
    if (this.fill === CHUNK && this.done === CHUNK) return null; // written whole already; queued once a chunk is free
    const whole = this.fill - (this.fill % BLOCK);
    if (whole > this.done) {
      const op: Op = { fd: this.fd, chunk: this.cur, from: this.done, to: whole, pos: this.pos, direct: true, release: false };
      this.done = whole;
      return op;
    }
    this.tailWanted = false;
    if (this.fill > this.done && this.pos + this.fill > this.onFile) {
      return { fd: this.fd, chunk: this.cur, from: this.done, to: this.fill, pos: this.pos, direct: false, release: false };
    }
    return null;
  }

  private start(op: Op): void {
    const length = op.to - op.from;
    this.inFlight++;
    if (!op.release) this.tailInFlight = true;
    const direct = op.direct && this.directFd !== null;
    const fd = direct ? (this.directFd as number) : op.fd;
    fs.write(fd, this.chunks[op.chunk], op.from, length, op.pos + op.from, (err, n) => {
      this.inFlight--;
      if (!op.release) this.tailInFlight = false;
      if (err && direct && err.code === 'EINVAL' && this.directWrites === 0) {
        // The file system (or the arena's alignment) refuses O_DIRECT: go on without it, from this very write.
        this.stopDirect();
        this.start(op);
        return;
      }
      if (!err && n !== length) err = Object.assign(new Error(`short write: ${n} of ${length} bytes`), { code: 'EIO' });
      if (err) {
        this.fail(err);
        return;
      }
      if (direct) this.directWrites++;
      this.finished(op);
    });
  }

  /** After a write: the file holds the stream up to its end; a full chunk is free again; the next write starts. */
  private finished(op: Op): void {
    this.onFile = Math.max(this.onFile, op.pos + op.to);
    if (op.release) {
      this.free.push(op.chunk);
      this.drainWaiting();
    }
    this.kick();
  }

  /** Goes on through the ordinary descriptor: O_DIRECT was refused. */
  private stopDirect(): void {
    this.closeDirect();
    this.direct = false;
  }

  private closeDirect(): void {
    if (this.directFd !== null) fs.close(this.directFd, () => undefined);
    this.directFd = null;
  }

  /** The first error stops the appender (writes already in flight may report more: only the first is passed on). */
  private fail(err: NodeJS.ErrnoException): void {
    if (this.error) {
      this.kick();
      return;
    }
    this.error = err;
    for (let i = this.waitingHead; i < this.waiting.length; i++) this.waiting[i].done?.();
    this.waiting.length = 0;
    this.waitingHead = 0;
    this.onError(err);
    this.kick();
  }

  private close(): void {
    this.closed = true;
    const resolve = this.ending;
    this.ending = null;
    this.closeDirect();
    fs.close(this.fd, () => resolve?.());
  }
}

/** The same file opened again for direct writes, or null where the file system refuses O_DIRECT. */
function openDirect(path: string): number | null {
  const flag = fs.constants.O_DIRECT;
  if (!flag) return null;
  try {
    return fs.openSync(path, fs.constants.O_WRONLY | flag);
  } catch {
    return null;
  }
}
