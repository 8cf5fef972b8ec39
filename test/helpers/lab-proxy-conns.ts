// Reads what tlslab recorded about connections to lab origins: one LabConn per intercepted tunnel, with its events.
// Also the clients the lab-proxy tests drive (curl, openssl s_client, Node); I/O: child processes and sockets.
import type { X509Certificate } from 'node:crypto';
import type tls from 'node:tls';
import type { TlslabEvent } from '../../src/events/schema';
import { run, tlsThroughProxy, type RunResult, type TestTlslab } from './tlslab';

type Of<T extends TlslabEvent['type']> = Extract<TlslabEvent, { type: T }>;

/** One connection as recorded by tlslab, once it has closed. */
export class LabConn {
  constructor(
    readonly id: string,
    readonly events: TlslabEvent[],
  ) {}

  all<T extends TlslabEvent['type']>(type: T, pred: (e: Of<T>) => boolean = () => true): Of<T>[] {
    return this.events.filter((e): e is Of<T> => e.type === type && pred(e as Of<T>));
  }

  one<T extends TlslabEvent['type']>(type: T, pred?: (e: Of<T>) => boolean): Of<T> {
    const found = this.all(type, pred);
    if (found.length !== 1) throw new Error(`${this.id}: expected one ${type}, found ${found.length} (${this.events.map((e) => e.type).join(', ')})`);
    return found[0];
  }

  maybe<T extends TlslabEvent['type']>(type: T, pred?: (e: Of<T>) => boolean): Of<T> | undefined {
    return this.all(type, pred)[0];
  }

  /** Finding codes of the upstream verdict, in order (null: no verdict, e.g. the upstream never got that far). */
  get codes(): string[] | null {
    const v = this.maybe('tls:verdict');
    return v ? v.findings.map((f) => f.code) : null;
  }

  get outcome(): Of<'tls:client-outcome'> | undefined {
    return this.maybe('tls:client-outcome');
  }

  /** Handshake message names of one leg and sender, in order, e.g. `['server_hello', 'certificate', …]`. */
  messages(leg: 'client' | 'upstream', from: 'client' | 'server'): string[] {
    return this.all('tls:handshake', (e) => e.leg === leg && e.from === from).map((e) => e.msgType.name);
  }

  alerts(leg: 'client' | 'upstream', from: 'client' | 'server'): Of<'tls:alert'>[] {
    return this.all('tls:alert', (e) => e.leg === leg && e.from === from);
  }
}

/** Marks where a test's events begin: connections opened after this are the test's own. */
export function mark(app: TestTlslab): number {
  return app.events.length;
}

/**
 * The connections to `host` opened since `since` (at least `min` of them), each returned once it has closed
 * (or, with `until: 'outcome'`, once the client leg is classified: a browser keeps a good connection open).
 * Waits for stragglers: a client may exit before tlslab has seen its last bytes.
 */
export async function connsTo(app: TestTlslab, host: string, since: number, min = 1, timeoutMs = 15000, until: 'close' | 'outcome' = 'close'): Promise<LabConn[]> {
  const opens = (): Of<'conn:open'>[] =>
    app.events.slice(since).filter((e): e is Of<'conn:open'> => e.type === 'conn:open' && e.target.host === host);
  const deadline = Date.now() + timeoutMs;
  while (opens().length < min) {
    if (Date.now() > deadline) throw new Error(`expected ${min} connection(s) to ${host}, saw ${opens().length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const out: LabConn[] = [];
  for (const open of opens()) {
    const last = until === 'close' ? 'conn:close' : 'tls:client-outcome';
    await app.waitFor((e) => (e.type === last || e.type === 'conn:close') && e.conn === open.conn, timeoutMs);
    out.push(new LabConn(open.conn, app.events.filter((e) => e.conn === open.conn)));
  }
  return out;
}

/**
 * The first connection to `host` since `since` whose client leg was classified as `pred` accepts, as it stood then.
 * For browsers: they may open an extra (preconnected) socket that stays idle, so waiting for every close would hang.
 */
export async function classifiedConn(app: TestTlslab, host: string, since: number, pred: (outcome: string) => boolean, timeoutMs = 15000): Promise<LabConn> {
  const mine = new Set<string>();
  const hit = await app.waitFor((e) => {
    if (e.seq <= (app.events[since - 1]?.seq ?? 0)) return false;
    if (e.type === 'conn:open' && e.target.host === host) mine.add(e.conn);
    return e.type === 'tls:client-outcome' && mine.has(e.conn) && pred(e.outcome);
  }, timeoutMs);
  return new LabConn(hit.conn, app.events.filter((e) => e.conn === hit.conn));
}

/** The single connection to `host` since `since`. */
export async function connTo(app: TestTlslab, host: string, since: number): Promise<LabConn> {
  const conns = await connsTo(app, host, since);
  if (conns.length !== 1) throw new Error(`expected one connection to ${host}, saw ${conns.length}`);
  return conns[0];
}

export const labHost = (name: string): string => `${name}.lab.tlslab`;

export interface HttpAnswer {
  /** Exit code (curl, openssl) or 0 for Node. */
  code: number;
  /** HTTP status of the response inside the tunnel, or null when none came. */
  status: number | null;
  /** Response head and body as text. */
  text: string;
  stderr: string;
}

/** The HTTP status in a text, skipping the proxy's own `200 Connection Established`. */
function statusOf(text: string): number | null {
  for (const m of text.matchAll(/^HTTP\/[\d.]+ (\d{3})(.*)$/gm)) {
    if (!/Connection Established/i.test(m[2] ?? '')) return Number(m[1]);
  }
  return null;
}

/** curl through tlslab: `-i` so the head is in stdout; `extra` e.g. `['--cacert', file]`. */
export async function curl(app: TestTlslab, name: string, extra: string[]): Promise<HttpAnswer> {
  const r: RunResult = await run('curl', ['-sS', '-i', '--max-time', '15', '-x', app.proxyUrl, ...extra, `https://${labHost(name)}/`]);
  return { code: r.code, status: statusOf(r.stdout), text: r.stdout, stderr: r.stderr };
}

/** `openssl s_client -proxy`, sending one HTTP/1.1 request; `extra` e.g. `['-CAfile', file]`. */
export async function opensslClient(app: TestTlslab, name: string, extra: string[]): Promise<HttpAnswer> {
  const host = labHost(name);
  const r = await run('openssl', ['s_client', '-proxy', `127.0.0.1:${app.proxyPort}`, '-connect', `${host}:443`, '-servername', host, '-ign_eof', ...extra], {
    input: `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
  });
  return { code: r.code, status: statusOf(r.stdout), text: r.stdout, stderr: r.stderr };
}

/** A Node TLS client through tlslab: one HTTP/1.1 request, read to the end. Rejects when the handshake fails. */
export async function nodeClient(app: TestTlslab, name: string, opts: tls.ConnectionOptions): Promise<HttpAnswer & { peer: X509Certificate | undefined; protocol: string | null }> {
  const host = labHost(name);
  const socket = await tlsThroughProxy(app.proxyPort, host, 443, { ALPNProtocols: ['http/1.1'], ...opts });
  const peer = socket.getPeerX509Certificate();
  const protocol = socket.getProtocol();
  socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  const text = await new Promise<string>((resolve, reject) => {
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of response from ${host}`));
    }, 15000);
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (data += c));
    socket.on('error', () => undefined); // a close without close_notify is what no-close-notify teaches
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
  });
  return { code: 0, status: statusOf(text), text, stderr: '', peer, protocol };
}

/** Node's handshake error code through tlslab (null when the handshake succeeded). */
export async function nodeHandshakeError(app: TestTlslab, name: string, opts: tls.ConnectionOptions): Promise<string | null> {
  try {
    const s = await tlsThroughProxy(app.proxyPort, labHost(name), 443, opts);
    s.destroy();
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return e.code && e.code !== 'UNSPECIFIED' ? e.code : e.message;
  }
}
