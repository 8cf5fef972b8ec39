// The bounded event history: a ring buffer limited by event count and by approximate bytes, in total and per
// connection, with a per-connection index. Pure data structure: no I/O, no Node imports.
import type { TlslabEvent } from './schema.js';

export interface HistoryOptions {
  /** Maximum number of events kept (default 50,000). */
  maxEvents?: number;
  /** Approximate maximum bytes kept (default 64 MiB), from `estimateEventBytes`. */
  maxBytes?: number;
  /** Most events one connection may have kept at a time (default: a tenth of `maxEvents`). */
  maxConnEvents?: number;
  /** Most approximate bytes one connection may have kept at a time (default: a tenth of `maxBytes`). */
  maxConnBytes?: number;
}

export const DEFAULT_HISTORY_EVENTS = 50_000;
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;
/** By default one connection may fill at most this share of the history, so a chatty one cannot push out the rest. */
export const DEFAULT_CONN_SHARE = 0.1;

/** A connection's retained events: an array with a moving head (evictions come from the front). */
interface ConnSlice {
  items: TlslabEvent[];
  head: number;
  /** Estimated bytes of the kept items. */
  bytes: number;
}

export class EventHistory {
  readonly maxEvents: number;
  readonly maxBytes: number;
  readonly maxConnEvents: number;
  readonly maxConnBytes: number;
  private readonly ring: (TlslabEvent | undefined)[];
  private readonly sizes: Float64Array;
  private start = 0;
  private count = 0;
  private totalBytes = 0;
  private evictedCount = 0;
  private cappedCount = 0;
  private readonly byConn = new Map<string, ConnSlice>();

  constructor(opts: HistoryOptions = {}) {
    this.maxEvents = Math.max(1, Math.floor(opts.maxEvents ?? DEFAULT_HISTORY_EVENTS));
    this.maxBytes = Math.max(1, Math.floor(opts.maxBytes ?? DEFAULT_HISTORY_BYTES));
    this.maxConnEvents = Math.min(this.maxEvents, Math.max(1, Math.floor(opts.maxConnEvents ?? Math.ceil(this.maxEvents * DEFAULT_CONN_SHARE))));
    this.maxConnBytes = Math.min(this.maxBytes, Math.max(1, Math.floor(opts.maxConnBytes ?? Math.ceil(this.maxBytes * DEFAULT_CONN_SHARE))));
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

  /** Events dropped so far to respect the total bounds (oldest first). */
  get evicted(): number {
    return this.evictedCount;
  }

  /** Events never kept because their connection already had its share of the history (they were still delivered live). */
  get capped(): number {
    return this.cappedCount;
  }

  /** Seq of the oldest kept event, or null when empty. */
  get firstSeq(): number | null {
    return this.count === 0 ? null : (this.ring[this.start] as TlslabEvent).seq;
  }

  /** Seq of the newest kept event, or null when empty. */
  get lastSeq(): number | null {
    return this.count === 0 ? null : (this.ring[(this.start + this.count - 1) % this.maxEvents] as TlslabEvent).seq;
  }

  /**
   * Appends an event (seq order is the caller's job) whose estimated size is `bytes`, evicting the oldest events
   * as the total bounds require. A connection that already holds `maxConnEvents` events or `maxConnBytes` keeps
   * its earliest ones (the handshake) and this event is not kept — except `conn:close`, which ends the story and
   * is always kept. Returns whether the event was kept.
   */
  push(event: TlslabEvent, bytes: number): boolean {
    const slice = this.byConn.get(event.conn);
    if (event.type !== 'conn:close') {
      const kept = slice === undefined ? 0 : slice.items.length - slice.head;
      const keptBytes = slice === undefined ? 0 : slice.bytes;
      if (kept >= this.maxConnEvents || keptBytes + bytes > this.maxConnBytes) {
        this.cappedCount++;
        return false;
      }
    }
    while (this.count > 0 && (this.count >= this.maxEvents || this.totalBytes + bytes > this.maxBytes)) {
      this.evictOldest();
    }
    const at = (this.start + this.count) % this.maxEvents;
    this.ring[at] = event;
    this.sizes[at] = bytes;
    this.count++;
    this.totalBytes += bytes;
    // The slice may have been dropped by the evictions above: look it up again.
    let own = this.byConn.get(event.conn);
    if (own === undefined) {
      own = { items: [], head: 0, bytes: 0 };
      this.byConn.set(event.conn, own);
    }
    own.items.push(event);
    own.bytes += bytes;
    return true;
  }

  private evictOldest(): void {
    const event = this.ring[this.start] as TlslabEvent;
    const bytes = this.sizes[this.start];
    this.totalBytes -= bytes;
    this.ring[this.start] = undefined;
    this.start = (this.start + 1) % this.maxEvents;
    this.count--;
    this.evictedCount++;
    const slice = this.byConn.get(event.conn);
    if (slice !== undefined) {
      slice.items[slice.head] = undefined as unknown as TlslabEvent;
      slice.head++;
      slice.bytes -= bytes;
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

  /** Approximate bytes kept for one connection. */
  bytesFor(conn: string): number {
    return this.byConn.get(conn)?.bytes ?? 0;
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
