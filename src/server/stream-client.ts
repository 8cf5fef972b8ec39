// One dashboard WebSocket client: its filter, its bounded queue, and sending in batches without ever
// letting its socket buffer grow past a bound. I/O boundary: ws.send and ws.bufferedAmount.
import type WebSocket from 'ws';
import type { TlslabEvent } from '../events/schema';
import type { ServerMessage, StreamFilter } from '../events/stream';
import { ClientQueue } from './client-queue';
import { scopeKey, WHOLE_ROOM, type ViewScope } from './view-scope';

/**
 * Encodes an `events` message once per flush pass, however many clients send it: `key` is null when the
 * batch cannot be shared (see `StreamClient.shareKey`).
 */
export type BatchEncoder = (key: string | null, batch: TlslabEvent[]) => Buffer;

export interface StreamClientOptions {
  queue: number;
  /** Stop sending while `ws.bufferedAmount` is above this many bytes. */
  highWater: number;
  /** Most events in one `events` message. */
  maxBatch: number;
  /** Called when the socket has drained some and this client may have more to send (events or a snapshot). */
  wake: () => void;
  /** Whose connections this viewer may see (default: the whole room). Fixed for the viewer's life. */
  scope?: ViewScope;
}

export class StreamClient {
  private currentFilter: StreamFilter;
  /**
   * Clients with the same scope and filter select the same events, so the same seq range with the same count is
   * the same batch and is encoded once. failures-only streams also carry backfills that depend on when the
   * client joined: never shared.
   */
  private shareKey: string | null;
  /** Live events with seq ≤ this were covered by the last snapshot. */
  minSeq = 0;
  /** failures-only: connections whose earlier events this client already has. */
  readonly seenFailed = new Set<string>();
  readonly queue: ClientQueue;
  /** Set by a pong; cleared at each heartbeat. */
  alive = true;
  sentEvents = 0;
  sentGaps = 0;
  /**
   * A filter change not applied yet: its snapshot waits until the previous snapshot has left and the socket is
   * below the high-water mark. A newer change replaces it (only the latest filter matters).
   */
  pendingFilter: StreamFilter | null = null;
  /** True from the moment a snapshot is handed to the socket until it has been written out. */
  snapshotInFlight = false;
  /** Snapshots built for this client; `lastSnapshotAt` when the last one was (ms, monotonic). */
  snapshots = 0;
  lastSnapshotAt = -Infinity;
  /** A timer that applies `pendingFilter` once the minimum interval between snapshots has passed. */
  snapshotTimer: ReturnType<typeof setTimeout> | null = null;
  /** Stall watch: since when the socket has stayed above the high-water mark without draining below `stallLow`. */
  stallSince: number | null = null;
  stallLow = 0;
  /**
   * Whole-room viewers: students whose lesson progress changed since this viewer's snapshot and was not sent yet
   * (latest state only, so at most one message per student waits).
   */
  readonly roomLessons = new Map<string, Extract<ServerMessage, { kind: 'room-lessons' }>>();
  /** Set once the hub has dropped this client (it sends nothing more). */
  dropped = false;
  /** Whose connections this viewer may see: checked on every event and snapshot, whatever the filter says. */
  readonly scope: ViewScope;
  private readonly opts: StreamClientOptions;
  private readonly onWritten: (err?: Error) => void;

  constructor(readonly ws: WebSocket, readonly id: number, filter: StreamFilter, opts: StreamClientOptions) {
    this.scope = opts.scope ?? WHOLE_ROOM;
    this.currentFilter = filter;
    this.shareKey = StreamClient.keyOf(this.scope, filter);
    this.opts = opts;
    this.queue = new ClientQueue(opts.queue);
    this.onWritten = () => {
      if (this.queue.hasWork || this.pendingFilter !== null || this.roomLessons.size > 0) this.opts.wake();
    };
  }

  get filter(): StreamFilter {
    return this.currentFilter;
  }

  set filter(f: StreamFilter) {
    this.currentFilter = f;
    this.shareKey = StreamClient.keyOf(this.scope, f);
  }

  private static keyOf(scope: ViewScope, f: StreamFilter): string | null {
    return f.failuresOnly === true ? null : JSON.stringify([scopeKey(scope), f.conn ?? null, f.host ?? null, f.client ?? null, f.student ?? null]);
  }

  get open(): boolean {
    return !this.dropped && this.ws.readyState === this.ws.OPEN;
  }

  /** True while the socket holds more unsent bytes than the high-water mark. */
  get backedUp(): boolean {
    return this.ws.bufferedAmount > this.opts.highWater;
  }

  /** Sends a control message (hello, snapshot, heartbeat) right away. */
  sendMessage(msg: ServerMessage): void {
    if (this.open) this.ws.send(JSON.stringify(msg), this.onWritten);
  }

  /** Sends a pre-serialized message (a Buffer is sent as a text frame without copying). */
  sendRaw(data: string | Buffer): void {
    if (this.open) this.ws.send(data, { binary: false }, this.onWritten);
  }

  /**
   * Sends a pre-serialized snapshot and marks it in flight until the socket has written it out; then the hub is
   * woken if a newer filter is waiting.
   */
  sendSnapshot(data: string): void {
    if (!this.open) return;
    this.snapshotInFlight = true;
    this.snapshots++;
    this.ws.send(data, { binary: false }, () => {
      this.snapshotInFlight = false;
      this.onWritten();
    });
  }

  /** May a snapshot be built for this client now (nothing of the last one unsent, socket below the high-water mark)? */
  get readyForSnapshot(): boolean {
    return this.open && !this.snapshotInFlight && !this.backedUp;
  }

  /**
   * Sends what is queued — a `gap` first if events were dropped — until the queue is empty or the socket
   * is backed up. When backed up, the write callback of the last send wakes the hub to try again.
   */
  flush(encode: BatchEncoder): void {
    for (const [id, msg] of this.roomLessons) {
      if (!this.open || this.backedUp) break;
      this.roomLessons.delete(id);
      this.sendMessage(msg);
    }
    while (this.open && this.queue.hasWork && !this.backedUp) {
      const gap = this.queue.takeGap();
      if (gap !== null) {
        this.sendMessage({ kind: 'gap', missed: gap.missed, fromSeq: gap.fromSeq, toSeq: gap.toSeq, reason: 'slow-consumer' });
        this.sentGaps++;
      }
      const batch = this.queue.take(this.opts.maxBatch);
      if (batch.length === 0) continue;
      const key = this.shareKey === null ? null : `${this.shareKey}|${batch[0].seq}|${batch[batch.length - 1].seq}|${batch.length}`;
      this.sendRaw(encode(key, batch));
      this.sentEvents += batch.length;
    }
  }
}
