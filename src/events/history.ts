// The bounded event history: a ring buffer limited by event count and by approximate bytes, in total and per
// connection, with a per-connection index; preferred connections' old events outlive the rest's. Pure: no I/O.
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
  /**
   * Connections whose events are worth keeping longer (the bus: failed and lab connections). When the bounds call for
   * room, such a connection's oldest events move aside instead of being dropped, while that store holds less than
   * `preferShare` of each bound; everyone else's oldest events go first. Asked once per event about to be evicted.
   */
  prefer?: (conn: string) => boolean;
  /** Share of `maxEvents` and `maxBytes` that preferred connections' older events may hold (default 0.5). */
  preferShare?: number;
}

export const DEFAULT_HISTORY_EVENTS = 50_000;
export const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;
/** By default one connection may fill at most this share of the history, so a chatty one cannot push out the rest. */
export const DEFAULT_CONN_SHARE = 0.1;
/** By default preferred connections' older events may fill at most this share of the history. */
export const DEFAULT_PREFER_SHARE = 0.5;

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
  /**
   * Preferred connections' events moved out of the ring, oldest first, with their sizes. Every event here is older
   * than every event in the ring (each was the ring's oldest when moved), so `kept` then the ring is seq order.
   */
  private kept: TlslabEvent[] = [];
  private keptSizes: number[] = [];
  private keptHead = 0;
  private keptBytes = 0;
  /** Connections with events in `kept`: their ring events keep moving there, so each slice stays in seq order. */
  private readonly preferredConns = new Set<string>();
  private readonly prefer: (conn: string) => boolean;
  readonly maxPreferredEvents: number;
  readonly maxPreferredBytes: number;

  constructor(opts: HistoryOptions = {}) {
    this.maxEvents = Math.max(1, Math.floor(opts.maxEvents ?? DEFAULT_HISTORY_EVENTS));
    this.maxBytes = Math.max(1, Math.floor(opts.maxBytes ?? DEFAULT_HISTORY_BYTES));
    this.maxConnEvents = Math.min(this.maxEvents, Math.max(1, Math.floor(opts.maxConnEvents ?? Math.ceil(this.maxEvents * DEFAULT_CONN_SHARE))));
    this.maxConnBytes = Math.min(this.maxBytes, Math.max(1, Math.floor(opts.maxConnBytes ?? Math.ceil(this.maxBytes * DEFAULT_CONN_SHARE))));
    this.ring = new Array<TlslabEvent | undefined>(this.maxEvents);
    this.sizes = new Float64Array(this.maxEvents);
    this.prefer = opts.prefer ?? (() => false);
    const share = Math.min(1, Math.max(0, opts.preferShare ?? DEFAULT_PREFER_SHARE));
    this.maxPreferredEvents = Math.floor(this.maxEvents * share);
    this.maxPreferredBytes = Math.floor(this.maxBytes * share);
  }

  /** Events currently kept. */
  get size(): number {
    return this.count + this.keptCount;
  }

  /** Of `size`, preferred connections' events kept past their turn (moved out of the ring). */
  get preferred(): number {
    return this.keptCount;
  }

  private get keptCount(): number {
    return this.kept.length - this.keptHead;
  }

  /** Approximate bytes currently kept. */
  get bytes(): number {
    return this.totalBytes + this.keptBytes;
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
    if (this.keptCount > 0) return this.kept[this.keptHead].seq;
    return this.count === 0 ? null : (this.ring[this.start] as TlslabEvent).seq;
  }

  /** Seq of the newest kept event, or null when empty. */
  get lastSeq(): number | null {
    if (this.count === 0) return this.keptCount > 0 ? this.kept[this.kept.length - 1].seq : null;
    return (this.ring[(this.start + this.count - 1) % this.maxEvents] as TlslabEvent).seq;
  }

  /**
   * Appends an event (seq order is the caller's job) whose estimated size is `bytes`, evicting the oldest events
   * as the total bounds require. A connection that already holds `maxConnEvents` events or `maxConnBytes` keeps
   * its earliest ones (the handshake) and this event is not kept — except `conn:close`, which ends the story and
   * is always kept. Room is made oldest first, except that preferred connections' oldest events move aside (see
   * `HistoryOptions.prefer`) while their share allows. Returns whether the event was kept.
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
    this.makeRoom(bytes);
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

  /**
   * Frees room for an event of `bytes`: the ring's oldest event is dropped, or — a preferred connection's — moved to
   * `kept` (whose own oldest are dropped when it is full). Each turn shrinks the ring or the total: bounded.
   */
  private makeRoom(bytes: number): void {
    const full = (): boolean => this.size >= this.maxEvents || this.bytes + bytes > this.maxBytes;
    while (this.size > 0 && full()) {
      if (this.count === 0) {
        this.dropKept();
        continue;
      }
      const event = this.ring[this.start] as TlslabEvent;
      const size = this.sizes[this.start];
      const preferred = this.preferredConns.has(event.conn) || this.prefer(event.conn);
      if (!preferred || size > this.maxPreferredBytes || this.maxPreferredEvents === 0) {
        this.takeOldest();
        this.forget(event, size);
        continue;
      }
      while (this.keptCount > 0 && (this.keptCount >= this.maxPreferredEvents || this.keptBytes + size > this.maxPreferredBytes)) this.dropKept();
      this.takeOldest();
      this.kept.push(event);
      this.keptSizes.push(size);
      this.keptBytes += size;
      this.preferredConns.add(event.conn);
    }
  }

  /** Takes the ring's oldest event out of the ring (the caller drops or moves it). */
  private takeOldest(): void {
    this.totalBytes -= this.sizes[this.start];
    this.ring[this.start] = undefined;
    this.start = (this.start + 1) % this.maxEvents;
    this.count--;
    if (this.count === 0) this.totalBytes = 0; // no drift from float sums
  }

  /** Drops the oldest event of `kept`. */
  private dropKept(): void {
    const event = this.kept[this.keptHead];
    const size = this.keptSizes[this.keptHead];
    this.kept[this.keptHead] = undefined as unknown as TlslabEvent;
    this.keptHead++;
    this.keptBytes -= size;
    if (this.keptCount === 0) {
      this.kept = [];
      this.keptSizes = [];
      this.keptHead = 0;
      this.keptBytes = 0;
    } else if (this.keptHead > 1024 && this.keptHead * 2 > this.kept.length) {
      this.kept = this.kept.slice(this.keptHead);
      this.keptSizes = this.keptSizes.slice(this.keptHead);
      this.keptHead = 0;
    }
    this.forget(event, size);
  }

  /** A dropped event leaves its connection's slice (its oldest kept event, save in rare cases: then found by seq). */
  private forget(event: TlslabEvent, bytes: number): void {
    this.evictedCount++;
    const slice = this.byConn.get(event.conn);
    if (slice === undefined) return;
    if (slice.items[slice.head] === event) {
      slice.items[slice.head] = undefined as unknown as TlslabEvent;
      slice.head++;
    } else {
      const at = slice.items.indexOf(event, slice.head);
      if (at < 0) return;
      slice.items.splice(at, 1);
    }
    slice.bytes -= bytes;
    if (slice.head >= slice.items.length) {
      this.byConn.delete(event.conn);
      this.preferredConns.delete(event.conn);
    } else if (slice.head > 64 && slice.head * 2 > slice.items.length) {
      slice.items = slice.items.slice(slice.head);
      slice.head = 0;
    }
  }

  /** Kept events, oldest first, optionally only those matching `keep`. */
  toArray(keep?: (e: TlslabEvent) => boolean): TlslabEvent[] {
    const out: TlslabEvent[] = [];
    for (let i = this.keptHead; i < this.kept.length; i++) {
      const e = this.kept[i];
      if (keep === undefined || keep(e)) out.push(e);
    }
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
    this.evictedCount += this.size;
    this.ring.fill(undefined);
    this.start = 0;
    this.count = 0;
    this.totalBytes = 0;
    this.kept = [];
    this.keptSizes = [];
    this.keptHead = 0;
    this.keptBytes = 0;
    this.preferredConns.clear();
    this.byConn.clear();
  }
}
