// The session routes of the API: exports of the selected connections (`/api/export.pcapng`, `/api/export.har`) and the
// playback of `tlslab open` (`/api/replay`). I/O boundary: the request and response; the files come from the injected
// exports, the playback from the injected control (this layer imports neither).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventBus } from '../events/bus';
import { newestFirst } from '../events/summary';
import { checkQueryLength, connectionsQuery, matchesQuery } from './api-query';
import { sendError, sendJson } from './http-util';
import { inScope, type ViewScope } from './view-scope';

/** Builds the export files (src/record/session-exports.ts). */
export interface SessionExportsApi {
  /** The connections as one pcapng with their keys, or null when none has anything to write. */
  pcapng(ids: readonly string[]): Uint8Array | null;
  /** Their HTTP exchanges as HAR 1.2. */
  har(ids: readonly string[]): unknown;
}

/** The playback of a replayed capture (src/replay/player.ts). */
export interface ReplayControl {
  state(): unknown;
  /** `action`: play, pause, step or all; `speed`: the real-time factor. A sentence when the command is not valid. */
  command(action: string, speed: number | undefined): { ok: true; state: unknown } | { ok: false; message: string };
}

export interface SessionRoutesContext {
  bus: EventBus;
  scope: ViewScope;
  exports?: SessionExportsApi;
  replay?: ReplayControl;
}

/** Longest body of a playback command. */
const MAX_COMMAND = 1024;

/**
 * Handles the session routes; false for any other path. The exports take the same query as `/api/connections`
 * and hold, in a student's view, only that student's connections (the file carries the session keys).
 */
export function handleSessionRoutes(req: IncomingMessage, res: ServerResponse, url: URL, ctx: SessionRoutesContext): boolean {
  const p = url.pathname;
  const head = req.method === 'HEAD';
  if (p !== '/api/replay' && p !== '/api/export.pcapng' && p !== '/api/export.har') return false;
  const length = checkQueryLength(url);
  if (!length.ok) {
    sendError(res, 400, 'bad-request', length.message, head);
    return true;
  }
  if (p === '/api/replay') {
    if (ctx.scope.student !== null) sendError(res, 403, 'TLSLAB_ERR_AUTH', "The playback is the instructor's: it is on the dashboard.", head);
    else replayRoute(req, res, ctx.replay, head);
    return true;
  }
  if (req.method !== 'GET' && !head) {
    sendError(res, 405, 'method-not-allowed', 'The exports are read with GET.', false, { Allow: 'GET, HEAD' });
    return true;
  }
  const q = connectionsQuery(url);
  if (!q.ok) {
    sendError(res, 400, 'bad-request', q.message, head);
    return true;
  }
  if (!ctx.exports) {
    sendError(res, 404, 'not-found', 'This server has no exports.', head);
    return true;
  }
  const ids: string[] = [];
  for (const s of newestFirst(ctx.bus.summaries())) {
    if (!inScope(ctx.scope, s) || !matchesQuery(q.value, s)) continue;
    ids.push(s.id);
    if (ids.length >= q.value.limit) break;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  if (p === '/api/export.har') {
    sendJson(res, 200, ctx.exports.har(ids.reverse()), head, { 'Cache-Control': 'no-store', 'Content-Disposition': `attachment; filename="tlslab-${stamp}.har"` });
    return true;
  }
  const bytes = ids.length > 0 ? ctx.exports.pcapng(ids.reverse()) : null;
  if (bytes === null) {
    sendError(res, 404, 'not-found', 'None of the selected connections has a capture kept (too old, no TLS bytes, or none selected).', head);
    return true;
  }
  res.writeHead(200, {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="tlslab-${stamp}.pcapng"`,
    'Content-Length': String(bytes.length),
  });
  res.end(head ? undefined : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
  return true;
}

/**
 * `GET /api/replay`: the playback's state. `POST /api/replay` with `{"action": "play"|"pause"|"step"|"all",
 * "speed"?: n}` as `application/json` (a form on another site cannot send that type: no cross-site commands).
 */
function replayRoute(req: IncomingMessage, res: ServerResponse, replay: ReplayControl | undefined, head: boolean): void {
  if (!replay) {
    // A live tlslab: the page asks on every load, so the answer is a plain "nothing", not an error the browser logs.
    if (req.method === 'GET' || head) {
      res.writeHead(204, { 'Cache-Control': 'no-store' });
      res.end();
    } else sendError(res, 404, 'not-found', 'Nothing is being replayed: this is a live tlslab (`tlslab open FILE` replays a capture).', head);
    return;
  }
  if (req.method === 'GET' || head) {
    sendJson(res, 200, replay.state(), head);
    return;
  }
  if (req.method !== 'POST') {
    sendError(res, 405, 'method-not-allowed', 'Use GET for the state, POST to command.', false, { Allow: 'GET, HEAD, POST' });
    return;
  }
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    sendError(res, 415, 'bad-request', 'A playback command is JSON: Content-Type: application/json.');
    return;
  }
  let body = '';
  let tooLong = false;
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => {
    if (tooLong) return;
    body += chunk;
    if (body.length > MAX_COMMAND) {
      tooLong = true;
      sendError(res, 413, 'bad-request', `A playback command has at most ${MAX_COMMAND} characters.`, false, { Connection: 'close' });
      req.destroy();
    }
  });
  req.on('end', () => {
    if (tooLong) return;
    let cmd: { action?: unknown; speed?: unknown };
    try {
      cmd = JSON.parse(body) as typeof cmd;
    } catch {
      sendError(res, 400, 'bad-request', 'The command is not JSON.');
      return;
    }
    const speed = typeof cmd?.speed === 'number' ? cmd.speed : undefined;
    const r = replay.command(typeof cmd?.action === 'string' ? cmd.action : '', speed);
    if (r.ok) sendJson(res, 200, r.state);
    else sendError(res, 400, 'bad-request', r.message);
  });
}
