// WebSocket upgrades sent to the proxy as plain HTTP (`GET ws://host/…`, or a path with a Host header): tlslab's own
// relay. I/O: the client's socket, handed over by Node's HTTP server, and one TCP socket to the server.
//
// The upgrade request goes to the server as it came (hop-by-hop fields aside, Host and Via set), the server's answer
// comes back byte for byte, and after a 101 the frames flow both ways unchanged: tlslab neither unmasks nor inflates
// them; it reads frame headers only, to stop a message over the size limit (RFC 6455 §5.2). A ws client and server
// inside the proxy (what http-mitm-proxy does) would hold whole messages in memory and negotiate extensions twice.
import type net from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { ConnectionSession } from '../capture/session';
import type { ErrorCode } from '../errors';
import type { FailureCause } from '../events/schema';
import type { ProxyContext } from './context';
import { headerPairs, openExchange, sendRawAnswer, type FrontAnswer } from './front-pages';
import type { RequestTarget } from './target';
import { openTcp, type Resolution } from './upstream';
import { CLOSE_MESSAGE_TOO_BIG, FrameScanner, closeFrame } from './ws-frames';
import { IdleTimeout } from './idle-timer';

export interface RelayOptions {
  /** Largest message relayed, in bytes on the wire (compressed messages are counted as sent). */
  maxMessageBytes: number;
  /** This proxy's Via entry (RFC 9110 §7.6.3). */
  via: string;
  /** Registers the server socket so shutdown can end it. */
  register(socket: net.Socket): void;
  /** The addresses the target was checked at (src/proxy/classroom-gate.ts): TCP goes to them, without a second lookup. */
  resolved?: Resolution;
}

/** 16 MiB: far above what chat, games and dashboards send, far below the 100 MiB a ws endpoint accepts by default. */
export const DEFAULT_WS_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Longest response head read from the server (Node's own HTTP parser stops at 16 KiB). */
const MAX_RESPONSE_HEAD = 64 * 1024;

// RFC 6455 §4.1 needs Connection: Upgrade and Upgrade: websocket end to end; the proxy's own fields stop here.
const DROPPED = new Set(['host', 'via', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate']);

function requestHead(req: IncomingMessage, target: RequestTarget, via: string): string {
  const lines = [`${req.method ?? 'GET'} ${target.path} HTTP/1.1`, `Host: ${target.authority}`];
  const raw = req.rawHeaders;
  let priorVia = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (lower === 'via') priorVia = priorVia ? `${priorVia}, ${raw[i + 1]}` : raw[i + 1];
    if (DROPPED.has(lower) || lower.startsWith('proxy-')) continue;
    lines.push(`${name}: ${raw[i + 1]}`);
  }
  lines.push(`Via: ${priorVia ? `${priorVia}, ${via}` : via}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** RFC 9112 §4 status line and §5 fields of the server's answer; null when it is not HTTP/1.x. */
function parseResponseHead(text: string): { status: number; statusText: string; rawHeaders: string[] } | null {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) return null;
  const rawHeaders: string[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) rawHeaders.push(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', rawHeaders };
}

type Mode = 'head' | 'frames' | 'raw';

/** One relayed upgrade, from the request to `conn:close`. */
class WebSocketRelay {
  private readonly session: ConnectionSession;
  private upstream: net.Socket | null = null;
  private mode: Mode = 'head';
  private headBytes: Buffer[] = [];
  private headLength = 0;
  private headTail: Buffer = Buffer.alloc(0);
  private held: Buffer[];
  private readonly fromClient: FrameScanner;
  private readonly fromServer: FrameScanner;
  private failure: FailureCause | null = null;
  private readonly idleTimeout: IdleTimeout;
  private clientClosed = false;
  private clientEnded = false;
  private upstreamClosed = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: IncomingMessage,
    private readonly client: net.Socket,
    head: Buffer,
    private readonly target: RequestTarget,
    private readonly opts: RelayOptions,
  ) {
    this.session = openExchange(ctx, req, { host: target.host, port: target.port }, 'websocket', `ws://${target.authority}${target.path}`);
    this.idleTimeout = new IdleTimeout(ctx.timeouts.plainIdleMs, () => this.idle());
    this.held = head.length > 0 ? [Buffer.from(head)] : [];
    this.fromClient = new FrameScanner(opts.maxMessageBytes);
    this.fromServer = new FrameScanner(opts.maxMessageBytes);
  }

  start(): void {
    const c = this.client;
    c.on('error', (err: NodeJS.ErrnoException) => this.noteError('client', err));
    c.on('close', () => {
      this.clientClosed = true;
      this.settle();
    });
    // Nothing the client sends is read until the server has answered: before a 101 it is not WebSocket yet.
    c.pause();
    c.on('data', (chunk: Buffer) => this.fromClientData(chunk));
    // 'end' can come while the client is paused (its FIN was already in), or even before the relay starts (checks
    // before it may wait on a name lookup); it is passed on after the bytes held before it.
    if (c.readableEnded) this.clientEnded = true;
    c.on('end', () => {
      this.clientEnded = true;
      if (this.mode !== 'head') this.upstream?.end();
    });
    this.idleTimeout.touch();
    openTcp({ host: this.target.host, port: this.target.port, connectHost: this.target.host, connectPort: this.target.port, resolved: this.opts.resolved }, this.ctx.timeouts.upstreamConnectMs)
      .then((r) => {
        if (!r.ok) {
          const answer: FrontAnswer = { status: r.cause === 'upstream-timeout' ? 504 : 502, code: r.code, text: r.message };
          this.fail(r.cause, { leg: 'upstream', code: r.code, message: r.message }, answer);
          return;
        }
        this.connected(r.socket);
      })
      .catch((err: unknown) => this.fail('proxy-error', { leg: 'upstream', code: 'TLSLAB_ERR_INTERNAL', message: `tlslab could not relay this WebSocket: ${String(err)}` }));
  }

  private connected(up: net.Socket): void {
    if (this.clientClosed || this.failure) {
      up.destroy();
      return;
    }
    this.upstream = up;
    this.opts.register(up);
    up.setNoDelay(true);
    this.session.emit({ type: 'conn:upstream', leg: 'upstream', remote: { address: up.remoteAddress ?? this.target.host, port: up.remotePort ?? this.target.port }, connectMs: Math.round((performance.now() - this.startedAt) * 1000) / 1000 });
    up.on('error', (err: NodeJS.ErrnoException) => this.noteError('upstream', err));
    up.on('close', () => {
      this.upstreamClosed = true;
      this.settle();
    });
    up.on('data', (chunk: Buffer) => this.fromServerData(chunk));
    up.on('end', () => {
      if (this.mode === 'head') {
        const message = `${this.target.authority} closed the connection without answering the WebSocket upgrade.`;
        this.fail('upstream-reset', { leg: 'upstream', code: 'TLSLAB_ERR_UPSTREAM_CONNECT', message }, { status: 502, code: 'TLSLAB_ERR_UPSTREAM_CONNECT', text: message });
      }
      this.client.end();
    });
    this.send(up, Buffer.from(requestHead(this.req, this.target, this.opts.via), 'latin1'), 'toServer');
  }

  private fromServerData(chunk: Buffer): void {
    this.idleTimeout.touch();
    this.session.upstream.bytes.server += chunk.length;
    if (this.mode !== 'head') {
      this.relay(chunk, 'server');
      return;
    }
    // The answer's head is passed on as it arrives, and read on the side until its blank line: each chunk is searched
    // once, with the last 3 bytes before it (a CRLFCRLF split across chunks); the head is joined once, at its end.
    const before = this.headLength;
    const overlap = Math.min(3, before);
    const window = overlap > 0 ? Buffer.concat([this.headTail.subarray(this.headTail.length - overlap), chunk]) : chunk;
    const at = window.indexOf('\r\n\r\n');
    this.headBytes.push(chunk);
    this.headLength += chunk.length;
    if (at < 0) {
      this.headTail = chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : Buffer.concat([this.headTail, chunk]).subarray(-3);
      this.send(this.client, chunk, 'toClient');
      if (this.headLength > MAX_RESPONSE_HEAD) this.switchTo('raw');
      return;
    }
    const end = before - overlap + at;
    const headEnd = end + 4 - before;
    this.send(this.client, chunk.subarray(0, headEnd), 'toClient');
    const parsed = parseResponseHead(Buffer.concat(this.headBytes).subarray(0, end).toString('latin1'));
    if (parsed) this.session.emit({ type: 'http:response', id: 1, status: parsed.status, statusText: parsed.statusText, headers: headerPairs(parsed.rawHeaders), bodyBytes: 0 });
    this.switchTo(parsed?.status === 101 ? 'frames' : 'raw');
    const rest = chunk.subarray(headEnd);
    if (rest.length > 0) this.relay(rest, 'server');
  }

  private switchTo(mode: Mode): void {
    this.mode = mode;
    this.headBytes = [];
    const held = this.held;
    this.held = [];
    for (const b of held) this.fromClientData(b);
    if (this.clientEnded) this.upstream?.end();
    this.client.resume();
  }

  private fromClientData(chunk: Buffer): void {
    this.idleTimeout.touch();
    if (this.mode === 'head') {
      this.held.push(chunk);
      return;
    }
    this.session.client.bytes.client += chunk.length;
    this.relay(chunk, 'client');
  }

  /** Passes bytes on: through the frame scanner after a 101, as they are otherwise. */
  private relay(chunk: Buffer, from: 'client' | 'server'): void {
    const to = from === 'client' ? this.upstream : this.client;
    if (!to) return;
    const dir = from === 'client' ? 'toServer' : 'toClient';
    if (this.mode !== 'frames') {
      this.send(to, chunk, dir);
      return;
    }
    const step = (from === 'client' ? this.fromClient : this.fromServer).push(chunk);
    if (step.forward.length > 0) this.send(to, step.forward, dir);
    if (step.tooBig !== null) this.tooBig(from, step.tooBig);
  }

  private send(to: net.Socket, bytes: Buffer, dir: 'toClient' | 'toServer'): void {
    if (to.destroyed || !to.writable) return;
    if (dir === 'toClient') this.session.client.bytes.server += bytes.length;
    else this.session.upstream.bytes.client += bytes.length;
    // Back-pressure: a side that cannot keep up pauses the other.
    if (!to.write(bytes)) {
      const from = dir === 'toClient' ? this.upstream : this.client;
      from?.pause();
      to.once('drain', () => {
        if (this.mode !== 'head' || from !== this.client) from?.resume();
      });
    }
  }

  private tooBig(from: 'client' | 'server', size: number): void {
    const who = from === 'client' ? 'The browser' : 'The server';
    const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
    const message = `${who} sent a WebSocket message of at least ${mib(size)}; tlslab relays messages of up to ${mib(this.opts.maxMessageBytes)}, so it closed both sides with status 1009 (Message Too Big).`;
    this.fail('limit-exceeded', { leg: from === 'client' ? 'client' : 'upstream', code: 'TLSLAB_ERR_WS_MESSAGE_TOO_BIG', message }, null);
    // RFC 6455 §7.4.1: 1009. A close frame can go only where the stream is between frames.
    if (this.upstream && this.fromClient.atBoundary) this.upstream.write(closeFrame(CLOSE_MESSAGE_TOO_BIG, true));
    if (this.fromServer.atBoundary) this.client.write(closeFrame(CLOSE_MESSAGE_TOO_BIG, false));
    this.upstream?.destroySoon();
    this.client.destroySoon();
  }

  private noteError(side: 'client' | 'upstream', err: NodeJS.ErrnoException): void {
    if (this.failure) return;
    if (err.code === 'ECONNRESET') this.failure = side === 'client' ? 'client-reset' : 'upstream-reset';
    // Any other socket error ends that socket; 'close' follows and settles the connection.
  }

  /** The first failure decides the cause; a page is sent only while the client has received nothing. */
  private fail(cause: FailureCause, error: { leg: 'client' | 'upstream'; code: ErrorCode; message: string }, answer: FrontAnswer | null = null): void {
    if (this.failure || this.session.closed) return;
    this.failure = cause;
    this.session.emit({ type: 'conn:error', leg: error.leg, code: error.code, cause, message: error.message });
    if (answer && this.session.client.bytes.server === 0) sendRawAnswer(this.client, answer);
    else if (answer) this.client.destroy();
  }

  private idle(): void {
    const s = this.ctx.timeouts.plainIdleMs / 1000;
    if (this.mode === 'head') {
      const message = `${this.target.authority} did not answer the WebSocket upgrade within ${s} s.`;
      this.fail('upstream-timeout', { leg: 'upstream', code: 'TLSLAB_ERR_UPSTREAM_TIMEOUT', message }, { status: 504, code: 'TLSLAB_ERR_UPSTREAM_TIMEOUT', text: message });
    } else {
      this.fail('idle-timeout', { leg: 'client', code: 'TLSLAB_ERR_IDLE_TIMEOUT', message: `Nothing moved on this WebSocket for ${s} s, so tlslab closed it.` });
      this.client.destroy();
    }
    this.upstream?.destroy();
  }

  /** One side closed: the other finishes writing and closes too; once both are closed, the connection ends. */
  private settle(): void {
    if (this.clientClosed && this.upstream && !this.upstreamClosed) this.upstream.destroySoon();
    if (this.upstreamClosed && !this.clientClosed) this.client.destroySoon();
    const upstreamDone = this.upstream === null || this.upstreamClosed;
    if (!this.clientClosed || !upstreamDone) return;
    this.idleTimeout.clear();
    // A client that leaves before the server has answered gave up on the upgrade.
    this.session.close(this.failure ?? (this.mode === 'head' ? 'client-aborted' : 'closed'));
  }
}

/** Relays one WebSocket upgrade whose target tlslab has checked. Never throws: every failure ends in `conn:close`. */
export function relayWebSocket(ctx: ProxyContext, req: IncomingMessage, socket: net.Socket, head: Buffer, target: RequestTarget, opts: RelayOptions): void {
  new WebSocketRelay(ctx, req, socket, head, target, opts).start();
}
