// A viewer's snapshot as one JSON message: the newest summaries it may see, the kept events of the newest of those
// connections while they fit, and the room for whole-room viewers. Reads the bus; I/O: none (the hub sends it).
import type { EventBus } from '../events/bus';
import type { ConnectionSummary, StreamFilter } from '../events/stream';
import { matchesFilter } from '../events/filter';
import { newestFirst } from '../events/summary';
import type { StreamHubOptions } from './stream-hub-options';
import { inScope, type ViewScope } from './view-scope';

/** How much a snapshot carries, and the room it may include (the hub's options). */
export type SnapshotLimits = Pick<StreamHubOptions, 'snapshotSummaries' | 'snapshotConnections' | 'snapshotEventBytes' | 'room'>;

/**
 * The snapshot for filter `f` within `scope`, as of the bus's current seq. failures-only: every connection it counts
 * is added to `seenFailed`, so the live stream does not send its earlier events again.
 */
export function snapshotMessage(bus: EventBus, f: StreamFilter, scope: ViewScope, seenFailed: Set<string>, limits: SnapshotLimits): string {
  const summaries: ConnectionSummary[] = [];
  for (const s of bus.summaries()) {
    if (!inScope(scope, s) || !matchesFilter(f, s)) continue;
    summaries.push(s);
    if (f.failuresOnly === true) seenFailed.add(s.id);
  }
  const newest = newestFirst(summaries).slice(0, limits.snapshotSummaries);
  // A connection asked for by id is sent even when its summary was forgotten (its events may still be kept), to
  // the whole room's viewers only: nobody can tell whose it was. Other forgotten connections are not sent.
  const byId = scope.student === null && f.conn !== undefined && f.host === undefined && f.client === undefined && f.student === undefined && f.failuresOnly !== true ? f.conn : null;
  const ids = newest.slice(0, limits.snapshotConnections).map((s) => s.id);
  if (byId !== null && !ids.includes(byId)) ids.unshift(byId);
  const events = snapshotEvents(bus, ids, limits.snapshotEventBytes);
  const room = scope.student === null && limits.room !== undefined ? `,"room":${JSON.stringify(limits.room())}` : '';
  return `{"kind":"snapshot","filter":${JSON.stringify(f)},"events":[${events}],"summaries":${JSON.stringify(newest)},"total":${summaries.length},"evicted":${bus.history.evicted}${room}}`;
}

/**
 * The kept events of connections `ids` (newest connection first), as JSON array items in `seq` order: whole
 * connections only, while they fit in `maxBytes`; one that does not fit is skipped (a smaller, older one may still
 * fit).
 */
function snapshotEvents(bus: EventBus, ids: readonly string[], maxBytes: number): string {
  const chosen: { seq: number; json: string }[] = [];
  let bytes = 0;
  for (const id of ids) {
    const items = bus.eventsFor(id).map((e) => ({ seq: e.seq, json: JSON.stringify(e) }));
    const size = items.reduce((n, x) => n + x.json.length + 1, 0);
    if (bytes + size > maxBytes) continue;
    bytes += size;
    chosen.push(...items);
  }
  return chosen.sort((a, b) => a.seq - b.seq).map((x) => x.json).join(',');
}
