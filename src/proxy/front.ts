// The proxy's front door, built on http-mitm-proxy (pinned 1.1.0, its internals reached through ./mitm-adapter only):
// it accepts connections and parses requests. CONNECT
// is taken over in its onConnect hook (src/proxy/tunnel.ts); every plain-HTTP request passes tlslab's checks
// (src/proxy/target.ts) before it reaches http-mitm-proxy's forwarding, and WebSocket upgrades go to tlslab's own relay
// (src/proxy/websocket-relay.ts). Before any of it, the gate (src/proxy/classroom-gate.ts) decides who may ask for what.
// I/O: the listening socket.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type net from 'node:net';
import type { IContext } from 'http-mitm-proxy';
import type { ProxyContext } from './context';
import type { Student } from '../events/schema';
import { handleConnect, parseConnectTarget } from './tunnel';
import { TlslabError } from '../errors';
import { MAGIC_HOST } from './magic-host';
import { recordRefused, sendAnswer, sendRawAnswer, type FrontAnswer } from './front-pages';
import { INTERNAL, PlainExchange } from './plain-exchange';
import { MAX_WAITING, RequestQueue, type Slot } from './request-queue';
import { TARGET_PROBLEMS, formatAuthority, parseRequestTarget, printable, type RequestTarget, type Target, type TargetResult } from './target';
import { DEFAULT_WS_MAX_MESSAGE_BYTES, relayWebSocket } from './websocket-relay';
import { ProxyGate, answerResponse, answerSocket, localHost, type GateOptions, type GateRequest } from './classroom-gate';
import { serveClassroomPage } from './classroom-pages';
import { PinnedAgent, pinnedRequestOptions, type Resolution } from './upstream';
import { createMitmProxy, listenMitm, takeOverRequests, type RequestListener } from './mitm-adapter';

export interface FrontOptions {
  host: string;
  port: number;
  /** Who may use the proxy and reach what: classroom sign-in, the address guard, fair share. */
  gate: GateOptions;
  /** Largest WebSocket message relayed, in bytes on the wire (default 16 MiB). */
  wsMaxMessageBytes?: number;
}

/** Every Host header line a request carried (Node keeps only the first in `headers.host`). */
function hostLines(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i].toLowerCase() === 'host') out.push(raw[i + 1].trim());
  return out;
}

function describe(err: unknown): { name?: string; code?: unknown; message: string } {
  return err instanceof Error ? { name: err.name, code: (err as NodeJS.ErrnoException).code, message: err.message.slice(0, 300) } : { message: String(err).slice(0, 300) };
}

export class ProxyFront {
  private readonly proxy = createMitmProxy({
    onError: (kind, pctx, err) => this.onMitmError(kind, pctx, err),
    onSocketError: (description, err) => this.ctx.log.debug({ description, code: err.code }, 'proxy socket error'),
  });
  private readonly sockets = new Set<net.Socket>();
  private readonly exchanges = new WeakMap<IncomingMessage, PlainExchange>();
  private readonly queues = new WeakMap<net.Socket, RequestQueue>();
  /** Plain-HTTP requests whose target was resolved and checked: they go to those addresses only. */
  private readonly resolved = new WeakMap<IncomingMessage, Resolution>();
  private readonly agent = new PinnedAgent({ keepAlive: true });
  private gateInstance: ProxyGate | null = null;
  /** This proxy's Via entry (RFC 9110 §7.6.3): a request that already carries it has come round in a loop. */
  private readonly via = `1.1 tlslab-${randomBytes(4).toString('hex')}`;
  port = 0;

  constructor(private readonly ctx: ProxyContext, private readonly opts: FrontOptions) {}

  async listen(): Promise<void> {
    const proxy = this.proxy;
    proxy.onConnect((req, socket, head, _callback) => {
      // Never call back: the tunnel is ours from here (http-mitm-proxy would otherwise answer and mint its own leaf).
      const s = socket as net.Socket;
      // http-mitm-proxy prints every error of a CONNECT socket (console.error, console.debug); the tunnel reads them itself.
      s.removeAllListeners('error');
      s.on('error', () => undefined); // an unhandled one would end the process while the gate looks the target up
      this.track(s);
      this.onConnect(req, s, head as Buffer).catch((err: unknown) => {
        this.ctx.log.error({ err: describe(err) }, 'tunnel failed');
        s.destroy();
      });
    });
    proxy.onRequest((pctx, callback) => this.onMitmRequest(pctx, callback));
    try {
      await listenMitm(proxy, { host: this.opts.host, port: this.opts.port }, (server, port) => {
        // An error on the listening socket after listen is logged: with no listener left, it would end the process.
        server.on('error', (err: NodeJS.ErrnoException) => this.ctx.log.error({ code: err.code, err: err.message }, 'proxy listening socket error'));
        server.on('connection', (s: net.Socket) => this.track(s));
        this.port = port;
        // Before the first connection is read (it is read on a later turn of the event loop): nothing passes ungated.
        this.gateInstance = new ProxyGate(this.ctx, { ...this.opts.gate, proxyPort: this.port });
        this.takeOver(server);
      });
    } catch (err) {
      if (err instanceof TlslabError) throw err;
      const e = err as NodeJS.ErrnoException;
      throw new TlslabError('TLSLAB_ERR_LISTEN', `cannot listen on ${this.opts.host}:${this.opts.port} for the proxy: ${e.code ?? e.message}`);
    }
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
  }

  /**
   * Puts tlslab's checks in front of http-mitm-proxy's request handler, and tlslab's WebSocket relay in place of its
   * own (./mitm-adapter: if its internals change, tlslab refuses to start rather than run unchecked).
   */
  private takeOver(server: http.Server): void {
    const forward = takeOverRequests(this.proxy, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, forward));
    server.on('upgrade', (req: IncomingMessage, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    // Node's HTTP server ends a socket as soon as the client ends its side, and the response still being fetched is
    // lost (a client that sends its request, then FIN, gets nothing). Half-open, it answers first, then ends.
    (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  }

  /** The gate (made when the proxy starts listening). */
  get gate(): ProxyGate {
    if (!this.gateInstance) throw new TlslabError('TLSLAB_ERR_INTERNAL', 'the proxy front has no gate before it listens');
    return this.gateInstance;
  }

  /** A CONNECT: the gate (client, sign-in, target, fair share), then the tunnel to the checked addresses. */
  private async onConnect(req: IncomingMessage, s: net.Socket, head: Buffer): Promise<void> {
    const target = parseConnectTarget(req.url);
    const q: GateRequest = { socket: s, via: 'connect', host: target?.host ?? printable((req.url ?? '').replace(/^[^@]*@/s, '[credentials]@'), 120), port: target?.port ?? 0 };
    const refused = this.gate.checkClient(q);
    if (refused) return answerSocket(s, refused);
    const who = this.gate.signIn(req, q);
    if (!who.ok) return answerSocket(s, who.answer);
    // An unreadable target gets its 400 from the tunnel.
    const admitted = target ? await this.gate.admit(q, who.student, s) : { ok: true as const, student: who.student, resolved: null };
    if (!admitted.ok) return answerSocket(s, admitted.answer);
    if (s.destroyed) return;
    await handleConnect(this.ctx, req, s, head, admitted);
  }

  /** A plain-HTTP request: tlslab's own pages, a refusal, or on to http-mitm-proxy with a checked target. */
  private onRequest(req: IncomingMessage, res: ServerResponse, forward: RequestListener): void {
    try {
      const parsed = parseRequestTarget(req.url ?? '', hostLines(req.rawHeaders), 'http');
      const q: GateRequest = { socket: req.socket, via: 'http', host: parsed.ok ? parsed.target.host : parsed.shown, port: parsed.ok ? parsed.target.port : parsed.port };
      const refused = this.gate.checkClient(q);
      if (refused) return answerResponse(res, refused);
      if (parsed.ok && this.isOwnAddress(parsed.target, req)) return this.serveOwn(req, res, parsed.target.path);
      const who = this.gate.signIn(req, q);
      if (!who.ok) return answerResponse(res, who.answer);
      if (parsed.ok && parsed.target.host === MAGIC_HOST) return this.ctx.magic(req, res, who.student);
      if (!parsed.ok) {
        const a = badTarget(parsed);
        recordRefused(this.ctx, req, { host: parsed.shown, port: parsed.port }, 'http', req.url ?? '', a);
        sendAnswer(res, a);
        return;
      }
      if (this.isLoop(req)) {
        const a = loop(parsed.target);
        recordRefused(this.ctx, req, { host: parsed.target.host, port: parsed.target.port }, 'http', `http://${parsed.target.authority}${parsed.target.path}`, a);
        sendAnswer(res, a);
        return;
      }
      const slot = this.queueOf(req.socket).reserve(res);
      if (!slot) {
        this.ctx.log.debug({ waiting: MAX_WAITING }, 'too many pipelined requests on one connection: closed');
        req.socket.destroy();
        return;
      }
      void this.forwardChecked(req, res, parsed.target, q, who.student, forward, slot);
    } catch (err) {
      this.internalError(req, res, err);
    }
  }

  /** The gate's target check and fair share, then on to http-mitm-proxy, which connects to the checked addresses. */
  private async forwardChecked(req: IncomingMessage, res: ServerResponse, target: RequestTarget, q: GateRequest, student: Student | null, forward: RequestListener, slot: Slot): Promise<void> {
    try {
      const admitted = await this.gate.admit(q, student, res);
      if (!admitted.ok) {
        slot.cancel();
        return answerResponse(res, admitted.answer);
      }
      if (admitted.resolved) this.resolved.set(req, admitted.resolved);
      // Its turn comes once the requests before it on this connection are done (the queue skips a client that left).
      slot.start(() => {
        try {
          this.exchanges.set(req, new PlainExchange(this.ctx, req, res, target, this.via));
          forward(req, res);
        } catch (err) {
          this.internalError(req, res, err);
        }
      });
    } catch (err) {
      slot.cancel();
      this.internalError(req, res, err);
    }
  }

  /** Pipelined requests on one client connection go to http-mitm-proxy one at a time. */
  private queueOf(socket: net.Socket): RequestQueue {
    let q = this.queues.get(socket);
    if (!q) {
      q = new RequestQueue(socket);
      this.queues.set(socket, q);
    }
    return q;
  }

  /** The checks keep http-mitm-proxy's synchronous path from throwing; should one still, this request fails alone. */
  private internalError(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    this.ctx.log.error({ err: describe(err) }, 'plain HTTP request failed inside the proxy');
    this.exchanges.get(req)?.error(INTERNAL, err instanceof Error ? err : new Error(String(err)));
    if (!res.writableEnded) sendAnswer(res, { status: 502, code: 'TLSLAB_ERR_INTERNAL', text: 'tlslab hit an internal error on this request.' });
  }

  /** The proxy asked for as a server: in classroom mode the join page and the PAC file, else (and for other paths) the CA page. */
  private serveOwn(req: IncomingMessage, res: ServerResponse, path: string): void {
    const page = { host: localHost(req.socket), port: req.socket.localPort ?? this.port, caFingerprint256: this.ctx.ca.fingerprint256 };
    if (this.gate.classCode !== null && serveClassroomPage(req, res, path, page)) return;
    this.ctx.magic(req, res, null);
  }

  /** http-mitm-proxy's onRequest hook: the exchange opened by onRequest points its request at the checked target. */
  private onMitmRequest(pctx: IContext, callback: (err?: Error | null) => void): void {
    const ex = this.exchanges.get(pctx.clientToProxyRequest);
    if (!ex) {
      sendAnswer(pctx.proxyToClientResponse, { status: 502, code: 'TLSLAB_ERR_INTERNAL', text: 'tlslab received a request it had not checked.' });
      return;
    }
    ex.attach(pctx);
    const o = pctx.proxyToServerRequestOptions;
    const resolved = this.resolved.get(pctx.clientToProxyRequest);
    // The request options go to http.request as they are: TCP goes to the addresses the gate checked.
    if (o && resolved) Object.assign(o, { agent: this.agent }, pinnedRequestOptions(resolved));
    callback();
  }

  /** An Upgrade request: a WebSocket to relay, or a refusal on the raw socket. */
  private onUpgrade(req: IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on('error', () => undefined); // read by the relay; an unhandled one would end the process
    try {
      const parsed = parseRequestTarget(req.url ?? '', hostLines(req.rawHeaders), 'websocket');
      const upgrade = String(req.headers.upgrade ?? '');
      const websocket = upgrade.toLowerCase().split(',').some((p) => p.trim() === 'websocket');
      const refuse = (a: FrontAnswer, target: Target): void => {
        const url = parsed.ok ? `ws://${parsed.target.authority}${parsed.target.path}` : (req.url ?? '');
        recordRefused(this.ctx, req, target, websocket ? 'websocket' : 'http', url, a);
        sendRawAnswer(socket, a);
      };
      const q: GateRequest = { socket, via: websocket ? 'websocket' : 'http', host: parsed.ok ? parsed.target.host : parsed.shown, port: parsed.ok ? parsed.target.port : parsed.port };
      const refused = this.gate.checkClient(q);
      if (refused) return answerSocket(socket, refused);
      if (parsed.ok && this.isOwnAddress(parsed.target, req)) return refuse({ status: 400, code: 'TLSLAB_ERR_BAD_TARGET', text: "tlslab's own address has no WebSocket." }, parsed.target);
      const who = this.gate.signIn(req, q);
      if (!who.ok) return answerSocket(socket, who.answer);
      if (!parsed.ok) return refuse(badTarget(parsed), { host: parsed.shown, port: parsed.port });
      const t = parsed.target;
      if (!websocket) return refuse({ status: 400, code: 'TLSLAB_ERR_BAD_UPGRADE', text: `tlslab relays WebSocket upgrades only; this request asked for "${printable(upgrade, 60)}".` }, t);
      if (t.host === MAGIC_HOST) return this.ctx.upgrade(req, socket, head, who.student);
      if (this.isLoop(req)) return refuse(loop(t), t);
      void this.gate.admit(q, who.student, socket).then((admitted) => {
        if (!admitted.ok) return answerSocket(socket, admitted.answer);
        if (socket.destroyed) return;
        relayWebSocket(this.ctx, req, socket, head, t, {
          maxMessageBytes: this.opts.wsMaxMessageBytes ?? DEFAULT_WS_MAX_MESSAGE_BYTES,
          via: this.via,
          register: (s) => this.track(s),
          resolved: admitted.resolved ?? undefined,
        });
      }).catch((err: unknown) => {
        this.ctx.log.error({ err: describe(err) }, 'WebSocket upgrade failed inside the proxy');
        socket.destroy();
      });
    } catch (err) {
      this.ctx.log.error({ err: describe(err) }, 'WebSocket upgrade failed inside the proxy');
      socket.destroy();
    }
  }

  /** The proxy's own address and port asked for as a server (a browser pointed at it directly). */
  private isOwnAddress(t: Target, req: IncomingMessage): boolean {
    if (t.port !== this.port) return false;
    const local = (req.socket.localAddress ?? '').replace(/^::ffff:/, '');
    return t.host === 'localhost' || t.host === '127.0.0.1' || t.host === '::1' || t.host === this.opts.host || t.host === local;
  }

  private isLoop(req: IncomingMessage): boolean {
    return String(req.headers.via ?? '').includes(this.via.slice(4));
  }

  /** http-mitm-proxy's errors (in place of its console.error and its own 504 text): to the request's exchange and our logger. */
  private onMitmError(kind: string, pctx: IContext | null, err: Error | undefined): void {
    this.ctx.log.debug({ kind, err: err?.message }, 'http-mitm-proxy error');
    const req = pctx?.clientToProxyRequest;
    const ex = req ? this.exchanges.get(req) : undefined;
    if (ex) ex.error(kind, err);
    else if (pctx?.proxyToClientResponse && !pctx.proxyToClientResponse.writableEnded) pctx.proxyToClientResponse.destroy();
  }

  /** Ends every connection and stops listening (it does not wait for the listening socket to be released). */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    this.proxy.close();
    return Promise.resolve();
  }
}

function badTarget(r: Extract<TargetResult, { ok: false }>): FrontAnswer {
  return { status: 400, code: 'TLSLAB_ERR_BAD_TARGET', text: `${TARGET_PROBLEMS[r.problem]}\nAsked for: ${r.shown === '' ? '(nothing)' : r.shown}` };
}

function loop(t: Target): FrontAnswer {
  return {
    status: 508,
    code: 'TLSLAB_ERR_PROXY_LOOP',
    text: `This request has already passed through this tlslab (its Via header says so): ${formatAuthority(t)} leads back to the proxy, and forwarding it again would go round in a loop.`,
  };
}
