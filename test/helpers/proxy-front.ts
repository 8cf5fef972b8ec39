// Raw-socket clients and local origins for testing the proxy front (plain HTTP and WebSocket upgrades), on 127.0.0.1:0.
import http from 'node:http';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import { listenLocal, type Listening } from './listen';
import { rawText } from './origin';

export interface RawReply {
  /** Everything the proxy sent back, as latin1 text. */
  text: string;
  /** How the socket ended: the proxy closed it, it was reset, or the client gave up waiting. */
  end: 'closed' | 'reset' | 'timeout';
}

/**
 * Sends `bytes` to the proxy on a fresh socket and collects the answer until the proxy closes (or `waitMs` passes).
 * `end`: half-close after sending (FIN), as a minimal HTTP/1.0 client does.
 */
export function rawExchange(port: number, bytes: string | Buffer, opts: { end?: boolean; waitMs?: number } = {}): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let end: RawReply['end'] = 'closed';
    const timer = setTimeout(() => {
      end = 'timeout';
      s.destroy();
    }, opts.waitMs ?? 5000);
    s.on('connect', () => {
      s.write(bytes);
      if (opts.end) s.end();
    });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => s.end());
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') end = 'reset';
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), end });
    });
  });
}

export interface ParsedReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The first HTTP/1.x response in `text` (latin1, as rawExchange gives it); the body decoded as UTF-8, not de-chunked. */
export function parseReply(text: string): ParsedReply {
  const at = text.indexOf('\r\n\r\n');
  const head = (at < 0 ? text : text.slice(0, at)).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  return { status, headers, body: at < 0 ? '' : Buffer.from(text.slice(at + 4), 'latin1').toString('utf8') };
}

/** A WebSocket upgrade request as a client sends it to a proxy (`target`: a path with `host`, or an absolute URL). */
export function upgradeRequest(target: string, host: string, extra: string[] = []): string {
  return [`GET ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', ...extra, '', ''].join('\r\n');
}

export type FrontOrigin = Listening;

/**
 * A plain-HTTP origin: `/echo` answers with the request's method, URL and headers as JSON; `/silent` never answers;
 * `/reset` sends half a response and resets; anything else says hello. WebSocket: `/ws` echoes text and binary
 * messages, answers the text `big:N` with a binary message of N bytes; `/ws-silent` never answers the upgrade.
 */
export function startFrontOrigin(): Promise<FrontOrigin> {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/silent')) return;
    if (req.url === '/reset') {
      res.writeHead(200, { 'content-length': '100000' });
      res.write('x'.repeat(1000), () => req.socket.resetAndDestroy());
      return;
    }
    const body = req.url?.startsWith('/echo') ? JSON.stringify({ method: req.method, url: req.url, headers: req.headers }) : `hello ${req.url}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    if (req.url === '/ws-silent') return;
    wss.handleUpgrade(req, socket, head, (ws) =>
      // A client may send anything after its upgrade (tlslab relays it unchanged): ws reports bad frames as errors.
      ws.on('error', () => undefined).on('message', (m, isBinary) => {
        const big = !isBinary && /^big:(\d+)$/.exec(rawText(m));
        if (big) ws.send(Buffer.alloc(Number(big[1])), { binary: true });
        else ws.send(isBinary ? m : `echo: ${rawText(m)}`, { binary: isBinary });
      }),
    );
  });
  return listenLocal(server, () => wss.close());
}

/** A plain GET through the proxy (absolute form, as a client configured with a proxy sends it). */
export function getThroughProxy(proxyPort: number, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'GET', path: url, headers: { host: new URL(url).host, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A raw TCP origin that answers each request with the bytes `answer(path)` gives (then closes), whatever they are:
 * for servers that do not speak HTTP properly. The path is read from the request line as sent.
 */
export function startRawOrigin(answer: (path: string) => Buffer): Promise<FrontOrigin> {
  const server = net.createServer((s) => {
    let head = '';
    s.on('data', (d: Buffer) => {
      if (head.includes('\r\n')) return;
      head += d.toString('latin1');
      if (head.includes('\r\n')) s.end(answer(head.split(' ')[1] ?? '/'));
    });
  });
  return listenLocal(server);
}
