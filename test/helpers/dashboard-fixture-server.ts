// A stand-in for the dashboard server (src/server): serves index.html, /static/* and the compiled /js/*, replays events
// over /ws with the wire protocol, answers the REST API; it can send what the real one rarely does. Loopback, port 0.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TlslabEvent } from '../../src/events/schema';
import { STREAM_PROTOCOL_VERSION, type ServerMessage } from '../../src/events/stream';
import { reduceSummaries } from '../../src/events/summary';

const ROOT = resolve(__dirname, '../..');
const STATIC_DIR = join(ROOT, 'src/dashboard/static');
const JS_DIR = join(ROOT, 'dist/dashboard-src');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface FixtureServer {
  url: string;
  /** Everything emitted so far (the snapshot a new client gets). */
  history: TlslabEvent[];
  /** Appends events to history and sends them live to every connected page. */
  emit(events: TlslabEvent[]): void;
  /** Sends a gap message to every connected page. */
  gap(missed: number, fromSeq: number, toSeq: number, reason?: 'slow-consumer' | 'history-evicted'): void;
  /** Closes every WebSocket (the pages should reconnect). */
  dropClients(): void;
  clientCount(): number;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** Which history events go into a page's snapshot (all by default); the REST API always has them all. */
  inSnapshot?: (e: TlslabEvent) => boolean;
}

export async function startFixtureServer(initial: TlslabEvent[] = [], opts: FixtureOptions = {}): Promise<FixtureServer> {
  const history: TlslabEvent[] = [...initial];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    const json = (body: unknown): void => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === '/api/connections') return json([...reduceSummaries(history).values()]);
    if (path === '/api/replay') {
      // As a live tlslab answers: nothing is being replayed.
      res.writeHead(204);
      res.end();
      return;
    }
    const m = /^\/api\/connections\/([^/]+)\/events$/.exec(path);
    if (m) return json(history.filter((e) => e.conn === m[1]));
    let file: string | null = null;
    if (path === '/') file = join(STATIC_DIR, 'index.html');
    else if (path.startsWith('/static/')) file = inside(STATIC_DIR, path.slice('/static/'.length));
    else if (path.startsWith('/js/')) file = inside(JS_DIR, path.slice('/js/'.length));
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  const clients = new Set<WebSocket>();
  const send = (ws: WebSocket, m: ServerMessage): void => ws.send(JSON.stringify(m));
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    send(ws, { kind: 'hello', schema: 1, protocol: STREAM_PROTOCOL_VERSION, serverTime: Date.now(), historySize: history.length, filter: {} });
    const shown = opts.inSnapshot ? history.filter(opts.inSnapshot) : history;
    const summaries = [...reduceSummaries(history).values()];
    send(ws, { kind: 'snapshot', events: shown, summaries, total: summaries.length, evicted: history.length - shown.length });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    history,
    emit(events) {
      history.push(...events);
      for (const ws of clients) send(ws, { kind: 'events', events });
    },
    gap(missed, fromSeq, toSeq, reason = 'slow-consumer') {
      for (const ws of clients) send(ws, { kind: 'gap', missed, fromSeq, toSeq, reason });
    },
    dropClients() {
      for (const ws of clients) ws.terminate();
    },
    clientCount: () => clients.size,
    close: () =>
      new Promise<void>((r) => {
        for (const ws of clients) ws.terminate();
        wss.close();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** `rel` resolved under `dir`, or null when it would escape it. */
function inside(dir: string, rel: string): string | null {
  const p = normalize(join(dir, rel));
  return p.startsWith(dir + sep) ? p : null;
}

