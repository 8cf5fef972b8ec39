// The proxy's front door, built on http-mitm-proxy (pinned 1.1.0): plain HTTP proxying and WebSocket plumbing
// stay with it; CONNECT is taken over in its onConnect hook (src/proxy/tunnel.ts). I/O: the listening socket.
import type net from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Proxy, type IContext } from 'http-mitm-proxy';
import type { ProxyContext } from './context';
import { handleConnect } from './tunnel';
import { ConnectionSession } from '../capture/session';
import { TlslabError } from '../errors';

import { MAGIC_HOST } from './magic-host';
import { shownHeaderValue } from '../capture/redact';

/**
 * http-mitm-proxy makes (and writes to disk) a CA of its own when it starts, and would mint a key per host with it.
 * Every CONNECT is ours, so that CA would never sign anything: hand it an inert stand-in instead, so no second CA
 * key is ever generated or written. This touches an internal of the pinned version (see DESIGN.md).
 */
function adoptNoCa(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('http-mitm-proxy/dist/lib/ca') as { default: { create: (dir: string, cb: (err: Error | null, ca?: unknown) => void) => void } };
  mod.default.create = (_dir, cb) => cb(null, {
    generateServerCertificateKeys() {
      throw new Error('tlslab owns every TLS leg: http-mitm-proxy must not mint certificates');
    },
    getCACertPath: () => '',
  });
}

type MitmInternals = {
  onErrorHandlers: ((ctx: IContext | null, err: Error | undefined, kind: string) => void)[];
  _onError(kind: string, ctx: IContext | null, err: Error): void;
  _onSocketError(description: string, err: NodeJS.ErrnoException): void;
};

/**
 * http-mitm-proxy prints every error with console.error (and resets with console.debug). Route them to our
 * logger instead, keeping its behaviour otherwise (handlers, then a 504 if nobody answered). Internal of 1.1.0.
 */
function quiet(proxy: Proxy, log: ProxyContext['log']): void {
  const p = proxy as unknown as MitmInternals;
  p._onSocketError = (description, err) => {
    if (err.code === 'ECONNRESET') log.debug({ description }, 'connection reset');
    else p._onError(`${description}_ERROR`, null, err);
  };
  p._onError = (kind, ctx, err) => {
    log.debug({ kind, err: err?.message }, 'http-mitm-proxy error');
    for (const h of p.onErrorHandlers) h(ctx, err, kind);
    if (!ctx) return;
    const c = ctx as unknown as { onErrorHandlers: MitmInternals['onErrorHandlers'] };
    for (const h of c.onErrorHandlers) h(ctx, err, kind);
    const res = ctx.proxyToClientResponse;
    if (res && !res.headersSent) res.writeHead(504, 'Proxy Error');
    if (res && !res.writableEnded) res.end(`${kind}: ${err}`, 'utf8');
  };
}

export type MagicHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FrontOptions {
  host: string;
  port: number;
  /** Serves http://tlslab/… and requests made to the proxy's own address. */
  magic: MagicHandler;
}

export class ProxyFront {
  private readonly proxy = new Proxy();
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly ctx: ProxyContext, private readonly opts: FrontOptions) {}

  async listen(): Promise<void> {
    adoptNoCa();
    const proxy = this.proxy;
    quiet(proxy, this.ctx.log);
    proxy.onError((pctx, err, kind) => {
      const res = pctx?.proxyToClientResponse;
      if (res && !res.headersSent && !res.writableEnded) {
        res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(`tlslab: could not reach ${pctx?.clientToProxyRequest?.headers.host ?? 'the server'}: ${err?.message ?? kind}\n`);
      }
    });
    proxy.onConnect((req, socket, head, _callback) => {
      // Never call back: the tunnel is ours from here (http-mitm-proxy would otherwise answer and mint its own leaf).
      const s = socket as net.Socket;
      // http-mitm-proxy prints every error of a CONNECT socket (console.error, console.debug); the tunnel reads them itself.
      s.removeAllListeners('error');
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
      handleConnect(this.ctx, req, s, head as Buffer).catch((err: unknown) => {
        this.ctx.log.error({ err: err instanceof Error ? err.message : String(err) }, 'tunnel failed');
        s.destroy();
      });
    });
    proxy.onRequest((pctx, callback) => this.onRequest(pctx, callback));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void =>
        reject(new TlslabError('TLSLAB_ERR_LISTEN', `cannot listen on ${this.opts.host}:${this.opts.port} for the proxy: ${err.code ?? err.message}`));
      proxy.listen({ host: this.opts.host, port: this.opts.port, keepAlive: true }, () => {
        const server = (proxy as unknown as { httpServer: import('node:http').Server }).httpServer;
        server.off('error', onError);
        server.on('connection', (s: net.Socket) => {
          this.sockets.add(s);
          s.once('close', () => this.sockets.delete(s));
        });
        this.port = (proxy as unknown as { httpPort: number }).httpPort;
        resolve();
      });
      const server = (proxy as unknown as { httpServer?: import('node:http').Server }).httpServer;
      server?.once('error', onError);
    });
  }

  private onRequest(pctx: IContext, callback: (err?: Error | null) => void): void {
    const req = pctx.clientToProxyRequest;
    const res = pctx.proxyToClientResponse;
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    const host = hostHeader.replace(/:\d+$/, '');
    const port = Number(/:(\d+)$/.exec(hostHeader)?.[1] ?? 80);
    // A browser pointed at the proxy's own address (not through it) gets the CA page instead of a proxy loop.
    const direct = !pctx.isSSL && port === this.port && this.isOwnAddress(host);
    if (host === MAGIC_HOST || direct) {
      this.opts.magic(req, res);
      return;
    }
    this.observePlainHttp(pctx);
    callback();
  }

  private isOwnAddress(host: string): boolean {
    return host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || host === this.opts.host;
  }

  /** Plain HTTP through the proxy: one connection entry per request, with its request and response. */
  private observePlainHttp(pctx: IContext): void {
    const req = pctx.clientToProxyRequest;
    const session = new ConnectionSession(this.ctx.bus, this.ctx.sessionOptions);
    const [hostName, portText] = (req.headers.host ?? '').split(':');
    session.emit({
      type: 'conn:open',
      client: { address: req.socket.remoteAddress ?? '?', port: req.socket.remotePort ?? 0 },
      target: { host: (hostName ?? '').toLowerCase(), port: Number(portText) || 80 },
      via: 'http',
    });
    session.emit({ type: 'http:request', id: 1, method: req.method ?? 'GET', url: absoluteUrl(req.headers.host, req.url), httpVersion: req.httpVersion, headers: headerPairs(req.rawHeaders) });
    let bodyBytes = 0;
    pctx.onResponseData((_c, chunk, cb) => {
      bodyBytes += chunk.length;
      cb(null, chunk);
    });
    pctx.onResponseEnd((c, cb) => {
      const r = c.serverToProxyResponse;
      if (r) session.emit({ type: 'http:response', id: 1, status: r.statusCode ?? 0, statusText: r.statusMessage ?? '', headers: headerPairs(r.rawHeaders), bodyBytes });
      session.close('closed');
      cb();
    });
    pctx.onError(() => {
      session.emit({ type: 'conn:error', leg: 'upstream', code: 'TLSLAB_ERR_UPSTREAM_CONNECT', cause: 'upstream-unreachable', message: `tlslab could not reach ${req.headers.host ?? 'the server'} over plain HTTP.` });
      session.close('upstream-unreachable');
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.proxy.close();
  }
}

/** http-mitm-proxy hands us the path only; the event shows the URL the browser asked for. */
function absoluteUrl(host: string | undefined, url: string | undefined): string {
  const u = url ?? '/';
  return /^https?:\/\//.test(u) ? u : `http://${host ?? ''}${u}`;
}


function headerPairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    out.push([name, shownHeaderValue(name, raw[i + 1] as string)]);
  }
  return out;
}
