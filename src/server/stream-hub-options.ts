// What the /ws stream hub is given (its limits, and the defaults of the optional ones) and what it reports for
// /api/health. Types and constants only; no I/O.
import type { EventBus } from '../events/bus';
import type { RoomStudent } from '../events/room';
import type { Logger } from '../log';

export interface StreamHubOptions {
  bus: EventBus;
  log: Logger;
  /** Max queued events per client (default 10,000). */
  clientQueue: number;
  /** Bytes buffered in a client's socket above which the hub stops writing to it (default 1 MiB). */
  highWater: number;
  /** Ping / heartbeat interval in ms (default 15,000); 0 turns it off. */
  heartbeatMs: number;
  /** Most events per `events` message (default 1,000). */
  maxBatch: number;
  /**
   * A snapshot carries the summaries of only this many of the newest matching connections (default 300) and their
   * total; older ones are paged in with `GET /api/connections?before=`. Keeps a view's first message small: 20,000
   * summaries are ~20 MB of JSON.
   */
  snapshotSummaries: number;
  /**
   * A snapshot carries the events of at most this many of the newest matching connections (default 20), newest
   * first while their JSON fits in `snapshotEventBytes`; the events of the others are one
   * `GET /api/connections/:id/events` away. A full history can be tens of MiB.
   */
  snapshotConnections: number;
  /** Most bytes of event JSON one snapshot carries (default 512 KiB); a connection that does not fit is left out. */
  snapshotEventBytes: number;
  /**
   * A viewer whose socket stays above `highWater` without draining for this long is closed with
   * `VIEWER_STALLED` (default 30,000 ms).
   */
  viewerStallMs?: number;
  /** Least time between two snapshots for one viewer; filter changes in between are coalesced (default 250 ms). */
  snapshotIntervalMs?: number;
  /** The room overview as of now, sent in the snapshots of whole-room viewers (absent: no `room` in snapshots). */
  room?: () => RoomStudent[];
}

export interface HubStats {
  clients: number;
  queued: number;
  dropped: number;
  queueCapacity: number;
  /** Snapshots built so far (one per connect, and at most one per drained backlog for filter changes). */
  snapshots: number;
  /** `filter` messages received so far. */
  filterMessages: number;
  /** Filter changes replaced by a later one before their snapshot was built. */
  filtersCoalesced: number;
  /** Bytes written to viewers' sockets and not yet sent (sum of `bufferedAmount`). */
  bufferedBytes: number;
  /** Viewers closed because they stopped reading (`VIEWER_STALLED`). */
  stalledDropped: number;
}

/** `viewerStallMs` when none is given. */
export const DEFAULT_VIEWER_STALL_MS = 30_000;
/** `snapshotIntervalMs` when none is given. */
export const DEFAULT_SNAPSHOT_INTERVAL_MS = 250;
