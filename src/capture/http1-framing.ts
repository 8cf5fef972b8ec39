// HTTP/1.x message framing over one direction of a byte stream (RFC 9112 §6.3, §7.1): heads, then bodies by
// Content-Length, by chunks or until the close, each byte read once and every line bounded. Pure: bytes in, callbacks out.
import { DelimitedReader } from './delimited-reader';

/** RFC 9112 §2.1: a message head (start line and header fields) larger than this is not read. */
const MAX_HEAD = 64 * 1024;
/** RFC 9112 §7.1: one chunk-size line, chunk extensions included. */
const MAX_CHUNK_LINE = 4 * 1024;
/** RFC 9112 §7.1.2: the trailer section of a chunked body. */
const MAX_TRAILER = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const CRLF2 = Buffer.from('\r\n\r\n');

/** What the framer stopped at: a part of an HTTP/1.x message longer than it reads. */
export type HttpLimit = 'head' | 'chunk-line' | 'trailer';

export const HTTP_LIMITS: Readonly<Record<HttpLimit, { bytes: number; what: string }>> = {
  head: { bytes: MAX_HEAD, what: 'message head (start line and header fields, RFC 9112 §2.1)' },
  'chunk-line': { bytes: MAX_CHUNK_LINE, what: 'chunk-size line (RFC 9112 §7.1)' },
  trailer: { bytes: MAX_TRAILER, what: 'trailer section (RFC 9112 §7.1.2)' },
};

/** How the body after a head is framed (RFC 9112 §6.3); `head`: no body, the next head follows; `off`: not read further. */
export type BodyState =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; left: number; trailer: boolean; trailerBytes: number }
  | { kind: 'until-close' }
  | { kind: 'off' };

/** A message head: its start line and header fields in order. */
export interface Head {
  start: string;
  headers: [string, string][];
}

export interface FramerHandlers {
  /** A whole head: how its body is framed. */
  head(h: Head): BodyState;
  /** Bytes of the current body as they pass (counted, never kept). */
  body?(n: number): void;
  /** The current body is complete (0 for a message with none). */
  bodyDone(bytes: number): void;
  /** A part of a message was longer than the framer reads: it stops reading this stream. */
  limit(limit: HttpLimit): void;
  /** How a header field's value is kept (the observer redacts credentials); as sent by default. */
  headerValue?: (name: string, value: string) => string;
}

/** One direction of an HTTP/1.x byte stream: heads, then bodies skipped by length or by chunks. Each byte is read once. */
export class Http1Framer {
  private readonly heads = new DelimitedReader(CRLF2);
  private readonly lines = new DelimitedReader(CRLF);
  state: BodyState = { kind: 'head' };
  bodyBytes = 0;

  constructor(private readonly on: FramerHandlers) {}

  private counted(n: number): void {
    this.bodyBytes += n;
    this.on.body?.(n);
  }

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      const s = this.state;
      if (s.kind === 'off') return;
      if (s.kind === 'until-close') {
        this.counted(data.length);
        return;
      }
      if (s.kind === 'head') {
        const r = this.heads.feed(data, MAX_HEAD);
        if (r.kind === 'more') return;
        if (r.kind === 'too-long') return this.stop('head');
        const head = parseHead(r.value.toString('latin1'), this.on.headerValue);
        data = r.rest;
        this.bodyBytes = 0;
        this.state = head ? this.on.head(head) : { kind: 'off' };
        if (this.state.kind === 'head') this.on.bodyDone(0);
        continue;
      }
      if (s.kind === 'length') {
        const n = Math.min(s.left, data.length);
        s.left -= n;
        this.counted(n);
        data = data.subarray(n);
        if (s.left === 0) this.finishBody();
        continue;
      }
      // chunked (RFC 9112 §7.1): chunk-size [ chunk-ext ] CRLF, chunk-data CRLF, …, last-chunk, trailer-section CRLF
      if (s.left > 0) {
        const n = Math.min(s.left, data.length);
        s.left -= n;
        this.counted(n);
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
    this.on.limit(limit);
  }

  private finishBody(): void {
    this.state = { kind: 'head' };
    this.on.bodyDone(this.bodyBytes);
  }

  /** The sender closed its side: a body that runs until the close (RFC 9112 §6.3 rule 8) is complete now. */
  ended(): boolean {
    if (this.state.kind !== 'until-close') return false;
    this.state = { kind: 'off' };
    this.on.bodyDone(this.bodyBytes);
    return true;
  }
}

/** A head's text (CRLF-separated, no final empty line) as start line and fields; null when it has no start line. */
export function parseHead(text: string, headerValue: (name: string, value: string) => string = (_n, v) => v): Head | null {
  const lines = text.split('\r\n');
  const start = lines.shift();
  if (!start) return null;
  const headers: [string, string][] = [];
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c <= 0) continue;
    const name = l.slice(0, c).trim();
    const value = l.slice(c + 1).trim();
    headers.push([name, headerValue(name, value)]);
  }
  return { start, headers };
}

/** The first value of a header field (`name` in lower case). */
export function header(h: Head, name: string): string | undefined {
  return h.headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

/**
 * How a message's body is framed by its own fields (RFC 9112 §6.3): none, chunked, or a Content-Length; null when
 * neither says (a response's body then runs until the close).
 */
export function bodyOf(h: Head, noBody: boolean): BodyState | null {
  if (noBody) return { kind: 'head' };
  if ((header(h, 'transfer-encoding') ?? '').toLowerCase().includes('chunked')) return { kind: 'chunked', left: 0, trailer: false, trailerBytes: 0 };
  const len = header(h, 'content-length');
  if (len !== undefined && /^\d+$/.test(len)) return Number(len) === 0 ? { kind: 'head' } : { kind: 'length', left: Number(len) };
  return null;
}

