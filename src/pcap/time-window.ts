// Puts the packets (and other timed items) of a streamed capture back in time order within a bounded window (a
// min-heap by timestamp): files are nearly sorted, but several interfaces or capture threads interleave. Pure, no I/O.

/** What the window orders: a capture time, a tie-breaking position (file order), and a size counted against the bound. */
export interface Timed {
  sec: number;
  nsec: number;
  index: number;
  data: { length: number };
}

export interface TimeWindowOptions {
  /** Packets held at most (default 4,096). */
  maxPackets?: number;
  /** Packet bytes held at most (default 8 MiB). */
  maxBytes?: number;
  /**
   * A packet is held no longer than until one this much later (ms of capture time) has arrived (default 250): a
   * reader then sees a capture's first connections as soon as the file is a quarter second past them, not 4,096 packets later.
   */
  maxSpanMs?: number;
}

/** Capture time in ns (exact enough to compare: a double holds ns since the epoch to within a quarter µs). */
function ns(p: Timed): number {
  return p.sec * 1e9 + p.nsec;
}

function before(a: Timed, b: Timed): boolean {
  return a.sec !== b.sec ? a.sec < b.sec : a.nsec !== b.nsec ? a.nsec < b.nsec : a.index < b.index;
}

/**
 * Holds packets until the window is full, then releases the earliest. A packet older than one already released
 * comes out next, as soon as it arrives (counted in `late`): the window is a bound, not a promise.
 */
export class TimeOrderWindow<T extends Timed> {
  private readonly heap: T[] = [];
  private bytes = 0;
  private last: T | null = null;
  private readonly maxPackets: number;
  private readonly maxBytes: number;
  private readonly maxSpanNs: number;
  /** The latest capture time pushed, in ns. */
  private newest = -Infinity;
  /** Packets that arrived after a later one had already been released. */
  late = 0;

  constructor(opts: TimeWindowOptions = {}) {
    this.maxPackets = Math.max(1, opts.maxPackets ?? 4096);
    this.maxBytes = Math.max(0, opts.maxBytes ?? 8 * 1024 * 1024);
    this.maxSpanNs = Math.max(0, opts.maxSpanMs ?? 250) * 1e6;
  }

  get size(): number {
    return this.heap.length;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** Adds one packet; returns those released, earliest first. */
  push(p: T): T[] {
    if (this.last !== null && before(p, this.last)) this.late++;
    this.insert(p);
    this.newest = Math.max(this.newest, ns(p));
    const out: T[] = [];
    const h = this.heap;
    while (h.length > this.maxPackets || (this.bytes > this.maxBytes && h.length > 0) || (h.length > 0 && ns(h[0]) < this.newest - this.maxSpanNs)) out.push(this.pop());
    return out;
  }

  /** Releases everything held, earliest first. */
  flush(): T[] {
    const out: T[] = [];
    while (this.heap.length > 0) out.push(this.pop());
    return out;
  }

  private insert(p: T): void {
    const h = this.heap;
    h.push(p);
    this.bytes += p.data.length;
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): T {
    const h = this.heap;
    const top = h[0];
    const end = h.pop() as T;
    if (h.length > 0) {
      h[0] = end;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    this.bytes -= top.data.length;
    if (this.last === null || before(this.last, top)) this.last = top;
    return top;
  }
}
