// Watches the decrypted bytes of a relayed HTTP/1.x connection and emits one event per request and response head.
// It only observes: the relay never waits for it. HTTP/2 (ALPN h2) is handed to the h2 observer.
import type { Leg } from '../events/schema';
import type { ConnectionSession } from './session';
import { H2Observer } from './h2-observer';
import { redactUrl, shownHeaderValue } from './redact';
import { DelimitedReader } from './delimited-reader';

/** RFC 9112 §2.1: a message head (start line and header fields) larger than this is not read. */
const MAX_HEAD = 64 * 1024;
/** RFC 9112 §7.1: one chunk-size line, chunk extensions included. */
const MAX_CHUNK_LINE = 4 * 1024;
/** RFC 9112 §7.1.2: the trailer section of a chunked body. */
const MAX_TRAILER = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');

/** What the observer stopped at: a part of an HTTP/1.x message longer than it reads. */
export type HttpLimit = 'head' | 'chunk-line' | 'trailer';

export const HTTP_LIMITS: Readonly<Record<HttpLimit, { bytes: number; what: string }>> = {
  head: { bytes: MAX_HEAD, what: 'message head (start line and header fields, RFC 9112 §2.1)' },
  'chunk-line': { bytes: MAX_CHUNK_LINE, what: 'chunk-size line (RFC 9112 §7.1)' },
  trailer: { bytes: MAX_TRAILER, what: 'trailer section (RFC 9112 §7.1.2)' },
};

type BodyState =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; left: number; trailer: boolean; trailerBytes: number }
  | { kind: 'until-close' }
  | { kind: 'off' };

interface Head {
  start: string;
  headers: [string, string][];
}

/** One direction of the byte stream: heads, then bodies skipped by length or by chunks. Each byte is read once. */
class Direction {
  private readonly heads = new DelimitedReader(CRLF2);
  private readonly lines = new DelimitedReader(CRLF);
  state: BodyState = { kind: 'head' };
  bodyBytes = 0;

  constructor(
    private readonly onHead: (h: Head) => BodyState,
    private readonly onBodyDone: (bytes: number) => void,
    private readonly onLimit: (limit: HttpLimit) => void,
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      const s = this.state;
      if (s.kind === 'off' || s.kind === 'until-close') {
        this.bodyBytes += data.length;
        return;
      }
      if (s.kind === 'head') {
        const r = this.heads.feed(data, MAX_HEAD);
        if (r.kind === 'more') return;
        if (r.kind === 'too-long') return this.stop('head');
        const head = parseHead(r.value.toString('latin1'));
        data = r.rest;
        this.bodyBytes = 0;
        this.state = head ? this.onHead(head) : { kind: 'off' };
        if (this.state.kind === 'head') this.onBodyDone(0);
        continue;
      }
      if (s.kind === 'length') {
        const n = Math.min(s.left, data.length);
        s.left -= n;
        this.bodyBytes += n;
        data = data.subarray(n);
        if (s.left === 0) this.finishBody();
        continue;
      }
      // chunked (RFC 9112 §7.1): chunk-size [ chunk-ext ] CRLF, chunk-data CRLF, …, last-chunk, trailer-section CRLF
      if (s.left > 0) {
        const n = Math.min(s.left, data.length);
        s.left -= n;
        this.bodyBytes += n;
        data = data.subarray(n);
        continue;
      }
      const r = this.lines.feed(data, s.trailer ? MAX_TRAILER - s.trailerBytes : MAX_CHUNK_LINE);
      if (r.kind === 'more') return;
      if (r.kind === 'too-long') return this.stop(s.trailer ? 'trailer' : 'chunk-line');
      data = r.rest;
      if (s.trailer) {
        s.trailerBytes += r.value.length + 2;
        if (r.value.length === 0) this.finishBody();
        continue;
      }
      if (r.value.length === 0) continue; // CRLF after a chunk's data
      const size = parseInt(r.value.toString('latin1'), 16);
      if (Number.isNaN(size)) {
        this.state = { kind: 'off' };
        return;
      }
      if (size === 0) s.trailer = true;
      else s.left = size;
    }
  }

  /** A limit was hit: this direction is no longer read (the relay is not affected). */
  private stop(limit: HttpLimit): void {
    this.state = { kind: 'off' };
    this.heads.reset();
    this.lines.reset();
    this.onLimit(limit);
  }

  private finishBody(): void {
    this.state = { kind: 'head' };
    this.onBodyDone(this.bodyBytes);
  }

  /** The sender closed its side: a body that runs until the close (RFC 9112 §6.3 rule 8) is complete now. */
  ended(): boolean {
    if (this.state.kind !== 'until-close') return false;
    this.state = { kind: 'off' };
    this.onBodyDone(this.bodyBytes);
    return true;
  }
}

function parseHead(text: string): Head | null {
  const lines = text.split('\r\n');
  const start = lines.shift();
  if (!start) return null;
  const headers: [string, string][] = [];
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c <= 0) continue;
    const name = l.slice(0, c).trim();
    const value = l.slice(c + 1).trim();
    headers.push([name, shownHeaderValue(name, value)]);
  }
  return { start, headers };
}

function header(h: Head, name: string): string | undefined {
  return h.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

function bodyOf(h: Head, noBody: boolean): BodyState | null {
  if (noBody) return { kind: 'head' };
  if ((header(h, 'transfer-encoding') ?? '').toLowerCase().includes('chunked')) return { kind: 'chunked', left: 0, trailer: false, trailerBytes: 0 };
  const len = header(h, 'content-length');
  if (len !== undefined && /^\d+$/.test(len)) return Number(len) === 0 ? { kind: 'head' } : { kind: 'length', left: Number(len) };
  return null;
}

/** Emits `http:request` / `http:response` for one relayed connection. */
export class HttpObserver {
  private readonly client: Direction | null;
  private readonly server: Direction | null;
  private nextId = 1;
  private readonly pending: { id: number; method: string }[] = [];
  private response: { id: number; status: number; statusText: string; headers: [string, string][]; endsWithClose: boolean } | null = null;
  private readonly h2: H2Observer | null;

  constructor(private readonly session: ConnectionSession, alpn: string | null) {
    this.h2 = alpn === 'h2' ? new H2Observer((e) => session.emit(e), (from, what) => this.limitHit(from === 'client' ? 'client' : 'upstream', what)) : null;
    const h1 = alpn === null || alpn === 'http/1.1' || alpn === 'http/1.0';
    const h1Limit = (leg: Leg) => (l: HttpLimit): void => this.limitHit(leg, `HTTP/1.x ${HTTP_LIMITS[l].what} longer than ${HTTP_LIMITS[l].bytes / 1024} KiB`);
    this.client = h1 ? new Direction((h) => this.request(h), () => undefined, h1Limit('client')) : null;
    this.server = h1 ? new Direction((h) => this.responseHead(h), (n) => this.responseDone(n), h1Limit('upstream')) : null;
  }

  fromClient(chunk: Buffer): void {
    if (this.h2) this.h2.fromClient(chunk);
    else this.client?.push(chunk);
  }

  fromServer(chunk: Buffer): void {
    if (this.h2) this.h2.fromServer(chunk);
    else this.server?.push(chunk);
  }

  /**
   * The server ended its side (its TLS stream ended, or the connection closed): a response whose body runs until the
   * close is reported now, with every byte of it. Idempotent.
   */
  serverEnded(): void {
    this.server?.ended();
  }

  /** One event per direction that stops: why HTTP is no longer shown. The relay never notices. */
  private limitHit(leg: Leg, what: string): void {
    const who = leg === 'client' ? 'client' : 'server';
    this.session.emit({
      type: 'conn:error',
      leg,
      code: 'TLSLAB_ERR_HTTP_LIMIT',
      cause: 'http-limit',
      message: `The ${who} sent an ${what}, more than tlslab reads: tlslab no longer shows this connection's HTTP from the ${who}, and still relays its bytes unchanged.`,
    });
  }

  private request(h: Head): BodyState {
    const m = /^([A-Z]+) (\S+) HTTP\/(\d\.\d)$/.exec(h.start);
    if (!m) return { kind: 'off' };
    const id = this.nextId++;
    const method = m[1] as string;
    this.pending.push({ id, method });
    this.session.emit({ type: 'http:request', step: 7, id, method, url: redactUrl(m[2] as string), httpVersion: m[3] as string, headers: h.headers });
    if (method === 'CONNECT') return { kind: 'off' };
    return bodyOf(h, false) ?? { kind: 'head' };
  }

  private responseHead(h: Head): BodyState {
    const m = /^HTTP\/\d\.\d (\d{3}) ?(.*)$/.exec(h.start);
    if (!m) return { kind: 'off' };
    const status = Number(m[1]);
    if (status >= 100 && status < 200 && status !== 101) return { kind: 'head' };
    const req = this.pending.shift();
    this.response = { id: req?.id ?? 0, status, statusText: m[2] ?? '', headers: h.headers, endsWithClose: false };
    const noBody = req?.method === 'HEAD' || status === 204 || status === 304;
    if (status === 101) {
      this.responseDone(0);
      return { kind: 'off' };
    }
    const body = bodyOf(h, noBody);
    if (body) return body;
    // No length: the body runs until the server closes the connection (RFC 9112 §6.3): reported then, counted whole.
    this.response.endsWithClose = true;
    return { kind: 'until-close' };
  }

  private responseDone(bodyBytes: number): void {
    const r = this.response;
    if (!r) return;
    this.response = null;
    this.session.emit({
      type: 'http:response', step: 7, id: r.id, status: r.status, statusText: r.statusText, headers: r.headers, bodyBytes,
      ...(r.endsWithClose ? { endsWithClose: true } : {}),
    });
  }
}
