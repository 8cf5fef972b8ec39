// The bounded queue of events waiting to go to one WebSocket client, with drop-oldest accounting.
// Pure data structure: the I/O (ws.send, bufferedAmount) lives in stream-client.ts.
import type { TlslabEvent } from '../events/schema';

/** What a client missed while it was too slow: sent to it as a `gap` message. */
export interface GapInfo {
  missed: number;
  fromSeq: number;
  toSeq: number;
}

export class ClientQueue {
  readonly capacity: number;
  private readonly ring: (TlslabEvent | undefined)[];
  private start = 0;
  private count = 0;
  private gap: GapInfo | null = null;
  private droppedTotal = 0;

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.ring = new Array<TlslabEvent | undefined>(this.capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Events dropped over the queue's life. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** True when there is something to send: events or a pending gap notice. */
  get hasWork(): boolean {
    return this.count > 0 || this.gap !== null;
  }

  /** Appends; when full, drops the oldest queued event and records it in the pending gap. */
  push(e: TlslabEvent): void {
    if (this.count === this.capacity) this.dropOldest();
    this.ring[(this.start + this.count) % this.capacity] = e;
    this.count++;
  }

  /** Drops the oldest `n` queued events into the pending gap (used when the socket is backed up). */
  dropOldest(n = 1): void {
    for (let i = 0; i < n && this.count > 0; i++) {
      const e = this.ring[this.start] as TlslabEvent;
      this.ring[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
      this.droppedTotal++;
      if (this.gap === null) this.gap = { missed: 1, fromSeq: e.seq, toSeq: e.seq };
      else {
        this.gap.missed++;
        if (e.seq < this.gap.fromSeq) this.gap.fromSeq = e.seq;
        if (e.seq > this.gap.toSeq) this.gap.toSeq = e.seq;
      }
    }
  }

  /** The pending gap (and forgets it), or null. Send it before the events that follow. */
  takeGap(): GapInfo | null {
    const g = this.gap;
    this.gap = null;
    return g;
  }

  /** Removes and returns up to `max` events, oldest first. */
  take(max: number): TlslabEvent[] {
    const n = Math.min(max, this.count);
    const out = new Array<TlslabEvent>(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.ring[this.start] as TlslabEvent;
      this.ring[this.start] = undefined;
      this.start = (this.start + 1) % this.capacity;
    }
    this.count -= n;
    return out;
  }

  /** Forgets everything queued, and the pending gap (a new snapshot supersedes both). */
  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.gap = null;
  }
}
