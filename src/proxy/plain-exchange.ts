// One plain-HTTP request through the proxy front, from the request to its `conn:close`: the target tlslab checked,
// the events, an idle timeout, and an end whatever happens. I/O: the client's request and response, http-mitm-proxy's hooks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { IContext } from 'http-mitm-proxy';
import type { ConnectionSession } from '../capture/session';
import type { ErrorCode } from '../errors';
import type { FailureCause } from '../events/schema';
import type { ProxyContext } from './context';
import { headerPairs, openExchange, sendAnswer, type FrontAnswer } from './front-pages';
import type { RequestTarget } from './target';
import { tcpFailure } from './upstream';
import { IdleTimeout } from './idle-timer';

interface Failure {
  cause: FailureCause;
  leg: 'client' | 'upstream';
  /** What tlslab saw go wrong, for a `conn:error` event (a client that simply went away needs none). */
  error?: { code: ErrorCode; message: string };
}

// RFC 9110 §7.6.1: hop-by-hop fields end at the proxy, with every field the Connection header names.
// (Transfer-Encoding stays: Node's client frames the body it is given by it.)
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade'];

/** The headers tlslab sends the server: the client's, minus hop-by-hop ones, with Host and Via set (RFC 9112 §3.2.2, RFC 9110 §7.6.3). */
export function forwardHeaders(incoming: Readonly<Record<string, string | string[] | undefined>>, authority: string, via: string): Record<string, string | string[]> {
  const named = String(incoming.connection ?? '').toLowerCase().split(',').map((s) => s.trim());
  const drop = new Set([...HOP_BY_HOP, ...named]);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v !== undefined && !drop.has(k) && !k.startsWith('proxy-')) out[k] = v;
  }
  out.host = authority;
  out.via = incoming.via ? `${String(incoming.via)}, ${via}` : via;
  return out;
}

/** The `kind` for an error thrown inside the proxy itself, passed to `PlainExchange.error`. */
export const INTERNAL = 'TLSLAB_INTERNAL';

export class PlainExchange {
  private readonly session: ConnectionSession;
  private failure: Failure | null = null;
  private readonly idleTimeout: IdleTimeout;
  private pctx: IContext | null = null;
  private responseDone = false;
  private responseStarted = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly target: RequestTarget,
    private readonly via: string,
  ) {
    this.session = openExchange(ctx, req, { host: target.host, port: target.port }, 'http', `http://${target.authority}${target.path}`);
    this.idleTimeout = new IdleTimeout(ctx.timeouts.plainIdleMs, () => this.idle());
    // 'close' comes once per response: after it was handed to the socket, or when the socket went away first. A reset
    // shows only on the socket (the request may be complete already), which keep-alive shares with later requests.
    req.socket.on('error', this.onSocketError);
    res.once('close', () => this.finish());
    this.idleTimeout.touch();
  }

  private readonly onSocketError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'ECONNRESET') this.fail({ cause: 'client-reset', leg: 'client' }, null);
  };

  /** http-mitm-proxy's onRequest hook: point its request at the target tlslab checked, and watch both directions. */
  attach(pctx: IContext): void {
    this.pctx = pctx;
    const o = pctx.proxyToServerRequestOptions;
    if (o) {
      o.host = this.target.host;
      o.port = this.target.port;
      o.path = this.target.path;
      o.headers = forwardHeaders(this.req.headers, this.target.authority, this.via) as Record<string, string>;
    }
    const bytes = this.session.client.bytes;
    const up = this.session.upstream.bytes;
    // http-mitm-proxy has paused the request; a 'data' listener added now does not start it flowing early.
    this.req.on('data', (chunk: Buffer) => {
      bytes.client += chunk.length;
      up.client += chunk.length;
      this.idleTimeout.touch();
      holdBack(this.req, pctx.proxyToServerRequest);
    });
    pctx.onResponse((c, cb) => {
      this.responseStarted = true;
      const r = c.serverToProxyResponse;
      // Node's client reads any three digits; a final status is 200–599 (RFC 9110 §15; 1xx are interim, 101 needs an
      // Upgrade request), and writeHead would throw on one below 100. The request stops here: no callback.
      const status = r?.statusCode ?? 0;
      if (status < 200 || status > 599) {
        this.fail(upstream('upstream-bad-response', 'TLSLAB_ERR_UPSTREAM_HTTP', `${this.target.authority} answered with status ${status}, which is not a final HTTP status (200–599).`));
        return;
      }
      if (r) {
        r.on('data', (chunk: Buffer) => {
          up.server += chunk.length;
          bytes.server += chunk.length;
          this.idleTimeout.touch();
          holdBack(r, this.res);
        });
        // The server's response ended before its end (a reset, or a close inside a chunked body).
        r.once('close', () => {
          if (!r.complete) this.fail(upstream('upstream-reset', 'TLSLAB_ERR_UPSTREAM_CONNECT', `${this.target.authority} closed the connection before its response was complete.`));
        });
      }
      this.idleTimeout.touch();
      cb();
    });
    // Node's client drops a connection whose server answers 101 to a request that asked for no upgrade, and says
    // nothing to the request's owner: a server connection that closes with no response and no error ends it here.
    pctx.onRequestEnd((c, cb) => {
      c.proxyToServerRequest?.once('close', () => {
        if (!this.responseStarted) this.fail(upstream('upstream-bad-response', 'TLSLAB_ERR_UPSTREAM_HTTP', `${this.target.authority} closed the connection without a response tlslab could pass on.`));
      });
      cb();
    });
    pctx.onResponseEnd((c, cb) => {
      const r = c.serverToProxyResponse;
      this.responseDone = true;
      if (r) this.session.emit({ type: 'http:response', id: 1, status: r.statusCode ?? 0, statusText: r.statusMessage ?? '', headers: headerPairs(r.rawHeaders), bodyBytes: up.server });
      cb();
    });
  }

  /** An error http-mitm-proxy reported for this request; `kind` is its label (e.g. `PROXY_TO_SERVER_REQUEST_ERROR`). */
  error(kind: string, err: NodeJS.ErrnoException | undefined): void {
    const e: NodeJS.ErrnoException = err ?? new Error(kind);
    if (kind.startsWith('CLIENT_TO_PROXY') || kind.startsWith('PROXY_TO_CLIENT')) {
      this.fail({ cause: e.code === 'ECONNRESET' ? 'client-reset' : 'client-aborted', leg: 'client' }, null);
      return;
    }
    if (kind === INTERNAL) {
      this.fail({ cause: 'proxy-error', leg: 'client', error: { code: 'TLSLAB_ERR_INTERNAL', message: 'tlslab hit an internal error on this request.' } });
      return;
    }
    if (e.code?.startsWith('HPE_')) {
      this.fail(upstream('upstream-bad-response', 'TLSLAB_ERR_UPSTREAM_HTTP', `${this.target.authority} answered with something that is not valid HTTP (${e.code}).`));
      return;
    }
    if (this.res.headersSent) {
      this.fail(upstream('upstream-reset', 'TLSLAB_ERR_UPSTREAM_CONNECT', `${this.target.authority} ended its response early: ${e.code ?? e.message}.`));
      return;
    }
    const f = tcpFailure(e, this.target);
    this.fail(upstream(f.cause, f.code, f.message));
  }

  /** The first failure decides the cause, the event and the answer (a page while nothing was sent yet, else a cut). */
  private fail(f: Failure, answer: FrontAnswer | null = f.error ? { status: 502, ...f.error, text: f.error.message } : null): void {
    if (this.session.closed || this.failure) return;
    this.failure = f;
    if (f.error) this.session.emit({ type: 'conn:error', leg: f.leg, code: f.error.code, cause: f.cause, message: f.error.message });
    this.pctx?.proxyToServerRequest?.destroy();
    if (answer) sendAnswer(this.res, answer);
    else this.res.destroy();
  }

  private idle(): void {
    const s = this.ctx.timeouts.plainIdleMs / 1000;
    if (this.req.complete && !this.res.headersSent) {
      const message = `${this.target.authority} did not answer within ${s} s.`;
      this.fail(upstream('upstream-timeout', 'TLSLAB_ERR_UPSTREAM_TIMEOUT', message), { status: 504, code: 'TLSLAB_ERR_UPSTREAM_TIMEOUT', text: message });
      return;
    }
    const waiting = this.req.complete ? `${this.target.authority} stopped sending its response` : 'the browser stopped sending its request';
    const message = `Nothing moved for ${s} s (${waiting}), so tlslab closed the connection.`;
    this.fail({ cause: 'idle-timeout', leg: this.req.complete ? 'upstream' : 'client', error: { code: 'TLSLAB_ERR_IDLE_TIMEOUT', message } }, null);
  }

  private finish(): void {
    this.idleTimeout.clear();
    this.req.socket.off('error', this.onSocketError);
    if (!this.responseDone) this.pctx?.proxyToServerRequest?.destroy();
    const cause = this.failure?.cause ?? (this.res.writableFinished && this.responseDone ? 'closed' : 'client-aborted');
    this.session.close(cause);
  }
}

/**
 * Back-pressure, which http-mitm-proxy's pipe leaves out (its filters' write() always returns true, so a client that
 * does not read had tlslab hold the whole response in memory): while `to` holds a full buffer, `from` stops.
 */
function holdBack(from: Readable, to: Writable | undefined): void {
  if (!to?.writableNeedDrain || from.isPaused()) return;
  from.pause();
  const go = (): void => {
    to.off('drain', go);
    to.off('close', go);
    from.resume();
  };
  to.on('drain', go);
  to.on('close', go);
}

function upstream(cause: FailureCause, code: ErrorCode, message: string): Failure {
  return { cause, leg: 'upstream', error: { code, message } };
}
