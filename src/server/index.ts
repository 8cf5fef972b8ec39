// The dashboard server: HTTP (the page, its scripts, /api) and the /ws event stream, on its own port.
// I/O boundary: the listening socket; everything it serves comes from the bus or the static roots.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { EventBus } from '../events/bus';
import { filterFromQuery } from '../events/filter';
import { TlslabError } from '../errors';
import { silentLogger } from '../log';
import type { Logger } from '../log';
import { handleApi } from './api';
import { authorize, isLoopbackHost, tokenCookie, withoutToken } from './auth';
import { requestUrl, sendError } from './http-util';
import { defaultStaticRoots, serveFile } from './static-files';
import type { StaticRoots } from './static-files';
import { StreamHub } from './stream-hub';

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
  /** Connections whose events a snapshot carries (newest first; default 300). */
  snapshotConnections?: number;
  /** A viewer whose socket stays backed up without draining for this long is closed (default 30,000 ms). */
  viewerStallMs?: number;
  /** Where the page, assets and compiled scripts are read from (defaults: the repository's dashboard folders). */
  staticRoots?: Partial<StaticRoots>;
  /**
   * The pcapng of a connection (both legs, key log in a Decryption Secrets Block), or null when its capture is not
   * kept: served at `GET /api/connections/:id/pcapng`. Without it that route answers 404.
   */
  pcapng?: (id: string) => Uint8Array | null;
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
  const hub = new StreamHub({
    bus: opts.bus,
    log,
    clientQueue: opts.clientQueue ?? 10_000,
    highWater: opts.highWater ?? 1024 * 1024,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    maxBatch: opts.maxBatch ?? 1000,
    snapshotConnections: opts.snapshotConnections ?? 300,
    viewerStallMs: opts.viewerStallMs,
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.warn({ err: (err as Error).message }, 'dashboard request failed');
      if (!res.headersSent) sendError(res, 500, 'TLSLAB_ERR_INTERNAL', 'The dashboard server hit an error.');
      else res.destroy();
    });
  });

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
    if (handleApi(req, res, url, { bus: opts.bus, startedAt, streams: () => hub.stats(), pcapng: opts.pcapng })) return;
    if (req.method !== 'GET' && !head) {
      sendError(res, 405, 'method-not-allowed', 'Only GET and HEAD are served.', head, { Allow: 'GET, HEAD' });
      return;
    }
    const p = url.pathname;
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

  server.on('upgrade', (req, socket, headBytes) => {
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
    const auth = authorize(req, url, { token, bindHost: host, upgrade: true });
    if (!auth.ok) {
      refuse(auth.status, 'TLSLAB_ERR_AUTH', auth.message);
      return;
    }
    const filter = filterFromQuery(url.searchParams);
    wss.handleUpgrade(req, socket, headBytes, (ws) => hub.add(ws, filter));
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
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        hub.close();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
