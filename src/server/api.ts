// The read-only HTTP API over the bus: connection summaries and a connection's events, for scripts and tests.
// I/O boundary: reads the bus, writes JSON to the response. Hostile URLs get a 400 (api-query.ts), never a throw.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../events/bus';
import { EVENT_SCHEMA_VERSION } from '../events/schema';
import type { ConnectionSummary } from '../events/stream';
import { matchesFilter } from '../events/filter';
import { newestFirst } from '../events/summary';
import { checkQueryLength, connectionId, connectionsQuery } from './api-query';
import { sendError, sendJson } from './http-util';
import type { HubStats } from './stream-hub';

export interface ApiContext {
  bus: EventBus;
  startedAt: number;
  /** The WebSocket stream's counters. */
  streams: () => HubStats;
  /** A connection's pcapng, or null when its capture is not kept (see `DashboardServerOptions.pcapng`). */
  pcapng?: (id: string) => Uint8Array | null;
}

/** Handles `/api/...`; returns false when the path is not an API path. */
export function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, ctx: ApiContext): boolean {
  const p = url.pathname;
  if (p !== '/api' && !p.startsWith('/api/')) return false;
  const head = req.method === 'HEAD';
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
    const { filter, limit } = q.value;
    const out: ConnectionSummary[] = [];
    for (const s of newestFirst(bus.summaries())) {
      if (!matchesFilter(filter, s)) continue;
      out.push(s);
      if (out.length >= limit) break;
    }
    sendJson(res, 200, out, head);
    return true;
  }
  const pm = /^\/api\/connections\/([^/]+)\/pcapng$/.exec(p);
  if (pm !== null) {
    sendPcapng(res, pm[1] as string, ctx, head);
    return true;
  }
  const m = /^\/api\/connections\/([^/]+)(\/events)?$/.exec(p);
  if (m !== null) {
    const checked = connectionId(m[1] as string);
    if (!checked.ok) {
      sendError(res, 400, 'bad-request', checked.message, head);
      return true;
    }
    const id = checked.value;
    const summary = bus.summary(id);
    const events = bus.eventsFor(id);
    if (summary === undefined && events.length === 0) {
      sendError(res, 404, 'not-found', `No connection "${id.slice(0, 64)}" is known (it may have been evicted).`, head);
      return true;
    }
    if (m[2] === undefined) {
      if (summary === undefined) sendError(res, 404, 'not-found', `The summary of "${id.slice(0, 64)}" was evicted; its events are still at /events.`, head);
      else sendJson(res, 200, summary, head);
    } else {
      sendJson(res, 200, events, head);
    }
    return true;
  }
  sendError(res, 404, 'not-found', `No API at ${p.slice(0, 100)}.`, head);
  return true;
}

/** `GET /api/connections/:id/pcapng`: the capture as a download; it carries the session keys (token-protected like all /api). */
function sendPcapng(res: ServerResponse, rawId: string, ctx: ApiContext, head: boolean): void {
  const checked = connectionId(rawId);
  if (!checked.ok) {
    sendError(res, 400, 'bad-request', checked.message, head);
    return;
  }
  const id = checked.value;
  const bytes = ctx.pcapng?.(id) ?? null;
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
