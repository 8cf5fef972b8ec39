// The bounded event history: a ring buffer limited by event count and by approximate bytes,
// with a per-connection index. Pure data structure: no I/O, no Node imports.
import type { TlslabEvent } from './schema.js';

export interface HistoryOptions {
  /** Maximum number of events kept (default 50,000). */
  maxEvents?: number;
  /** Approximate maximum bytes kept (default 64 MiB), from `estimateEventBytes`. */
  maxBytes?: number;
}

export const DEFAULT_HISTORY_EVENTS = 50_000;
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;

/** A connection's retained events: an array with a moving head (evictions come from the front). */
interface ConnSlice {
  items: TlslabEvent[];
  head: number;
}

export class EventHistory {
  readonly maxEvents: number;
  readonly maxBytes: number;
  private readonly ring: (TlslabEvent | undefined)[];
  private readonly sizes: Float64Array;
  private start = 0;
  private count = 0;
  private totalBytes = 0;
  private evictedCount = 0;
  private readonly byConn = new Map<string, ConnSlice>();

  constructor(opts: HistoryOptions = {}) {
    this.maxEvents = Math.max(1, Math.floor(opts.maxEvents ?? DEFAULT_HISTORY_EVENTS));
    this.maxBytes = Math.max(1, Math.floor(opts.maxBytes ?? DEFAULT_HISTORY_BYTES));
    this.ring = new Array<TlslabEvent | undefined>(this.maxEvents);
    this.sizes = new Float64Array(this.maxEvents);
  }

  /** Events currently kept. */
  get size(): number {
    return this.count;
  }

  /** Approximate bytes currently kept. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Events dropped so far to respect the bounds. */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Seq of the oldest kept event, or null when empty. */
  get firstSeq(): number | null {
    return this.count === 0 ? null : (this.ring[this.start] as TlslabEvent).seq;
  }

  /** Seq of the newest kept event, or null when empty. */
  get lastSeq(): number | null {
    return this.count === 0 ? null : (this.ring[(this.start + this.count - 1) % this.maxEvents] as TlslabEvent).seq;
  }

  /** Appends an event (seq order is the caller's job) whose estimated size is `bytes`. */
  push(event: TlslabEvent, bytes: number): void {
    while (this.count > 0 && (this.count >= this.maxEvents || this.totalBytes + bytes > this.maxBytes)) {
      this.evictOldest();
    }
    const at = (this.start + this.count) % this.maxEvents;
    this.ring[at] = event;
    this.sizes[at] = bytes;
    this.count++;
    this.totalBytes += bytes;
    let slice = this.byConn.get(event.conn);
    if (slice === undefined) {
      slice = { items: [], head: 0 };
      this.byConn.set(event.conn, slice);
    }
    slice.items.push(event);
  }

  private evictOldest(): void {
    const event = this.ring[this.start] as TlslabEvent;
    this.totalBytes -= this.sizes[this.start];
    this.ring[this.start] = undefined;
    this.start = (this.start + 1) % this.maxEvents;
    this.count--;
    this.evictedCount++;
    const slice = this.byConn.get(event.conn);
    if (slice !== undefined) {
      slice.items[slice.head] = undefined as unknown as TlslabEvent;
      slice.head++;
      if (slice.head >= slice.items.length) {
        this.byConn.delete(event.conn);
      } else if (slice.head > 64 && slice.head * 2 > slice.items.length) {
        slice.items = slice.items.slice(slice.head);
        slice.head = 0;
      }
    }
    if (this.count === 0) this.totalBytes = 0; // no drift from float sums
  }

  /** Kept events, oldest first, optionally only those matching `keep`. */
  toArray(keep?: (e: TlslabEvent) => boolean): TlslabEvent[] {
    const out: TlslabEvent[] = [];
    for (let i = 0; i < this.count; i++) {
      const e = this.ring[(this.start + i) % this.maxEvents] as TlslabEvent;
      if (keep === undefined || keep(e)) out.push(e);
    }
    return out;
  }

  /** Kept events of one connection, oldest first. */
  forConn(conn: string): TlslabEvent[] {
    const slice = this.byConn.get(conn);
    return slice === undefined ? [] : slice.items.slice(slice.head);
  }

  /** Connection ids that still have events kept, oldest first. */
  connections(): string[] {
    return [...this.byConn.keys()];
  }

  /** Drops everything (counts as evicted). */
  clear(): void {
    this.evictedCount += this.count;
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.totalBytes = 0;
    this.byConn.clear();
  }
}
