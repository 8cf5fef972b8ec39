// Finds a delimiter (CRLF, CRLF CRLF) in bytes that arrive in pieces, holding what comes before it up to a limit.
// Pure, no I/O: each byte is searched once (plus a few bytes of overlap) and held bytes are never re-copied per piece.

export type Delimited =
  /** `value`: the bytes before the delimiter; `rest`: what followed it in the last piece. */
  | { kind: 'found'; value: Buffer; rest: Buffer }
  /** No delimiter yet: every byte was taken and is held. */
  | { kind: 'more' }
  /** More than `limit` bytes without a delimiter: nothing more is held. */
  | { kind: 'too-long'; held: number };

/**
 * One reader per kind of line. Held bytes live in one buffer that doubles as needed (amortized linear, never a
 * concatenation of everything per piece), and never grow past the limit given to `feed`.
 */
export class DelimitedReader {
  private buf: Buffer | null = null;
  private size = 0;

  constructor(private readonly delimiter: Buffer) {}

  /** Bytes held, waiting for the delimiter. */
  get held(): number {
    return this.size;
  }

  /** Takes `data`; `limit` bounds the bytes before the delimiter (the value), held ones included. */
  feed(data: Buffer, limit: number): Delimited {
    const d = this.delimiter;
    // A delimiter may straddle the held bytes and this piece: search the last d.length - 1 held bytes joined to
    // the first d.length - 1 new ones.
    if (this.size > 0 && d.length > 1) {
      const k = Math.min(d.length - 1, this.size);
      const window = Buffer.concat([(this.buf as Buffer).subarray(this.size - k, this.size), data.subarray(0, d.length - 1)]);
      const at = window.indexOf(d);
      if (at !== -1 && at < k) return this.found(this.size - k + at, data.subarray(at + d.length - k), limit);
    }
    const at = data.indexOf(d);
    if (at !== -1) {
      if (this.size + at > limit) return this.tooLong(this.size + at);
      const value = this.size === 0 ? data.subarray(0, at) : Buffer.concat([(this.buf as Buffer).subarray(0, this.size), data.subarray(0, at)]);
      this.reset();
      return { kind: 'found', value, rest: data.subarray(at + d.length) };
    }
    // No delimiter: the last d.length - 1 bytes may be its start, so they do not count against the limit yet.
    if (this.size + data.length > limit + d.length - 1) return this.tooLong(this.size + data.length);
    this.hold(data);
    return { kind: 'more' };
  }

  /** Forgets what is held. */
  reset(): void {
    this.buf = null;
    this.size = 0;
  }

  /** The delimiter starts `heldEnd` bytes into the held ones. */
  private found(heldEnd: number, rest: Buffer, limit: number): Delimited {
    if (heldEnd > limit) return this.tooLong(heldEnd);
    const value = (this.buf as Buffer).subarray(0, heldEnd);
    this.reset();
    return { kind: 'found', value, rest };
  }

  private tooLong(held: number): Delimited {
    this.reset();
    return { kind: 'too-long', held };
  }

  private hold(data: Buffer): void {
    if (data.length === 0) return;
    const need = this.size + data.length;
    if (!this.buf || this.buf.length < need) {
      const grown = Buffer.allocUnsafe(Math.max(need, Math.min(2 * (this.buf?.length ?? 0), 1 << 30), 256));
      if (this.buf) this.buf.copy(grown, 0, 0, this.size);
      this.buf = grown;
    }
    data.copy(this.buf, this.size);
    this.size = need;
  }
}
