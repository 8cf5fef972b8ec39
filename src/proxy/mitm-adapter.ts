// The one module that reaches inside http-mitm-proxy (pinned 1.1.0): a Proxy that makes no CA of its own and routes its
// error printing to tlslab, its listening server, and its request handler taken over. test/unit/proxy/mitm-adapter.test.ts
// checks the installed version and each internal used here. I/O: the listening socket, opened when the front asks.
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Proxy, type IContext } from 'http-mitm-proxy';
import { TlslabError } from '../errors';

/** The version whose internals this module knows (package.json pins it exactly). */
export const MITM_PROXY_VERSION = '1.1.0';

/** http-mitm-proxy's CA maker: not part of its public API (a deep import). */
export const MITM_CA_MODULE = 'http-mitm-proxy/dist/lib/ca';

export type MitmCaModule = { default: { create: (dir: string, cb: (err: Error | null, ca?: unknown) => void) => void } };

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface MitmErrorHandlers {
  /** Every error it meets (with the request's context, if any), in place of its console.error and its own 504 text. */
  onError(kind: string, ctx: IContext | null, err: Error): void;
  /** Every socket error, in place of its console.debug (resets) and console.error (the rest). */
  onSocketError(description: string, err: NodeJS.ErrnoException): void;
}

/**
 * http-mitm-proxy makes (and writes to disk) a CA of its own when it starts, and would mint a key per host with it.
 * Every CONNECT is tlslab's, so that CA would never sign anything: its maker hands back an inert stand-in instead, at
 * once, so no second CA key is ever generated or written.
 */
function adoptNoCa(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a deep import of a CommonJS internal, replaced in place (an ES import binding is read-only)
  const mod = require(MITM_CA_MODULE) as MitmCaModule;
  mod.default.create = (_dir, cb) =>
    cb(null, {
      generateServerCertificateKeys() {
        throw new Error('tlslab owns every TLS leg: http-mitm-proxy must not mint certificates');
      },
      getCACertPath: () => '',
    });
}

/** A Proxy with no CA of its own whose errors go to `handlers` (its methods of the same name, replaced before listen binds them). */
export function createMitmProxy(handlers: MitmErrorHandlers): Proxy {
  adoptNoCa();
  const proxy = new Proxy();
  proxy._onSocketError = (description, err) => handlers.onSocketError(description, err);
  proxy._onError = (kind, ctx, err) => handlers.onError(kind, ctx, err);
  return proxy;
}

/**
 * Listens, and calls `ready` with the HTTP server and the port it got inside the listen callback — before the first
 * connection is read — so that whatever `ready` puts in front of the server is there for every request. Rejects with
 * the server's listen error (EADDRINUSE, …) or whatever `ready` throws.
 */
export function listenMitm(proxy: Proxy, opts: { host: string; port: number }, ready: (server: http.Server, port: number) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    proxy.listen({ host: opts.host, port: opts.port, keepAlive: true }, (err?: Error | null) => {
      if (err) return reject(err);
      const server = proxy.httpServer;
      if (!server) return reject(new TlslabError('TLSLAB_ERR_INTERNAL', 'http-mitm-proxy changed: it has no httpServer once listening'));
      server.off('error', onError);
      try {
        ready(server, proxy.httpPort);
        resolve();
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    // The stand-in CA answers at once, so listen() has made its server by now: a listen error is caught here.
    if (!proxy.httpServer) reject(new TlslabError('TLSLAB_ERR_INTERNAL', 'http-mitm-proxy changed: listen() made no httpServer at once'));
    else proxy.httpServer.once('error', onError);
  });
}

/**
 * Takes http-mitm-proxy's request handler off its server and returns it (tlslab calls it for checked requests only),
 * and closes its WebSocket server (tlslab relays WebSockets itself). Throws if either is not as this version has it:
 * tlslab then refuses to start rather than run unchecked.
 */
export function takeOverRequests(proxy: Proxy, server: http.Server): RequestListener {
  const handlers = server.listeners('request') as RequestListener[];
  if (handlers.length !== 1) throw new TlslabError('TLSLAB_ERR_INTERNAL', `http-mitm-proxy changed: expected one request handler on its server, found ${handlers.length}`);
  const forward = handlers[0];
  server.removeAllListeners('request');
  proxy.wsServer?.close();
  if (server.listenerCount('upgrade') !== 0) throw new TlslabError('TLSLAB_ERR_INTERNAL', 'http-mitm-proxy changed: its WebSocket server is still attached after close()');
  return forward;
}
