// The dashboard's in-memory model: every connection's events and its live summary, and the room overview, fed by
// the stream. No DOM and no network: the stream client pushes messages in, views read and subscribe.
import type { Student, TlslabEvent } from '../events/schema.js';
import type { ConnectionSummary } from '../events/stream.js';
import { applyRoomEvent, applyRoomLessons, type Room, type RoomLessons, type RoomStudent } from '../events/room.js';
import { reduceSummary } from './summary-reducer.js';
import { isDeferred } from '../events/deferred.js';

export interface ConnRecord {
  summary: ConnectionSummary;
  /** Events seen for this connection, in seq order. */
  events: TlslabEvent[];
  /** Seqs already held, so a REST fetch and the stream can be merged without duplicates. */
  seqs: Set<number>;
  /** The summary is computed here from events (not taken from a snapshot). */
  derived: boolean;
  /**
   * The server was asked for this connection's retained events (GET /api/connections/:id/events) and answered: what
   * `events` lacks now was evicted from its history, not merely not sent yet.
   */
  fetched: boolean;
  /**
   * The bytes and field trees the live stream left out (`deferred` events) are being asked for (GET
   * /api/connections/:id/events fills them in from the bytes tlslab keeps).
   */
  detailsLoading: boolean;
  /** Seqs of events the server answered still `deferred`: their bytes are no longer kept. */
  detailsGone: Set<number>;
}


/** What changed since the last flush. */
export interface Change {
  /** Connections that were added or changed. */
  ids: Set<string>;
  /** A connection was added or the whole store was replaced: the list order changed. */
  structural: boolean;
  /** A line of the room overview changed (or the room was replaced). */
  room: boolean;
}

type Listener = (c: Change) => void;

/** The page keeps at most this many connections (the server's bus keeps 20,000 summaries by default). */
export const MAX_CONNECTIONS = 20_000;

export class Store {
  readonly conns = new Map<string, ConnRecord>();
  /** Connection ids in the order they opened (oldest first). */
  readonly order: string[] = [];
  private pending: Change = { ids: new Set(), structural: false, room: false };
  private listeners: Listener[] = [];
  private scheduled = false;
  /** Newest connection id (by open order). */
  newest: string | null = null;
  /** Newest connection of each student (by open order), for the spotlight. */
  readonly newestOf = new Map<string, string>();
  /**
   * The room overview: the server's as of the snapshot, then kept live here with the same reducer over the live
   * events. Null when the server sent none (a student's own view).
   */
  room: Room | null = null;
  /**
   * Older connections the server still keeps but has not sent (the snapshot's `total` beyond its window, less the
   * pages loaded since): what "show older connections" can load with `GET /api/connections?before=`.
   */
  olderOnServer = 0;
  /** The oldest connection the server sent in its snapshot or a page of older ones: the next page's cursor. */
  oldestFromServer: string | null = null;

  constructor(private readonly maxConnections = MAX_CONNECTIONS) {}

  subscribe(l: Listener): void {
    this.listeners.push(l);
  }

  /**
   * Replaces everything with a snapshot (the first message after every (re)connect): `summaries` newest first, the
   * newest `summaries.length` of the `total` the server keeps for this view.
   */
  reset(events: readonly TlslabEvent[], summaries: readonly ConnectionSummary[], total: number, room?: readonly RoomStudent[]): void {
    this.olderOnServer = Math.max(0, total - summaries.length);
    this.oldestFromServer = summaries.length > 0 ? summaries[summaries.length - 1].id : null;
    this.conns.clear();
    this.order.length = 0;
    this.newest = null;
    this.newestOf.clear();
    this.room = room === undefined ? null : new Map(room.map((r) => [r.id, r]));
    this.pending.room = true;
    const sorted = [...summaries].sort((a, b) => a.openedAt - b.openedAt || seqOf(a.id) - seqOf(b.id));
    for (const s of sorted) this.addConn(s.id, s);
    for (const e of events) this.addEvent(e, false);
    this.pending.structural = true;
    this.schedule();
  }

  /**
   * Adds a page of older connections (`GET /api/connections?before=`, newest first) below those held; connections
   * already held are left as they are. `more`: whether the server has still older ones.
   */
  addOlder(summaries: readonly ConnectionSummary[], more: boolean): void {
    this.insertOlder(summaries);
    if (summaries.length > 0) this.oldestFromServer = summaries[summaries.length - 1].id;
    this.olderOnServer = more ? Math.max(1, this.olderOnServer - summaries.length) : 0;
  }

  /** Adds one older connection fetched by id (`GET /api/connections/:id`: a link to it), where it belongs in the order. */
  addOne(summary: ConnectionSummary): void {
    this.insertOlder([summary]);
  }

  /** Adds older connections a search of the server found (those not held yet), where they belong in the order. */
  addFound(summaries: readonly ConnectionSummary[]): void {
    this.insertOlder(summaries);
  }

  private insertOlder(summaries: readonly ConnectionSummary[]): void {
    for (const s of summaries) {
      if (this.conns.has(s.id)) continue;
      this.conns.set(s.id, newRecord(s));
      this.order.push(s.id);
      if (s.student !== undefined && !this.newestOf.has(s.student.id)) this.newestOf.set(s.student.id, s.id);
    }
    this.sortOrder();
    this.pending.structural = true;
    this.schedule();
  }

  /** `order` oldest first by open time (ties: by the number in the id, as the server numbers connections). */
  private sortOrder(): void {
    const at = (id: string): number => this.conns.get(id)?.summary.openedAt ?? 0;
    this.order.sort((a, b) => at(a) - at(b) || seqOf(a) - seqOf(b));
  }

  /** Appends live events (in seq order) and updates their summaries. */
  apply(events: readonly TlslabEvent[]): void {
    for (const e of events) this.addEvent(e, true);
    this.schedule();
  }

  /** A student's lesson progress, as the server sent it (`room-lessons`): set on their room line. */
  roomLessons(student: Student, lessons: RoomLessons): void {
    if (this.room === null) return;
    applyRoomLessons(this.room, student, lessons);
    this.pending.room = true;
    this.schedule();
  }

  /** Merges events fetched over REST for one connection (summaries are not recomputed from them). */
  merge(conn: string, events: readonly TlslabEvent[]): void {
    const rec = this.conns.get(conn);
    if (!rec) return;
    let added = false;
    let filled = false;
    for (const e of events) {
      if (rec.seqs.has(e.seq)) {
        filled = this.fill(rec, e) || filled;
        continue;
      }
      rec.seqs.add(e.seq);
      rec.events.push(e);
      added = true;
    }
    if (!added && !filled) return;
    if (added) rec.events.sort((a, b) => a.seq - b.seq);
    this.pending.ids.add(conn);
    this.schedule();
  }

  /** A held deferred event gets the bytes the server's copy `e` has (true when it did). */
  private fill(rec: ConnRecord, e: TlslabEvent): boolean {
    if (isDeferred(e)) return false;
    const i = rec.events.findIndex((x) => x.seq === e.seq);
    if (i < 0 || !isDeferred(rec.events[i])) return false;
    rec.events[i] = e;
    return true;
  }

  /** A request for the deferred details of `conn` went out (`true`) or was answered with `events` (or failed: null). */
  detailsAsked(conn: string, loading: boolean, events: readonly TlslabEvent[] | null = null): void {
    const rec = this.conns.get(conn);
    if (!rec) return;
    rec.detailsLoading = loading;
    if (events) {
      this.merge(conn, events);
      // What the answer covers and still leaves deferred, the server no longer has (an empty answer: the connection is
      // gone from it); events that arrived live after it are not judged.
      const upTo = events.length > 0 ? events.reduce((m, e) => Math.max(m, e.seq), -1) : Infinity;
      for (const e of rec.events) if (e.seq <= upTo && isDeferred(e)) rec.detailsGone.add(e.seq);
    }
    this.pending.ids.add(conn);
    this.schedule();
  }

  /** The REST answer for this connection's events has been merged: what is still missing was evicted. */
  markFetched(conn: string): void {
    const rec = this.conns.get(conn);
    if (!rec || rec.fetched) return;
    rec.fetched = true;
    this.pending.ids.add(conn);
    this.schedule();
  }

  private addConn(id: string, summary: ConnectionSummary): ConnRecord {
    const rec: ConnRecord = newRecord(summary);
    this.conns.set(id, rec);
    this.order.push(id);
    this.newest = id;
    if (summary.student !== undefined) this.newestOf.set(summary.student.id, id);
    this.pending.structural = true;
    if (this.order.length > this.maxConnections) this.prune();
    return rec;
  }

  /** Forgets the oldest connections, down to 90% of the bound, so a page left open for days stays small. */
  private prune(): void {
    const drop = this.order.length - Math.floor(this.maxConnections * 0.9);
    for (const id of this.order.splice(0, drop)) {
      const who = this.conns.get(id)?.summary.student;
      if (who !== undefined && this.newestOf.get(who.id) === id) this.newestOf.delete(who.id);
      this.conns.delete(id);
    }
  }

  private addEvent(e: TlslabEvent, updateSummary: boolean): void {
    let rec = this.conns.get(e.conn);
    if (!rec) {
      rec = this.addConn(e.conn, reduceSummary(undefined, e));
      rec.derived = true;
    } else {
      if (rec.seqs.has(e.seq)) return;
      if (updateSummary || rec.derived) rec.summary = reduceSummary(rec.summary, e);
    }
    // The snapshot's room already counts the snapshot's events: only live ones are folded in.
    if (updateSummary && this.room !== null && applyRoomEvent(this.room, e, rec.summary) !== null) this.pending.room = true;
    rec.seqs.add(e.seq);
    const last = rec.events[rec.events.length - 1];
    rec.events.push(e);
    if (last && last.seq > e.seq) rec.events.sort((a, b) => a.seq - b.seq);
    this.pending.ids.add(e.conn);
  }

  /** Views are told once per animation frame, with everything that changed since. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const run = (): void => this.flush();
    if (typeof requestAnimationFrame === 'function' && document.visibilityState !== 'hidden') requestAnimationFrame(run);
    else setTimeout(run, 50);
  }

  flush(): void {
    this.scheduled = false;
    const c = this.pending;
    if (c.ids.size === 0 && !c.structural && !c.room) return;
    this.pending = { ids: new Set(), structural: false, room: false };
    for (const l of this.listeners) l(c);
  }
}

/** `c42` → 42, for a stable order among connections opened in the same millisecond. */
function seqOf(id: string): number {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) : 0;
}

function newRecord(summary: ConnectionSummary): ConnRecord {
  return { summary, events: [], seqs: new Set(), derived: false, fetched: false, detailsLoading: false, detailsGone: new Set() };
}
