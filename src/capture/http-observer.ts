// Watches the decrypted bytes of a relayed HTTP/1.x connection and emits one event per request and response head.
// It only observes: the relay never waits for it. HTTP/2 (ALPN h2) is handed to the h2 observer.
import type { Leg } from '../events/schema';
import type { ConnectionSession } from './session';
import { H2Observer } from './h2-observer';
import { redactUrl, shownHeaderValue } from './redact';
import { bodyOf, HTTP_LIMITS, Http1Framer, type BodyState, type Head, type HttpLimit } from './http1-framing';

/** Emits `http:request` / `http:response` for one relayed connection. */
export class HttpObserver {
  private readonly client: Http1Framer | null;
  private readonly server: Http1Framer | null;
  private nextId = 1;
  private readonly pending: { id: number; method: string }[] = [];
  private response: { id: number; status: number; statusText: string; headers: [string, string][]; endsWithClose: boolean } | null = null;
  private readonly h2: H2Observer | null;

  constructor(private readonly session: ConnectionSession, alpn: string | null) {
    this.h2 = alpn === 'h2' ? new H2Observer((e) => session.emit(e), (from, what) => this.limitHit(from === 'client' ? 'client' : 'upstream', what)) : null;
    const h1 = alpn === null || alpn === 'http/1.1' || alpn === 'http/1.0';
    const h1Limit = (leg: Leg) => (l: HttpLimit): void => this.limitHit(leg, `HTTP/1.x ${HTTP_LIMITS[l].what} longer than ${HTTP_LIMITS[l].bytes / 1024} KiB`);
    this.client = h1 ? new Http1Framer({ head: (h) => this.request(h), bodyDone: () => undefined, limit: h1Limit('client'), headerValue: shownHeaderValue }) : null;
    this.server = h1 ? new Http1Framer({ head: (h) => this.responseHead(h), bodyDone: (n) => this.responseDone(n), limit: h1Limit('upstream'), headerValue: shownHeaderValue }) : null;
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
    const method = m[1];
    this.pending.push({ id, method });
    this.session.emit({ type: 'http:request', step: 7, id, method, url: redactUrl(m[2]), httpVersion: m[3], headers: h.headers });
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
