// The /ws stream: one bus subscription fanned out to every dashboard client — hello, snapshot, then live
// batches in seq order, per-client scopes and filters, bounded queues, snapshots paced by each viewer's backlog,
// heartbeat, and dropping viewers that stop reading. I/O boundary: the ws sockets.
import type WebSocket from 'ws';
import { EVENT_SCHEMA_VERSION } from '../events/schema';
import type { TlslabEvent } from '../events/schema';
import { STREAM_PROTOCOL_VERSION, type StreamFilter } from '../events/stream';
import type { RoomLessons } from '../events/room';
import type { Student } from '../events/schema';
import { matchesIdentity, normalizeFilter } from '../events/filter';
import { isFailure } from '../events/summary';
import type { Logger } from '../log';
import { StreamClient } from './stream-client';
import { inScope, WHOLE_ROOM, type ViewScope } from './view-scope';
import { DEFAULT_SNAPSHOT_INTERVAL_MS, DEFAULT_VIEWER_STALL_MS, type HubStats, type StreamHubOptions } from './stream-hub-options';
import { closeStalled, hasStalled } from './viewer-stall';
import { snapshotMessage } from './stream-snapshot';
import { passEncoder } from './event-batches';
import { decodeClientMessage } from './client-message';

// Re-exported: the server, its API and the tests import the hub's options, stats and close code from here.
export type { HubStats, StreamHubOptions } from './stream-hub-options';
export { DEFAULT_SNAPSHOT_INTERVAL_MS, DEFAULT_VIEWER_STALL_MS } from './stream-hub-options';
export { VIEWER_STALLED } from './viewer-stall';

/** failures-only clients remember this many connection ids whose earlier events they already received. */
const MAX_SEEN_FAILED = 50_000;

export class StreamHub {
  private readonly clients = new Set<StreamClient>();
  private readonly unsubscribe: () => void;
  private flushScheduled = false;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private nextId = 1;
  private closed = false;
  private droppedByGone = 0;
  private snapshotsBuilt = 0;
  private coalesced = 0;
  private filterMessages = 0;
  private stalled = 0;
  private readonly stallMs: number;
  private readonly snapshotIntervalMs: number;
  private readonly stallWatch: ReturnType<typeof setInterval>;

  constructor(private readonly opts: StreamHubOptions) {
    this.stallMs = Math.max(1, opts.viewerStallMs ?? DEFAULT_VIEWER_STALL_MS);
    this.snapshotIntervalMs = Math.max(0, opts.snapshotIntervalMs ?? DEFAULT_SNAPSHOT_INTERVAL_MS);
    this.unsubscribe = opts.bus.subscribe((e) => this.onEvent(e));
    if (opts.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.beat(), opts.heartbeatMs);
      this.heartbeat.unref();
    }
    this.stallWatch = setInterval(() => this.watchStalls(), Math.min(1000, Math.max(20, this.stallMs / 4)));
    this.stallWatch.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** For /api/health: clients, events waiting in their queues, and events dropped for slow clients so far. */
  stats(): HubStats {
    let queued = 0;
    let dropped = this.droppedByGone;
    let bufferedBytes = 0;
    for (const c of this.clients) {
      queued += c.queue.length;
      dropped += c.queue.dropped;
      bufferedBytes += c.ws.bufferedAmount;
    }
    return {
      clients: this.clients.size,
      queued,
      dropped,
      queueCapacity: this.opts.clientQueue,
      snapshots: this.snapshotsBuilt,
      filterMessages: this.filterMessages,
      filtersCoalesced: this.coalesced,
      bufferedBytes,
      stalledDropped: this.stalled,
    };
  }

  /**
   * Takes over an upgraded socket: hello, snapshot, then live events. `scope`: whose connections it may see (the
   * whole room unless the server says otherwise; no message from the viewer can widen it).
   */
  add(ws: WebSocket, filter: StreamFilter, scope: ViewScope = WHOLE_ROOM): StreamClient {
    const client = new StreamClient(ws, this.nextId++, filter, {
      queue: this.opts.clientQueue,
      highWater: this.opts.highWater,
      maxBatch: this.opts.maxBatch,
      wake: () => this.schedule(),
      scope,
    });
    this.clients.add(client);
    const log = this.opts.log.child({ wsClient: client.id });
    log.debug({ filter, student: scope.student?.id }, 'dashboard client connected');
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => this.onMessage(client, data, isBinary, log));
    ws.on('close', () => {
      this.forget(client);
      log.debug({ sentEvents: client.sentEvents, dropped: client.queue.dropped }, 'dashboard client gone');
    });
    ws.on('error', (err) => log.debug({ err: err.message }, 'dashboard client socket error'));
    client.sendMessage({
      kind: 'hello', schema: EVENT_SCHEMA_VERSION, protocol: STREAM_PROTOCOL_VERSION, serverTime: Date.now(), historySize: this.opts.bus.history.size, filter,
      ...(scope.student !== null ? { student: scope.student } : {}),
    });
    this.sendSnapshot(client);
    return client;
  }

  /** Removes a client from the fan-out (closed, or dropped), keeping its dropped-event count. */
  private forget(client: StreamClient): void {
    if (client.snapshotTimer !== null) clearTimeout(client.snapshotTimer);
    client.snapshotTimer = null;
    if (this.clients.delete(client)) this.droppedByGone += client.queue.dropped;
  }

  /**
   * Applies a waiting filter change when the viewer can take a snapshot: nothing of its previous snapshot is
   * unsent, its socket is below the high-water mark, and the minimum interval has passed. Otherwise it waits:
   * the socket's write callbacks or the interval timer call this again.
   */
  private trySnapshot(client: StreamClient): void {
    const next = client.pendingFilter;
    if (next === null || !this.clients.has(client) || !client.readyForSnapshot) return;
    const wait = client.lastSnapshotAt + this.snapshotIntervalMs - performance.now();
    if (wait > 0) {
      client.snapshotTimer ??= setTimeout(() => {
        client.snapshotTimer = null;
        this.trySnapshot(client);
      }, Math.ceil(wait));
      return;
    }
    client.pendingFilter = null;
    client.filter = next;
    this.sendSnapshot(client);
  }

  /**
   * Everything is synchronous here: the snapshot is taken in the same turn as `minSeq` is set, so no event
   * can fall between the snapshot and the live stream, and none is sent twice (live events with
   * seq ≤ minSeq are dropped by onEvent).
   */
  private sendSnapshot(client: StreamClient): void {
    const { bus } = this.opts;
    const f = client.filter;
    const scope = client.scope;
    client.queue.clear();
    client.seenFailed.clear();
    client.roomLessons.clear(); // the snapshot's room holds them
    client.minSeq = bus.seq;
    client.lastSnapshotAt = performance.now();
    this.snapshotsBuilt++;
    client.sendSnapshot(snapshotMessage(bus, f, scope, client.seenFailed, this.opts));
  }

  private onEvent(e: TlslabEvent): void {
    if (this.clients.size === 0) return;
    const summary = this.opts.bus.summary(e.conn);
    let queued = false;
    for (const c of this.clients) {
      // A viewer waiting for a new filter's snapshot gets this event in it (it is in history) or not at all.
      if (e.seq <= c.minSeq || c.pendingFilter !== null) continue;
      const f = c.filter;
      if (!inScope(c.scope, summary) || !matchesIdentity(f, e.conn, summary)) continue;
      if (f.failuresOnly === true) {
        if (summary === undefined || !isFailure(summary)) continue;
        if (!c.seenFailed.has(e.conn)) this.backfill(c, e);
      }
      c.queue.push(e);
      queued = true;
    }
    if (queued) this.schedule();
  }

  /**
   * A student's lesson progress changed: every whole-room viewer gets it (`room-lessons`) on the next flush. Progress
   * is a whole state, so a backed-up viewer holds only the latest per student, never a backlog of them.
   */
  roomLessons(student: Student, lessons: RoomLessons): void {
    const msg = { kind: 'room-lessons' as const, student: { id: student.id, name: student.name }, lessons };
    let queued = false;
    for (const c of this.clients) {
      if (c.scope.student !== null) continue;
      c.roomLessons.set(student.id, msg);
      queued = true;
    }
    if (queued) this.schedule();
  }

  /** failures-only: a connection just failed; send its earlier events (in seq order) before this one. */
  private backfill(c: StreamClient, e: TlslabEvent): void {
    c.seenFailed.add(e.conn);
    if (c.seenFailed.size > MAX_SEEN_FAILED) {
      const oldest = c.seenFailed.values().next().value;
      if (oldest !== undefined) c.seenFailed.delete(oldest);
    }
    for (const earlier of this.opts.bus.eventsFor(e.conn)) {
      if (earlier.seq >= e.seq) break;
      c.queue.push(earlier);
    }
  }

  private schedule(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushAll());
  }

  /** One pass over all clients; each event is serialized, and each shared batch encoded, at most once per pass. */
  private flushAll(): void {
    this.flushScheduled = false;
    const encode = passEncoder();
    for (const c of this.clients) {
      try {
        if (c.pendingFilter !== null) this.trySnapshot(c);
        else c.flush(encode);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message, wsClient: c.id }, 'sending to a dashboard client failed');
        c.ws.terminate();
      }
    }
  }

  private onMessage(client: StreamClient, data: WebSocket.RawData, isBinary: boolean, log: Logger): void {
    const msg = decodeClientMessage(data, isBinary);
    if (msg === undefined) {
      log.debug('ignored a malformed client message');
      return;
    }
    if (msg === null || typeof msg !== 'object') return;
    if (msg.kind === 'filter') {
      // Only the latest filter matters: what was queued for the old one, or an older change not yet applied, goes.
      this.filterMessages++;
      if (client.pendingFilter !== null) this.coalesced++;
      client.pendingFilter = normalizeFilter(msg.filter);
      client.queue.clear();
      this.trySnapshot(client);
    } else if (msg.kind === 'ping') {
      if (!client.backedUp) client.sendMessage({ kind: 'heartbeat', t: Date.now() });
    }
  }

  /**
   * Drops viewers that stopped reading: a socket above the high-water mark whose backlog has not shrunk below
   * its lowest level for `viewerStallMs`. Memory is bounded without this (nothing more is written to a backed-up
   * socket); this frees the connection and tells the viewer why.
   */
  private watchStalls(): void {
    const now = performance.now();
    for (const c of this.clients) {
      const buffered = c.ws.bufferedAmount;
      if (hasStalled(c, buffered, now, this.opts.highWater, this.stallMs)) this.dropStalled(c, buffered);
    }
  }

  private dropStalled(c: StreamClient, buffered: number): void {
    this.stalled++;
    this.opts.log.warn({ wsClient: c.id, bufferedBytes: buffered, stalledMs: this.stallMs }, 'dashboard viewer stopped reading: closed');
    this.forget(c);
    closeStalled(c);
  }

  private beat(): void {
    const t = Date.now();
    for (const c of this.clients) {
      // A backed-up viewer cannot answer a ping stuck behind its backlog: the stall watch judges it instead.
      if (!c.alive && !c.backedUp) {
        this.opts.log.debug({ wsClient: c.id }, 'dashboard client missed a pong: terminated');
        c.ws.terminate();
        this.forget(c);
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        /* closing */
      }
      if (!c.backedUp) c.sendMessage({ kind: 'heartbeat', t });
    }
  }

  /** Unsubscribes from the bus and closes every client socket. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    clearInterval(this.stallWatch);
    for (const c of this.clients) {
      if (c.snapshotTimer !== null) clearTimeout(c.snapshotTimer);
      c.ws.terminate();
    }
    this.clients.clear();
  }
}
