// The event bus: stamps drafts with `v`, `seq` and `t`, keeps the bounded history and per-connection
// summaries, and delivers each event synchronously to subscribers. In-process only: no I/O, no Node imports.
import { EVENT_SCHEMA_VERSION } from './schema.js';
import type { EventDraft, TlslabEvent } from './schema.js';
import type { ConnectionSummary } from './stream.js';
import { EventHistory } from './history.js';
import { estimateEventBytes } from './size.js';
import { reduceSummary } from './summary.js';

export interface EventBusOptions {
  /** Maximum events kept in history (default 50,000). */
  history?: number;
  /** Approximate bound on history bytes (default 64 MiB). */
  historyBytes?: number;
  /** Connection summaries kept; beyond this the oldest *closed* connections are forgotten (default 20,000). */
  maxConnections?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 20_000;

export type Subscriber = (e: TlslabEvent) => void;

/** `performance` exists in Node ≥16 and in browsers; reached through globalThis so no Node import is needed. */
const perf: { timeOrigin: number; now(): number } = (globalThis as unknown as { performance: { timeOrigin: number; now(): number } }).performance;

export class EventBus {
  readonly history: EventHistory;
  readonly maxConnections: number;
  private lastSeq = 0;
  private lastT = 0;
  private subscribers: Subscriber[] = [];
  private readonly summaryMap = new Map<string, ConnectionSummary>();
  /** Events stamped while a delivery is in progress (a subscriber that emits): delivered after it, in order. */
  private readonly pending: TlslabEvent[] = [];
  private delivering = false;
  private subscriberErrorCount = 0;
  private lastSubscriberError: unknown = undefined;
  private forgotten = 0;

  constructor(opts: EventBusOptions = {}) {
    this.history = new EventHistory({ maxEvents: opts.history, maxBytes: opts.historyBytes });
    this.maxConnections = Math.max(1, Math.floor(opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS));
  }

  /** Seq of the last event emitted (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }

  /** How many times a subscriber threw (each is caught; emit carries on). */
  get subscriberErrors(): number {
    return this.subscriberErrorCount;
  }

  /** The last error a subscriber threw, for diagnostics. */
  get lastError(): unknown {
    return this.lastSubscriberError;
  }

  /** Closed connections whose summaries were dropped to respect `maxConnections`. */
  get forgottenConnections(): number {
    return this.forgotten;
  }

  /**
   * Stamps the draft, records it (history + summary) and delivers it to every subscriber, synchronously.
   * Never throws because of a subscriber. Returns the stamped event (treat it as immutable).
   */
  emit(draft: EventDraft): TlslabEvent {
    const seq = ++this.lastSeq;
    let t = perf.timeOrigin + perf.now();
    if (t < this.lastT) t = this.lastT; // never step back, even if the clock source does
    this.lastT = t;
    // Stamp first so the JSON reads `v, type, conn, seq, t, …`; stamp again after, so a draft can't override it.
    const event = Object.assign({ v: EVENT_SCHEMA_VERSION, type: draft.type, conn: draft.conn, seq, t }, draft) as TlslabEvent;
    event.v = EVENT_SCHEMA_VERSION;
    event.seq = seq;
    event.t = t;
    this.history.push(event, estimateEventBytes(event));
    this.summaryMap.set(event.conn, reduceSummary(this.summaryMap.get(event.conn), event));
    if (this.summaryMap.size > this.maxConnections) this.forgetClosed();
    if (this.delivering) {
      this.pending.push(event);
    } else {
      this.deliver(event);
    }
    return event;
  }

  private deliver(first: TlslabEvent): void {
    this.delivering = true;
    try {
      let e: TlslabEvent | undefined = first;
      while (e !== undefined) {
        const subs = this.subscribers; // copy-on-write: (un)subscribing during delivery is safe
        for (let i = 0; i < subs.length; i++) {
          try {
            subs[i](e);
          } catch (err) {
            this.subscriberErrorCount++;
            this.lastSubscriberError = err;
          }
        }
        e = this.pending.shift();
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Drops the oldest closed connections' summaries until the map is back to 90% of the bound. */
  private forgetClosed(): void {
    const target = Math.floor(this.maxConnections * 0.9);
    for (const [id, s] of this.summaryMap) {
      if (this.summaryMap.size <= target) break;
      if (s.closedAt !== null) {
        this.summaryMap.delete(id);
        this.forgotten++;
      }
    }
  }

  /** Calls `fn` with every event emitted from now on. Returns the unsubscribe function. */
  subscribe(fn: Subscriber): () => void {
    this.subscribers = [...this.subscribers, fn];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== fn);
    };
  }

  /** Number of current subscribers. */
  get subscriberCount(): number {
    return this.subscribers.length;
  }

  /** Every kept connection summary, oldest connection first. */
  summaries(): ConnectionSummary[] {
    return [...this.summaryMap.values()];
  }

  /** Number of connection summaries kept. */
  get connectionCount(): number {
    return this.summaryMap.size;
  }

  summary(id: string): ConnectionSummary | undefined {
    return this.summaryMap.get(id);
  }

  /** The events of one connection still in history, oldest first. */
  eventsFor(conn: string): TlslabEvent[] {
    return this.history.forConn(conn);
  }
}
