// The event bus: stamps drafts with `v`, `seq` and `t`, keeps the bounded history and per-connection
// summaries, and delivers each event synchronously to subscribers. In-process only: no I/O, no Node imports.
import { EVENT_SCHEMA_VERSION } from './schema.js';
import type { EventDraft, TlslabEvent } from './schema.js';
import type { ConnectionSummary } from './stream.js';
import { EventHistory } from './history.js';
import { estimateEventBytes } from './size.js';
import { SharedEventParts } from './shared-parts.js';
import { isFailure, reduceSummary, SummaryCompactor } from './summary.js';

export interface EventBusOptions {
  /** Maximum events kept in history (default 50,000). */
  history?: number;
  /** Approximate bound on history bytes (default 64 MiB). */
  historyBytes?: number;
  /** Events one connection may keep in history at a time (default: a tenth of `history`). */
  historyPerConnection?: number;
  /** Approximate history bytes one connection may keep at a time (default: a tenth of `historyBytes`). */
  historyBytesPerConnection?: number;
  /**
   * Connection summaries kept, whatever their state (default 20,000). Beyond it the connections that closed
   * longest ago are forgotten first; open ones may hold at most `OPEN_SHARE` of the slots (the oldest open one is
   * forgotten beyond that), so the newest closed connections stay listed even when thousands never close.
   */
  maxConnections?: number;
  /**
   * Classroom mode's history share: summaries one student's connections may hold (default a quarter of
   * `maxConnections`). Beyond it that student's own oldest connection is forgotten, so one student's flood cannot
   * push the rest of the class out of the list.
   */
  maxPerStudent?: number;
  /**
   * Where `t` comes from, ms since the epoch (default: the monotonic clock). A replay passes the time the capture
   * recorded for each event; `t` still never decreases.
   */
  clock?: () => number;
}

export const DEFAULT_MAX_CONNECTIONS = 20_000;
/** Share of the summary slots that open connections may hold; the rest is kept for the newest closed ones. */
export const OPEN_SHARE = 0.9;

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
  /** Ids of open connections with a summary, oldest first (first seen). */
  private readonly openIds = new Set<string>();
  /** Ids of closed connections with a summary, in the order they closed. */
  private readonly closedIds = new Set<string>();
  /**
   * Recently forgotten ids (at most `maxConnections`): their later events are kept in history and delivered, but
   * do not bring a summary back — a forgotten open connection that goes on talking must not evict another.
   */
  private readonly forgottenIds = new Set<string>();
  private readonly maxOpen: number;
  private readonly maxPerStudent: number;
  /** Each student's connections with a summary, oldest first (classroom mode). */
  private readonly byStudent = new Map<string, Set<string>>();
  private studentShareForgotten = 0;
  /** Events stamped while a delivery is in progress (a subscriber that emits): delivered after it, in order. */
  private readonly pending: TlslabEvent[] = [];
  private delivering = false;
  private subscriberErrorCount = 0;
  private lastSubscriberError: unknown = undefined;
  private forgotten = 0;
  private forgottenOpen = 0;
  private readonly clock: () => number;
  private readonly compactor = new SummaryCompactor();
  private readonly parts = new SharedEventParts();

  constructor(opts: EventBusOptions = {}) {
    this.history = new EventHistory({
      maxEvents: opts.history,
      maxBytes: opts.historyBytes,
      maxConnEvents: opts.historyPerConnection,
      maxConnBytes: opts.historyBytesPerConnection,
      // A failure or a lab case is what a class comes back to; the two-thousandth identical OK connection is not.
      prefer: (conn) => {
        const s = this.summaryMap.get(conn);
        return s !== undefined && (s.lab !== undefined || isFailure(s));
      },
    });
    this.maxConnections = Math.max(1, Math.floor(opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS));
    this.maxOpen = Math.max(1, Math.floor(this.maxConnections * OPEN_SHARE));
    this.maxPerStudent = Math.max(1, Math.floor(opts.maxPerStudent ?? this.maxConnections / 4));
    this.clock = opts.clock ?? (() => perf.timeOrigin + perf.now());
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

  /** Connections whose summaries were dropped to respect `maxConnections` (open ones included). */
  get forgottenConnections(): number {
    return this.forgotten;
  }

  /** Of `forgottenConnections`, those that were still open (no `conn:close` seen) when forgotten. */
  get forgottenOpenConnections(): number {
    return this.forgottenOpen;
  }

  /** Connections forgotten because their student went past the history share. */
  get forgottenForStudentShare(): number {
    return this.studentShareForgotten;
  }

  /** Forgotten ids remembered so that their later events do not bring a summary back (at most `maxConnections`). */
  get rememberedForgotten(): number {
    return this.forgottenIds.size;
  }

  /**
   * Stamps the draft, records it (history + summary) and delivers it to every subscriber, synchronously.
   * Never throws because of a subscriber. Returns the stamped event (treat it as immutable).
   */
  emit(draft: EventDraft): TlslabEvent {
    const seq = ++this.lastSeq;
    let t = this.clock();
    if (t < this.lastT) t = this.lastT; // never step back, even if the clock source does
    this.lastT = t;
    // Stamp first so the JSON reads `v, type, conn, seq, t, …`; stamp again after, so a draft can't override it.
    const event: TlslabEvent = Object.assign({ v: EVENT_SCHEMA_VERSION, type: draft.type, conn: draft.conn, seq, t }, draft);
    event.v = EVENT_SCHEMA_VERSION;
    event.seq = seq;
    event.t = t;
    // What this event repeats of earlier ones (names, a browser's offer, certificates, chains) is kept once.
    this.parts.share(event);
    this.history.push(event, estimateEventBytes(event));
    this.summarize(event);
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

  /** Folds the event into its connection's summary and keeps the summaries within `maxConnections`. */
  private summarize(event: TlslabEvent): void {
    const id = event.conn;
    const prev = this.summaryMap.get(id);
    if (prev === undefined && this.forgottenIds.has(id)) {
      if (event.type !== 'conn:open') return; // forgotten: its summary does not come back
      this.forgottenIds.delete(id);
    }
    let next = reduceSummary(prev, event);
    // Closed connections are most of the thousands kept: their repeated parts are kept once (same values, less memory).
    if (next.closedAt !== null) next = this.compactor.compact(next);
    this.summaryMap.set(id, next);
    if (next.closedAt !== null) {
      if (prev === undefined || prev.closedAt === null) {
        this.openIds.delete(id);
        this.closedIds.add(id);
      }
    } else if (prev === undefined) {
      this.openIds.add(id);
    }
    if (prev !== undefined) {
      // conn:open names the student; a summary made by an earlier event of the connection learns it here.
      if (prev.student === undefined && next.student !== undefined) this.countForStudent(id, next.student.id);
      return; // the count only grows with a new summary
    }
    if (next.student !== undefined) this.countForStudent(id, next.student.id);
    // O(1) per new connection: the oldest of each kind is the first entry of its set.
    if (this.openIds.size > this.maxOpen) this.forget(first(this.openIds));
    while (this.summaryMap.size > this.maxConnections) {
      if (!this.forget(this.closedIds.size > 0 ? first(this.closedIds) : first(this.openIds))) break;
    }
  }

  /** Adds a connection to its student's share; past the share, that student's oldest connection is forgotten. */
  private countForStudent(id: string, student: string): void {
    let ids = this.byStudent.get(student);
    if (ids === undefined) {
      ids = new Set();
      this.byStudent.set(student, ids);
    }
    ids.add(id);
    if (ids.size > this.maxPerStudent && this.forget(first(ids))) this.studentShareForgotten++;
  }

  /** Drops a summary and remembers the id; false when there was nothing to drop. */
  private forget(id: string | undefined): boolean {
    if (id === undefined) return false;
    const student = this.summaryMap.get(id)?.student?.id;
    if (!this.summaryMap.delete(id)) return false;
    if (student !== undefined) {
      const ids = this.byStudent.get(student);
      ids?.delete(id);
      if (ids?.size === 0) this.byStudent.delete(student);
    }
    this.closedIds.delete(id);
    if (this.openIds.delete(id)) this.forgottenOpen++;
    this.forgotten++;
    this.forgottenIds.add(id);
    if (this.forgottenIds.size > this.maxConnections) this.forgottenIds.delete(first(this.forgottenIds) as string);
    return true;
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

function first(ids: Set<string>): string | undefined {
  return ids.values().next().value;
}
