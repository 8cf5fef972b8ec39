// Byte helpers for the decoder: a FIFO byte queue (the model is ws's lib/receiver.js `consume`) and hex.
// Pure, no I/O: bytes come in through `push` and leave through `consume`.

export function toHex(b: Uint8Array, max = Infinity): string {
  const view = b.length > max ? b.subarray(0, max) : b;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('hex');
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h.replace(/[^0-9a-fA-F]/g, ''), 'hex'));
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A queue of chunks; `consume(n)` copies only when the n bytes span chunks. */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // read position inside chunks[0]
  private total = 0;

  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Byte at position i from the front (i < length). */
  at(i: number): number {
    let k = this.head + i;
    const chunks = this.chunks;
    for (let j = 0; j < chunks.length; j++) {
      const c = chunks[j];
      if (k < c.length) return c[k];
      k -= c.length;
    }
    return -1;
  }

  consume(n: number): Uint8Array {
    if (n > this.total) throw new RangeError('ByteQueue.consume past the end'); // internal invariant
    this.total -= n;
    const first = this.chunks[0];
    if (n === 0) return new Uint8Array(0);
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      return out;
    }
    const out = uninitialised(n); // every byte is written just below
    let o = 0;
    while (o < n) {
      const c = this.chunks[0];
      const take = Math.min(c.length - this.head, n - o);
      out.set(c.subarray(this.head, this.head + take), o);
      o += take;
      this.head += take;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    return out;
  }

  /**
   * Bytes [from, from + n) from the front (from + n <= length): a view when they lie in one chunk, else copied into
   * `scratch` (n <= scratch.length). Either way valid only until the queue or `scratch` changes.
   */
  view(from: number, n: number, scratch: Uint8Array): Uint8Array {
    let k = this.head + from;
    let j = 0;
    while (j < this.chunks.length && k >= this.chunks[j].length) k -= this.chunks[j++].length;
    const c = this.chunks[j];
    if (k + n <= c.length) return c.subarray(k, k + n);
    let o = 0;
    while (o < n) {
      const part = this.chunks[j++];
      const take = Math.min(part.length - k, n - o);
      scratch.set(part.subarray(k, k + take), o);
      o += take;
      k = 0;
    }
    return scratch.subarray(0, n);
  }

  /** Drop n bytes without materialising them. */
  skip(n: number): void {
    let left = Math.min(n, this.total);
    this.total -= left;
    while (left > 0) {
      const c = this.chunks[0];
      const take = Math.min(c.length - this.head, left);
      left -= take;
      this.head += take;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
  }
}

/** At or above this size a copy's buffer is not zero-filled first (smaller ones are cheap either way). */
const UNFILLED_FROM = 256;

/** A Uint8Array of n bytes (not a Buffer: `slice` must still copy) whose contents the caller overwrites whole. */
function uninitialised(n: number): Uint8Array {
  if (n < UNFILLED_FROM) return new Uint8Array(n);
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}
