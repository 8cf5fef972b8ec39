// Puts the packets of a streamed capture back in time order within a bounded window (a min-heap by timestamp):
// files are nearly sorted, but several interfaces or capture threads interleave. Pure, no I/O.
import type { CapturedPacket } from './types';

export interface TimeWindowOptions {
  /** Packets held at most (default 4,096). */
  maxPackets?: number;
  /** Packet bytes held at most (default 8 MiB). */
  maxBytes?: number;
}

function before(a: CapturedPacket, b: CapturedPacket): boolean {
  return a.sec !== b.sec ? a.sec < b.sec : a.nsec !== b.nsec ? a.nsec < b.nsec : a.index < b.index;
}

/**
 * Holds packets until the window is full, then releases the earliest. A packet older than one already released
 * comes out next, as soon as it arrives (counted in `late`): the window is a bound, not a promise.
 */
export class TimeOrderWindow {
  private readonly heap: CapturedPacket[] = [];
  private bytes = 0;
  private last: CapturedPacket | null = null;
  private readonly maxPackets: number;
  private readonly maxBytes: number;
  /** Packets that arrived after a later one had already been released. */
  late = 0;

  constructor(opts: TimeWindowOptions = {}) {
    this.maxPackets = Math.max(1, opts.maxPackets ?? 4096);
    this.maxBytes = Math.max(0, opts.maxBytes ?? 8 * 1024 * 1024);
  }

  get size(): number {
    return this.heap.length;
  }

  get heldBytes(): number {
    return this.bytes;
  }

  /** Adds one packet; returns those released, earliest first. */
  push(p: CapturedPacket): CapturedPacket[] {
    if (this.last !== null && before(p, this.last)) this.late++;
    this.insert(p);
    const out: CapturedPacket[] = [];
    while (this.heap.length > this.maxPackets || (this.bytes > this.maxBytes && this.heap.length > 0)) out.push(this.pop());
    return out;
  }

  /** Releases everything held, earliest first. */
  flush(): CapturedPacket[] {
    const out: CapturedPacket[] = [];
    while (this.heap.length > 0) out.push(this.pop());
    return out;
  }

  private insert(p: CapturedPacket): void {
    const h = this.heap;
    h.push(p);
    this.bytes += p.data.length;
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i] as CapturedPacket, h[parent] as CapturedPacket)) break;
      [h[i], h[parent]] = [h[parent] as CapturedPacket, h[i] as CapturedPacket];
      i = parent;
    }
  }

  private pop(): CapturedPacket {
    const h = this.heap;
    const top = h[0] as CapturedPacket;
    const end = h.pop() as CapturedPacket;
    if (h.length > 0) {
      h[0] = end;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l] as CapturedPacket, h[m] as CapturedPacket)) m = l;
        if (r < h.length && before(h[r] as CapturedPacket, h[m] as CapturedPacket)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m] as CapturedPacket, h[i] as CapturedPacket];
        i = m;
      }
    }
    this.bytes -= top.data.length;
    if (this.last === null || before(this.last, top)) this.last = top;
    return top;
  }
}
