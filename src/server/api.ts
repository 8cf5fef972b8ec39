// The read-only HTTP API over the bus: connection summaries and a connection's events, for scripts and tests, within
// the view's scope. I/O boundary: reads the bus, writes JSON to the response. Hostile URLs get a 400, never a throw.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../events/bus';
import { EVENT_SCHEMA_VERSION, type TlslabEvent } from '../events/schema';
import type { ConnectionSummary } from '../events/stream';
import { newestFirst } from '../events/summary';
import { checkQueryLength, connectionId, connectionsQuery, matchesQuery } from './api-query';
import { sendError, sendJson } from './http-util';
import type { HubStats } from './stream-hub';
import type { RoomStudent } from '../events/room';
import { inScope, type ViewScope } from './view-scope';
import { handleSessionRoutes, type ReplayControl, type SessionExportsApi } from './session-routes';
import { handleLessonRoutes } from './lesson-routes';
import type { LessonProgress } from './lesson-progress';
import { handleProgressRoutes } from './progress-routes';
import type { LessonService } from '../lessons';

export interface ApiContext {
  bus: EventBus;
  startedAt: number;
  /** The WebSocket stream's counters. */
  streams: () => HubStats;
  /** A connection's pcapng, or null when its capture is not kept (see `DashboardServerOptions.pcapng`). */
  pcapng?: (id: string) => Uint8Array | null;
  /** Whose connections this request may read: a student's view sees only their own, on every route. */
  scope: ViewScope;
  /** The room overview (`GET /api/room`, whole-room views only). */
  room: () => RoomStudent[];
  /** Session exports (`/api/export.pcapng`, `/api/export.har`); without them those routes answer 404. */
  exports?: SessionExportsApi;
  /** `tlslab open`'s playback (`/api/replay`); absent on a live tlslab. */
  replay?: ReplayControl;
  /** The lessons (`/api/lessons…`); without them those routes answer 404. */
  lessons?: LessonService;
  /** A connection's key schedule (`/api/connections/:id/key-schedule`), or null when its capture is not kept. */
  keySchedule?: (id: string) => unknown;
  /** A connection's events with their deferred bytes and field trees filled in where still kept (see DashboardServerOptions). */
  details?: (id: string, events: readonly TlslabEvent[]) => TlslabEvent[];
  /** The students' lesson progress (`/api/lessons/progress`, `/api/lessons/:id/answer`, a student's view only). */
  progress?: LessonProgress;
}

/** Routes that describe the whole room, not one's own connections: a student's view gets a 403 for them. */
const ROOM_ONLY = new Set(['/api/health', '/api/room']);

/** Handles `/api/...`; returns false when the path is not an API path. */
export function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): boolean {
  const p = url.pathname;
  if (p !== '/api' && !p.startsWith('/api/')) return false;
  const head = req.method === 'HEAD';
  if (handleSessionRoutes(req, res, url, ctx)) return true;
  if (handleProgressRoutes(req, res, url, ctx)) return true;
  if (handleLessonRoutes(req, res, url, ctx)) return true;
  if (req.method !== 'GET' && !head) {
    sendError(res, 405, 'method-not-allowed', 'The API is read-only: use GET.', false, { Allow: 'GET, HEAD' });
    return true;
  }
  const { bus } = ctx;
  const length = checkQueryLength(url);
  if (!length.ok) {
    sendError(res, 400, 'bad-request', length.message, head);
    return true;
  }
  if (ctx.scope.student !== null && ROOM_ONLY.has(p)) {
    sendError(res, 403, 'TLSLAB_ERR_AUTH', `${p} describes the whole room: it is on the instructor's dashboard. Your view serves your own connections only.`, head);
    return true;
  }
  if (p === '/api/room') {
    if (url.search !== '') {
      sendError(res, 400, 'bad-request', '/api/room takes no query parameters.', head);
      return true;
    }
    sendJson(res, 200, ctx.room(), head);
    return true;
  }
  if (p === '/api/health') {
    sendJson(res, 200, {
      ok: true,
      schema: EVENT_SCHEMA_VERSION,
      uptimeMs: Math.round(Date.now() - ctx.startedAt),
      seq: bus.seq,
      history: {
        events: bus.history.size, bytes: Math.round(bus.history.bytes), evicted: bus.history.evicted, capped: bus.history.capped,
        maxEvents: bus.history.maxEvents, maxBytes: bus.history.maxBytes, maxConnEvents: bus.history.maxConnEvents, maxConnBytes: bus.history.maxConnBytes,
      },
      connections: bus.connectionCount,
      forgotten: { connections: bus.forgottenConnections, open: bus.forgottenOpenConnections, maxConnections: bus.maxConnections },
      streams: ctx.streams(),
      subscriberErrors: bus.subscriberErrors,
    }, head);
    return true;
  }
  if (p === '/api/connections') {
    const q = connectionsQuery(url);
    if (!q.ok) {
      sendError(res, 400, 'bad-request', q.message, head);
      return true;
    }
    const { limit, before } = q.value;
    const matching = newestFirst(bus.summaries().filter((s) => inScope(ctx.scope, s) && matchesQuery(q.value, s)));
    const from = before === null ? 0 : cursorIndex(matching, before, bus.summary(before), ctx.scope);
    if (from === null) {
      sendError(res, 404, 'not-found', `No connection "${before?.slice(0, 64) ?? ''}" is known (it may have been forgotten): page again from the newest.`, head);
      return true;
    }
    sendJson(res, 200, matching.slice(from, from + limit), head);
    return true;
  }
  const pm = /^\/api\/connections\/([^/]+)\/pcapng$/.exec(p);
  if (pm !== null) {
    sendPcapng(res, pm[1], ctx, head);
    return true;
  }
  const m = /^\/api\/connections\/([^/]+)(\/events)?$/.exec(p);
  if (m !== null) {
    const checked = connectionId(m[1]);
    if (!checked.ok) {
      sendError(res, 400, 'bad-request', checked.message, head);
      return true;
    }
    const id = checked.value;
    const summary = bus.summary(id);
    // Out of scope answers exactly as unknown: a student cannot even learn that another's connection exists.
    const events = inScope(ctx.scope, summary) ? bus.eventsFor(id) : [];
    if ((summary === undefined || !inScope(ctx.scope, summary)) && events.length === 0) {
      sendError(res, 404, 'not-found', `No connection "${id.slice(0, 64)}" is known (it may have been evicted).`, head);
      return true;
    }
    if (m[2] === undefined) {
      if (summary === undefined) sendError(res, 404, 'not-found', `The summary of "${id.slice(0, 64)}" was evicted; its events are still at /events.`, head);
      else sendJson(res, 200, summary, head);
    } else {
      // The live stream leaves bytes and field trees out (`deferred`); whoever asks for a connection gets them.
      sendJson(res, 200, ctx.details && !head ? ctx.details(id, events) : events, head);
    }
    return true;
  }
  sendError(res, 404, 'not-found', `No API at ${p.slice(0, 100)}.`, head);
  return true;
}

/**
 * Where the page after connection `before` starts in `matching` (newest first): right after it when it is listed;
 * when it is kept and visible but no longer matches the filter, at the first connection that opened before it; null
 * when it is unknown, forgotten or another student's (answered as unknown).
 */
function cursorIndex(matching: readonly ConnectionSummary[], before: string, summary: ConnectionSummary | undefined, scope: ViewScope): number | null {
  const at = matching.findIndex((s) => s.id === before);
  if (at >= 0) return at + 1;
  if (summary === undefined || !inScope(scope, summary)) return null;
  const older = matching.findIndex((s) => s.openedAt < summary.openedAt);
  return older < 0 ? matching.length : older;
}

/** `GET /api/connections/:id/pcapng`: the capture as a download; it carries the session keys (token-protected like all /api). */
function sendPcapng(res: ServerResponse, rawId: string, ctx: ApiContext, head: boolean): void {
  const checked = connectionId(rawId);
  if (!checked.ok) {
    sendError(res, 400, 'bad-request', checked.message, head);
    return;
  }
  const id = checked.value;
  // The capture holds the session keys: a student downloads their own connections' only.
  const bytes = inScope(ctx.scope, ctx.bus.summary(id)) ? (ctx.pcapng?.(id) ?? null) : null;
  if (bytes === null) {
    sendError(res, 404, 'not-found', `No capture of "${id.slice(0, 64)}" is kept (unknown, too old, or no TLS bytes recorded).`, head);
    return;
  }
  const name = `tlslab-${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64)}.pcapng`;
  res.writeHead(200, {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${name}"`,
    'Content-Length': String(bytes.length),
  });
  res.end(head ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}
