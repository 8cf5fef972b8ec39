// Close sequences through tlslab, driven precisely: a scripted TLS origin (close_notify, bare FIN, RST on cue), a
// half-open Node TLS client, `ss` to see which sockets tlslab still holds, and an async hook to see which timers it
// still has pending. I/O: sockets on 127.0.0.1, `ss`, an async hook on this process's timers.
import { createHook } from 'node:async_hooks';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import type { TlslabEvent } from '../../src/events/schema';
import type { TestPki } from './origin';
import { connectTunnel, type TestTlslab } from './tlslab';

/** The body every scripted answer carries: big enough to span many TLS records, and recognisable byte for byte. */
export const BODY = Buffer.from(Array.from({ length: 4096 }, (_, i) => `line ${String(i).padStart(5, '0')} of the origin body\n`).join(''));

/**
 * What the origin does once it has read a request head, chosen by the request path:
 * - `/after-end`: waits for the client's end (close_notify + FIN, passed on by tlslab), then answers and ends;
 * - `/close`: answers with `Connection: close`, then close_notify + FIN;
 * - `/fin`: answers, then a TCP FIN without close_notify (the raw socket under the TLS socket is ended);
 * - `/rst-before`: a TCP RST instead of an answer;
 * - `/stall`: the head and the first HALF bytes of the body, then nothing, even after the client's end: the test
 *   decides what happens next (`reset()` sends a TCP RST);
 * - anything else: a keep-alive answer, and the connection stays open.
 * Except for `/stall` and `/after-end`, the origin ends its side when the client has ended its own.
 */
export type Script = '/after-end' | '/close' | '/fin' | '/rst-before' | '/stall' | '/keep';

/** How much of the body `/stall` sends. */
export const HALF = BODY.length >> 1;

export interface ScriptedOrigin {
  port: number;
  /**
   * Per accepted connection, in order: tlslab's port on it, whether its TLS socket saw the client's end, its close,
   * and `reset()` (a TCP RST now) and `finish()` (the rest of a stalled body, then close_notify + FIN).
   */
  readonly conns: { peerPort: number; sawEnd: boolean; closed: Promise<void>; reset(): void; finish(): void }[];
  close(): Promise<void>;
}

function head(length: number, close: boolean): string {
  return `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\nConnection: ${close ? 'close' : 'keep-alive'}\r\n\r\n`;
}

/**
 * A TLS origin on net + TLSSocket (so the raw TCP socket is at hand for bare FINs and RSTs); half-open.
 * `resetAfterHandshake`: every connection is reset as soon as its handshake is done, before any request.
 */
export async function startScriptedOrigin(pki: TestPki, o: { resetAfterHandshake?: boolean } = {}): Promise<ScriptedOrigin> {
  const secureContext = tls.createSecureContext({ cert: pki.certPem, key: pki.keyPem });
  const conns: ScriptedOrigin['conns'] = [];
  const raws = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (raw) => {
    raws.add(raw);
    raw.on('error', () => undefined);
    const t = new tls.TLSSocket(raw, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
    if (o.resetAfterHandshake) t.once('secure', () => setImmediate(() => raw.resetAndDestroy()));
    const state = {
      peerPort: raw.remotePort ?? 0,
      sawEnd: false,
      closed: new Promise<void>((r) => t.once('close', () => r())),
      reset: () => void raw.resetAndDestroy(),
      finish: () => void t.end(BODY.subarray(HALF)),
    };
    conns.push(state);
    t.on('error', () => undefined);
    raw.once('close', () => raws.delete(raw));
    let request = '';
    let answered = false;
    const ended = new Promise<void>((r) => t.once('end', () => {
      state.sawEnd = true;
      r();
      // A server whose client has finished ends too, unless the script says otherwise.
      if (!/^GET \/(after-end|stall) /.test(request)) t.end();
    }));
    t.on('data', (c: Buffer) => {
      request += c.toString('latin1');
      if (answered || !request.includes('\r\n\r\n')) return;
      answered = true;
      const path = /^[A-Z]+ (\S+)/.exec(request)?.[1] ?? '/';
      void answer(path as Script, t, raw, ended);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    conns,
    close: async () => {
      for (const s of raws) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function answer(path: Script, t: tls.TLSSocket, raw: net.Socket, ended: Promise<void>): Promise<void> {
  switch (path) {
    case '/after-end':
      await ended;
      t.end(Buffer.concat([Buffer.from(head(BODY.length, true)), BODY]));
      return;
    case '/close':
      t.end(Buffer.concat([Buffer.from(head(BODY.length, true)), BODY]));
      return;
    case '/fin':
      t.write(Buffer.concat([Buffer.from(head(BODY.length, true)), BODY]), () => raw.end());
      return;
    case '/rst-before':
      raw.resetAndDestroy();
      return;
    case '/stall':
      t.write(Buffer.concat([Buffer.from(head(BODY.length, true)), BODY.subarray(0, HALF)]));
      return;
    default:
      t.write(Buffer.concat([Buffer.from(head(BODY.length, false)), BODY]));
  }
}

export interface ClientLeg {
  /** The raw tunnel socket under the TLS socket (its local port identifies the connection in tlslab's events). */
  raw: net.Socket;
  tls: tls.TLSSocket;
  /** Everything the TLS socket delivered until it closed, and whether that ended with an orderly 'end'. */
  done: Promise<{ data: Buffer; ended: boolean; error: string | null }>;
  /** Resolves once the response body has reached `n` bytes (what the origin sent has all gone through tlslab). */
  bodyBytes(n: number): Promise<void>;
}

/**
 * A Node TLS client through tlslab's CONNECT tunnel. Half-open (its raw socket is): after `tls.end()` (close_notify +
 * FIN) or `raw.end()` (a bare FIN) it still reads whatever comes, until the other side ends too.
 */
export async function clientLeg(app: TestTlslab, target: string, opts: tls.ConnectionOptions = {}): Promise<ClientLeg> {
  const raw = await connectTunnel(app.proxyPort, target);
  raw.allowHalfOpen = true;
  raw.on('error', () => undefined);
  const host = target.replace(/:\d+$/, '');
  const t = tls.connect({ socket: raw, servername: net.isIP(host) ? undefined : host, ca: app.ca.certPem, ALPNProtocols: ['http/1.1'], ...opts });
  const chunks: Buffer[] = [];
  let ended = false;
  let error: string | null = null;
  const waiters: { n: number; resolve: () => void }[] = [];
  t.on('data', (c: Buffer) => {
    chunks.push(c);
    const got = bodyOf(Buffer.concat(chunks))?.length ?? 0;
    for (const w of waiters.filter((x) => got >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  t.on('end', () => {
    ended = true;
    t.end(); // the server is done: answer with our own end, as a client that is not half-open does at once
  });
  t.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
  const done = new Promise<{ data: Buffer; ended: boolean; error: string | null }>((r) => t.once('close', () => r({ data: Buffer.concat(chunks), ended, error })));
  await new Promise<void>((resolve, reject) => {
    t.once('secureConnect', resolve);
    t.once('close', () => reject(new Error(`handshake with ${target} through tlslab did not complete (${error ?? 'closed'})`)));
  });
  const bodyBytes = (n: number): Promise<void> => new Promise((resolve) => {
    if ((bodyOf(Buffer.concat(chunks))?.length ?? 0) >= n) resolve();
    else waiters.push({ n, resolve });
  });
  return { raw, tls: t, done, bodyBytes };
}

export function request(path: string, host = 'localhost'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`;
}

/**
 * A client that sends its ClientHello through the tunnel and then, mid-handshake, a bare FIN (`fin`) or a TCP RST
 * (`reset`). Resolves with the tunnel's local port once the socket has closed.
 */
export async function helloThenGo(app: TestTlslab, target: string, how: 'fin' | 'reset'): Promise<number> {
  const raw = await connectTunnel(app.proxyPort, target);
  raw.on('error', () => undefined);
  const host = target.replace(/:\d+$/, '');
  const t = tls.connect({ socket: raw, servername: net.isIP(host) ? undefined : host, ca: app.ca.certPem });
  t.on('error', () => undefined);
  const port = raw.localPort!;
  // The ClientHello is written when tls.connect starts the handshake; the next turn of the loop, it has gone out.
  await new Promise((r) => setImmediate(r));
  if (how === 'fin') raw.end();
  else raw.resetAndDestroy();
  await new Promise((r) => (raw.closed ? r(undefined) : raw.once('close', r)));
  t.destroy();
  return port;
}

/** The body of a single HTTP/1.1 response with Content-Length, or null when the text is not one. */
export function bodyOf(data: Buffer): Buffer | null {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return null;
  return data.subarray(end + 4);
}

type Of<T extends TlslabEvent['type']> = Extract<TlslabEvent, { type: T }>;

/** tlslab's connection for the tunnel whose client end is `localPort` (from its conn:open). */
export async function connFor(app: TestTlslab, localPort: number): Promise<string> {
  const open = await app.waitFor((e): e is Of<'conn:open'> => e.type === 'conn:open' && e.client.port === localPort);
  return open.conn;
}

/** Waits until tlslab has the client's Finished (the client leg's handshake is complete on tlslab's side too). */
export async function clientLegEstablished(app: TestTlslab, conn: string): Promise<void> {
  await app.waitFor((e) => e.type === 'tls:established' && e.conn === conn && e.leg === 'client');
}

/** Waits for the connection's conn:close. */
export function closeOf(app: TestTlslab, conn: string): Promise<Of<'conn:close'>> {
  return app.waitFor((e): e is Of<'conn:close'> => e.type === 'conn:close' && e.conn === conn);
}

/** The close_notify alerts of one connection, as `leg:from` in the order they went by. */
export function closeNotifies(app: TestTlslab, conn: string): string[] {
  return app.events
    .filter((e): e is Of<'tls:alert'> => e.conn === conn && e.type === 'tls:alert' && e.description.name === 'close_notify')
    .map((e) => `${e.leg}:${e.from}`);
}

/** Which of tlslab's sockets to look at: one connection's, or every one on the proxy port and towards some origins. */
export interface ConnSockets {
  proxyPort: number;
  /** The client's port (tlslab's socket is proxyPort → clientPort); absent: every client leg. */
  clientPort?: number;
  /** Origins, each with tlslab's local port towards it when known (else every tlslab socket to that origin). */
  upstreams?: { originPort: number; localPort?: number }[];
}

/**
 * The sockets of a connection that this process (tlslab runs in the test process) still holds an fd for. `ss -p`
 * names the owning process only for sockets with an open fd, so an orphaned FIN-WAIT or TIME-WAIT (closed, the kernel
 * finishing up) is not counted; a CLOSE-WAIT or ESTAB one is a leak.
 */
export function heldSockets(c: ConnSockets): string[] {
  const client = c.clientPort === undefined ? `sport = :${c.proxyPort}` : `( sport = :${c.proxyPort} and dport = :${c.clientPort} )`;
  const ups = (c.upstreams ?? []).map((u) => ` or ( dport = :${u.originPort}${u.localPort ? ` and sport = :${u.localPort}` : ''} )`);
  const filter = `( ${client}${ups.join('')} )`;
  const out = execFileSync('ss', ['-tanpH', filter], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '' && !l.startsWith('LISTEN') && l.includes(`pid=${process.pid},`))
    .map((l) => l.replace(/ users:.*/, ''));
}

/** tlslab's sources: a timer set by a call that passes through them is tlslab's. */
const SRC = path.resolve(__dirname, '..', '..', 'src') + path.sep;

export interface TimerWatch {
  /**
   * tlslab's timers set since the watch began that have neither fired nor been cleared and keep the process alive
   * (unref'ed ones, such as Node's HTTP Date cache, do not): delay, callback, where each was set.
   */
  pending(): string[];
  stop(): void;
}

/**
 * Watches, from now on, the timers tlslab sets (tlslab runs in the test process): a timer that outlives the close of
 * its connection holds the connection's objects, and keeps the process from exiting, until it fires.
 */
export function watchTlslabTimers(): TimerWatch {
  /** Node marks a timer `_destroyed` as it fires or is cleared; the hook's own destroy callback comes later. */
  type Timer = { _destroyed?: boolean; _idleTimeout?: number; _onTimeout?: unknown; hasRef(): boolean };
  const live = new Map<number, { timer: Timer; what: string }>();
  const hook = createHook({
    init(id: number, type: string, _trigger: number, resource: object) {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 30;
      const site = new Error().stack?.split('\n').find((l) => l.includes(SRC));
      Error.stackTraceLimit = limit;
      if (site === undefined) return;
      const timer = resource as Timer;
      live.set(id, { timer, what: `${timer._idleTimeout} ms: ${String(timer._onTimeout).replace(/\s+/g, ' ').slice(0, 80)} ${site.trim()}` });
    },
    destroy(id: number) {
      live.delete(id);
    },
  });
  hook.enable();
  return {
    pending: () => [...live.values()].filter((t) => t.timer._destroyed !== true && t.timer.hasRef()).map((t) => t.what),
    stop: () => void hook.disable(),
  };
}
