// The dashboard server: HTTP (the page, its scripts, /api) and the /ws event stream, on its own port — and the same
// app for one student at http://tlslab/ through the proxy, scoped to their connections. I/O boundary: the sockets.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { EventBus } from '../events/bus';
import type { Student, TlslabEvent } from '../events/schema';
import { filterFromQuery } from '../events/filter';
import { TlslabError } from '../errors';
import { silentLogger } from '../log';
import type { Logger } from '../log';
import { handleApi } from './api';
import type { ReplayControl, SessionExportsApi } from './session-routes';
import type { LessonService } from '../lessons';
import { authorize, authorizeStudentUpgrade, isLoopbackHost, tokenCookie, withoutToken } from './auth';
import { requestUrl, sendError } from './http-util';
import { defaultStaticRoots, serveFile } from './static-files';
import type { StaticRoots } from './static-files';
import { StreamHub } from './stream-hub';
import { RoomTracker } from './room-tracker';
import { LessonProgress } from './lesson-progress';
import { studentScope, WHOLE_ROOM, type ViewScope } from './view-scope';

export interface DashboardServerOptions {
  bus: EventBus;
  /** Default 127.0.0.1. Any non-loopback address requires `token`. */
  host?: string;
  /** Default 8081; 0 picks a free port (tests). */
  port?: number;
  /** Access token; required when `host` is not a loopback address. */
  token?: string;
  log?: Logger;
  /** Max queued events per WebSocket client before the oldest are dropped (default 10,000). */
  clientQueue?: number;
  /** Ping + heartbeat interval in ms (default 15,000; 0 = off). */
  heartbeatMs?: number;
  /** Socket bytes buffered per client above which sending pauses (default 1 MiB). */
  highWater?: number;
  /** Most events per `events` message (default 1,000). */
  maxBatch?: number;
  /** Summaries a snapshot carries (the newest matching; default 300): its window. */
  snapshotSummaries?: number;
  /** Connections whose events a snapshot carries (newest first; default 20), within `snapshotEventBytes`. */
  snapshotConnections?: number;
  /** Most bytes of event JSON in one snapshot (default 512 KiB). */
  snapshotEventBytes?: number;
  /** A viewer whose socket stays backed up without draining for this long is closed (default 30,000 ms). */
  viewerStallMs?: number;
  /** Where the page, assets and compiled scripts are read from (defaults: the repository's dashboard folders). */
  staticRoots?: Partial<StaticRoots>;
  /**
   * The pcapng of a connection (both legs, key log in a Decryption Secrets Block), or null when its capture is not
   * kept: served at `GET /api/connections/:id/pcapng`. Without it that route answers 404.
   */
  pcapng?: (id: string) => Uint8Array | null;
  /** The session's exports (`GET /api/export.pcapng`, `GET /api/export.har`); without them those routes answer 404. */
  exports?: SessionExportsApi;
  /** `tlslab open`'s playback control, served at `/api/replay` (absent on a live tlslab). */
  replay?: ReplayControl;
  /** The lessons, served at `/api/lessons…` (without them those routes answer 404). */
  lessons?: LessonService;
  /** A connection's key schedule, served to whoever may see the connection at `/api/connections/:id/key-schedule`. */
  keySchedule?: (id: string) => unknown;
  /**
   * Fills in what the live stream left out of a connection's events (`deferred`: record and message bytes, field
   * trees) for `GET /api/connections/:id/events`, from the bytes tlslab still keeps. Without it they stay deferred.
   */
  details?: (id: string, events: readonly TlslabEvent[]) => TlslabEvent[];
  /**
   * The CA page (download and install steps) as HTML, served at `/ca` in a student's view. Without it `/ca` is a 404
   * there (the CA files themselves are served by the proxy at http://tlslab/tlslab-ca.pem, …).
   */
  caPage?: (req: http.IncomingMessage) => string;
}

export interface DashboardServer {
  /** The dashboard's address, without the token: safe to show anyone (it answers 401 without the token). */
  url: string;
  /**
   * The link that signs a browser in: `url` with `?token=` when a token is set (the page trades it for a cookie and
   * drops it from the address bar). For the instructor's screen only: never log it or put it in a page.
   */
  loginUrl: string;
  port: number;
  /**
   * A signed-in student's own view: the same page, scripts and API as the dashboard, for a request the proxy received
   * for http://tlslab/… (or https://tlslab/…). Only that student's connections, on every route. The caller (the proxy)
   * vouches for `student`; no token is asked.
   */
  studentView(req: http.IncomingMessage, res: http.ServerResponse, student: Student): void;
  /** The same view's WebSocket (`ws://tlslab/ws`): same-origin with http://tlslab (or https://tlslab) only. */
  studentViewUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer, student: Student): void;
  close(): Promise<void>;
}

export const DEFAULT_UI_PORT = 8081;

/** The address to show in a URL: unspecified binds are reached through loopback. */
function urlHost(host: string): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return h.includes(':') ? `[${h}]` : h;
}

export async function startDashboardServer(opts: DashboardServerOptions): Promise<DashboardServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? DEFAULT_UI_PORT;
  const token = opts.token !== undefined && opts.token !== '' ? opts.token : null;
  const log = (opts.log ?? silentLogger()).child({ component: 'dashboard' });
  if (token === null && !isLoopbackHost(host)) {
    throw new TlslabError('TLSLAB_ERR_USAGE', `The dashboard may listen on ${host} only with an access token (it shows decrypted traffic).`);
  }
  const roots: StaticRoots = { ...defaultStaticRoots(), ...opts.staticRoots };
  const startedAt = Date.now();
  const room = new RoomTracker(opts.bus);
  const hub = new StreamHub({
    bus: opts.bus,
    log,
    clientQueue: opts.clientQueue ?? 10_000,
    highWater: opts.highWater ?? 1024 * 1024,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    maxBatch: opts.maxBatch ?? 1000,
    snapshotSummaries: opts.snapshotSummaries ?? 300,
    snapshotConnections: opts.snapshotConnections ?? 20,
    snapshotEventBytes: opts.snapshotEventBytes ?? 512 * 1024,
    viewerStallMs: opts.viewerStallMs,
    room: () => room.rows(),
  });
  // Classroom mode: each student's lesson progress on the server, and the instructor's room told as it changes.
  const progress = opts.lessons === undefined ? undefined : new LessonProgress(opts.lessons, {
    onChange: (student, lessons) => {
      room.setLessons(student, lessons);
      hub.roomLessons(student, lessons);
    },
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

  const failed = (res: http.ServerResponse) => (err: unknown): void => {
    log.warn({ err: (err as Error).message }, 'dashboard request failed');
    if (!res.headersSent) sendError(res, 500, 'TLSLAB_ERR_INTERNAL', 'The dashboard server hit an error.');
    else res.destroy();
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch(failed(res));
  });

  /** The dashboard port: the access checks, then the whole room. */
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    const url = requestUrl(req.url);
    if (url === null) {
      sendError(res, 400, 'bad-request', 'The request target is not a valid URL.', head);
      return;
    }
    const auth = authorize(req, url, { token, bindHost: host, upgrade: false });
    if (!auth.ok) {
      sendError(res, auth.status, 'TLSLAB_ERR_AUTH', auth.message, head, auth.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      return;
    }
    if (token !== null && auth.presented?.source === 'query' && (url.pathname === '/' || url.pathname === '/index.html')) {
      // /?token=… : the token becomes an HttpOnly cookie and leaves the address bar (and the history) at once.
      res.writeHead(303, { Location: withoutToken(url), 'Set-Cookie': tokenCookie(token), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'Content-Length': '0' });
      res.end();
      return;
    }
    await serve(req, res, url, WHOLE_ROOM);
  }

  /** What both views serve: the API within `scope`, then the page, its assets and scripts. */
  async function serve(req: http.IncomingMessage, res: http.ServerResponse, url: URL, scope: ViewScope): Promise<void> {
    const head = req.method === 'HEAD';
    if (handleApi(req, res, url, { bus: opts.bus, startedAt, streams: () => hub.stats(), pcapng: opts.pcapng, exports: opts.exports, replay: opts.replay, lessons: opts.lessons, keySchedule: opts.keySchedule, details: opts.details, progress, scope, room: () => room.rows() })) return;
    if (req.method !== 'GET' && !head) {
      sendError(res, 405, 'method-not-allowed', 'Only GET and HEAD are served.', head, { Allow: 'GET, HEAD' });
      return;
    }
    const p = url.pathname;
    if (scope.student !== null && p === '/ca') {
      sendCaPage(req, res, head);
      return;
    }
    let root: string | null = null;
    let rest = '';
    if (p === '/' || p === '/index.html') {
      root = roots.staticDir;
      rest = 'index.html';
    } else if (p.startsWith('/static/')) {
      root = roots.staticDir;
      rest = p.slice('/static/'.length);
    } else if (p.startsWith('/js/')) {
      root = roots.jsDir;
      rest = p.slice('/js/'.length);
    }
    if (root === null) {
      sendError(res, 404, 'not-found', `Nothing at ${p.slice(0, 100)}.`, head);
      return;
    }
    const result = await serveFile(req, res, root, rest, roots);
    if (result === 'refused') sendError(res, 404, 'not-found', 'No such file.', head);
    else if (result === 'not-found') {
      const hint = root === roots.jsDir ? ' (run `npm run build` to compile the dashboard)' : '';
      sendError(res, 404, 'not-found', `No such file: ${p.slice(0, 100)}${hint}.`, head);
    }
  }

  /** `/ca` in a student's view: the CA page the proxy serves at http://tlslab/ without a sign-in. */
  function sendCaPage(req: http.IncomingMessage, res: http.ServerResponse, head: boolean): void {
    if (opts.caPage === undefined) {
      sendError(res, 404, 'not-found', 'No CA page here: download the CA at /tlslab-ca.pem.', head);
      return;
    }
    const body = opts.caPage(req);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(head ? undefined : body);
  }

  /**
   * Takes over a /ws upgrade once `allowed` has passed (the dashboard port's access check, or the student view's
   * origin check): the stream within `scope`.
   */
  function upgrade(req: http.IncomingMessage, socket: Socket, headBytes: Buffer, scope: ViewScope, allowed: (url: URL) => { ok: true } | { ok: false; status: number; message: string }): void {
    const url = requestUrl(req.url);
    const refuse = (status: number, code: string, message: string): void => {
      const body = JSON.stringify({ error: code, message });
      const reason = http.STATUS_CODES[status] ?? 'Error';
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    socket.on('error', () => socket.destroy());
    if (url === null) {
      refuse(400, 'bad-request', 'The request target is not a valid URL.');
      return;
    }
    if (url.pathname !== '/ws') {
      refuse(404, 'not-found', 'WebSocket endpoint is /ws.');
      return;
    }
    const auth = allowed(url);
    if (!auth.ok) {
      refuse(auth.status, 'TLSLAB_ERR_AUTH', auth.message);
      return;
    }
    const filter = filterFromQuery(url.searchParams);
    wss.handleUpgrade(req, socket, headBytes, (ws) => hub.add(ws, filter, scope));
  }

  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, headBytes: Buffer) => {
    upgrade(req, socket, headBytes, WHOLE_ROOM, (url) => authorize(req, url, { token, bindHost: host, upgrade: true }));
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new TlslabError('TLSLAB_ERR_LISTEN', `The dashboard could not listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log.warn({ err: err.message }, 'dashboard server error'));
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${urlHost(host)}:${actualPort}/`;
  const loginUrl = token !== null ? `${url}?token=${encodeURIComponent(token)}` : url;
  log.info({ url, token: token !== null }, 'dashboard listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    loginUrl,
    port: actualPort,
    studentView(req, res, student): void {
      const url = requestUrl(req.url);
      if (url === null) {
        sendError(res, 400, 'bad-request', 'The request target is not a valid URL.', req.method === 'HEAD');
        return;
      }
      serve(req, res, url, studentScope(student)).catch(failed(res));
    },
    studentViewUpgrade(req, socket, head, student): void {
      upgrade(req, socket, head, studentScope(student), () => authorizeStudentUpgrade(req));
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        room.close();
        hub.close();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
