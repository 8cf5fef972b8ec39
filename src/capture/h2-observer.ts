// Watches the decrypted bytes of a relayed HTTP/2 connection and reports one request per stream and its response.
// Pure: no I/O. Frames (RFC 9113 §4.1) are parsed per direction; malformed input silently stops that direction, a
// frame or header block over the limits stops it with a report.
import { HpackDecoder } from './hpack';
import type { HttpRequestEvent, HttpResponseEvent } from '../events/schema';
import { redactUrl, shownHeaderValue } from './redact';

type Body<E> = Omit<E, 'v' | 'seq' | 't' | 'conn'>;
/** What the observer reports: the `http:request` / `http:response` drafts, without connection stamps. */
export type H2HttpDraft = Body<HttpRequestEvent> | Body<HttpResponseEvent>;

/** RFC 9113 §3.4: the client connection preface. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER = 9;
/** RFC 9113 §4.2, §6.5.2: SETTINGS_MAX_FRAME_SIZE starts at 2^14 and may be raised up to 2^24 - 1. */
const DEFAULT_MAX_FRAME = 1 << 14;
const LARGEST_MAX_FRAME = (1 << 24) - 1;
/** A header block (HEADERS or PUSH_PROMISE plus CONTINUATION frames) larger than this is not decoded. */
export const MAX_HEADER_BLOCK = 256 * 1024;
/** Payloads of the other frames this observer reads (SETTINGS, RST_STREAM) larger than this are not buffered. */
const MAX_CONTROL_FRAME = 16 * 1024;
const MAX_STREAMS = 1000;
/** SETTINGS_HEADER_TABLE_SIZE values above this stop the direction that would need it. */
const MAX_TABLE = 1024 * 1024;

/** RFC 9113 §6 frame types this observer reads; others are skipped (§4.1: unknown types are ignored). */
const FRAME = { DATA: 0x0, HEADERS: 0x1, SETTINGS: 0x4, PUSH_PROMISE: 0x5, RST_STREAM: 0x3, CONTINUATION: 0x9 } as const;
/** Frames whose payload is read (buffered whole); every other type is skipped byte by byte as it arrives. */
const READ: ReadonlySet<number> = new Set([FRAME.HEADERS, FRAME.PUSH_PROMISE, FRAME.CONTINUATION, FRAME.SETTINGS, FRAME.RST_STREAM]);
const HEADER_FRAMES: ReadonlySet<number> = new Set([FRAME.HEADERS, FRAME.PUSH_PROMISE, FRAME.CONTINUATION]);
/** RFC 9113 §6.1, §6.2: frame flags. */
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;
/** RFC 9113 §6.5.2 */
const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_MAX_FRAME_SIZE = 0x5;

interface FrameHead {
  length: number;
  type: number;
  flags: number;
  stream: number;
}

/** A byte queue that hands out exact lengths without re-copying everything on each push. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Removes and returns the first `n` bytes (n <= length). */
  take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
    } else {
      out = Buffer.concat(this.chunks, n);
    }
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.length -= n;
    while (n > 0) {
      const c = this.chunks[0];
      if (c.length <= n) {
        n -= c.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = c.subarray(n);
        n = 0;
      }
    }
  }
}

/** One direction: the preface (client only), frame framing, and that direction's HPACK context. */
class Direction {
  readonly hpack = new HpackDecoder();
  private readonly q = new ByteQueue();
  private prefaceLeft: number;
  private frame: FrameHead | null = null;
  /** DATA frames are counted, not buffered: payload bytes still to skip and padding not yet known. */
  private dataLeft = 0;
  /** Payload bytes of a frame this observer does not read, still to skip. */
  private skipLeft = 0;
  /** The largest frame payload the receiving peer accepts (its SETTINGS_MAX_FRAME_SIZE). */
  maxFrame = DEFAULT_MAX_FRAME;
  private dataPad = -1;
  /** A header block in progress (HEADERS or PUSH_PROMISE, then CONTINUATION until END_HEADERS). */
  private block: { stream: number; parts: Buffer[]; size: number; endStream: boolean; promised: number | null } | null = null;
  off = false;

  constructor(client: boolean, private readonly on: FrameSink) {
    this.prefaceLeft = client ? PREFACE.length : 0;
  }

  push(chunk: Buffer): void {
    if (this.off) return;
    try {
      this.q.push(chunk);
      this.drain();
    } catch (e) {
      // Malformed (or HpackError), or over a limit: stop observing this direction; the relay never notices.
      this.off = true;
      this.q.skip(this.q.length);
      if (e instanceof OverLimit) this.on.limit(e.message);
    }
  }

  private drain(): void {
    while (!this.off) {
      if (this.prefaceLeft > 0) {
        const n = Math.min(this.prefaceLeft, this.q.length);
        if (n === 0) return;
        const at = PREFACE.length - this.prefaceLeft;
        if (!this.q.take(n).equals(PREFACE.subarray(at, at + n))) throw new Malformed('no client preface');
        this.prefaceLeft -= n;
        continue;
      }
      if (!this.frame) {
        if (this.q.length < FRAME_HEADER) return;
        const h = this.q.take(FRAME_HEADER);
        const f = { length: h.readUIntBE(0, 3), type: h[3], flags: h[4], stream: h.readUInt32BE(5) & 0x7fffffff };
        // §4.2: a frame larger than the receiver's SETTINGS_MAX_FRAME_SIZE is a FRAME_SIZE_ERROR.
        if (f.length > this.maxFrame) throw new OverLimit(`HTTP/2 frame of ${f.length} bytes, larger than the ${this.maxFrame} its receiver accepts (SETTINGS_MAX_FRAME_SIZE, RFC 9113 §4.2)`);
        if (HEADER_FRAMES.has(f.type) && f.length > MAX_HEADER_BLOCK + 256) throw new OverLimit(`HTTP/2 header block over ${MAX_HEADER_BLOCK / 1024} KiB`);
        if (READ.has(f.type) && !HEADER_FRAMES.has(f.type) && f.length > MAX_CONTROL_FRAME) throw new OverLimit(`HTTP/2 control frame (type ${f.type}) of ${f.length} bytes`);
        if (this.block && (f.type !== FRAME.CONTINUATION || f.stream !== this.block.stream)) throw new Malformed('header block interrupted');
        this.frame = f;
        if (f.type === FRAME.DATA) {
          this.dataLeft = f.length;
          this.dataPad = f.flags & FLAG.PADDED ? -1 : 0;
        } else if (!READ.has(f.type)) {
          this.skipLeft = f.length;
        }
      }
      const f = this.frame;
      if (f.type === FRAME.DATA) {
        if (!this.data(f)) return;
      } else if (!READ.has(f.type)) {
        // PING, GOAWAY, WINDOW_UPDATE, PRIORITY and unknown types (§4.1: ignored): skipped, never buffered.
        const n = Math.min(this.skipLeft, this.q.length);
        this.q.skip(n);
        this.skipLeft -= n;
        if (this.skipLeft > 0) return;
      } else {
        if (this.q.length < f.length) return;
        this.payload(f, this.q.take(f.length));
      }
      this.frame = null;
    }
  }

  /** RFC 9113 §6.1: counts a DATA payload minus padding without buffering it; true once the frame is consumed. */
  private data(f: FrameHead): boolean {
    if (this.dataPad < 0) {
      if (f.length < 1) throw new Malformed('padded DATA without pad length');
      if (this.q.length < 1) return false;
      this.dataPad = this.q.take(1)[0];
      this.dataLeft -= 1;
      if (this.dataPad > this.dataLeft) throw new Malformed('DATA padding exceeds payload');
    }
    const n = Math.min(this.dataLeft, this.q.length);
    this.q.skip(n);
    this.dataLeft -= n;
    if (this.dataLeft > 0) return false;
    this.on.data(f.stream, f.length - (f.flags & FLAG.PADDED ? 1 + this.dataPad : 0), (f.flags & FLAG.END_STREAM) !== 0);
    return true;
  }

  private payload(f: FrameHead, p: Buffer): void {
    if (f.type === FRAME.HEADERS || f.type === FRAME.PUSH_PROMISE) {
      // §6.2 HEADERS: [Pad Length] [E + Stream Dependency, Weight] fragment [Padding]
      // §6.6 PUSH_PROMISE: [Pad Length] R + Promised Stream ID, fragment [Padding]
      let start = 0;
      let end = p.length;
      if (f.flags & FLAG.PADDED) {
        if (p.length < 1) throw new Malformed('padded frame without pad length');
        end -= p[0];
        start = 1;
      }
      let promised: number | null = null;
      if (f.type === FRAME.HEADERS && f.flags & FLAG.PRIORITY) start += 5;
      if (f.type === FRAME.PUSH_PROMISE) {
        if (p.length < start + 4) throw new Malformed('short PUSH_PROMISE');
        promised = p.readUInt32BE(start) & 0x7fffffff;
        start += 4;
      }
      if (start > end || f.stream === 0) throw new Malformed('bad header frame');
      this.block = { stream: f.stream, parts: [], size: 0, endStream: (f.flags & FLAG.END_STREAM) !== 0 && promised === null, promised };
      this.fragment(p.subarray(start, end), f.flags);
    } else if (f.type === FRAME.CONTINUATION) {
      if (!this.block) throw new Malformed('CONTINUATION without a header block');
      this.fragment(p, f.flags);
    } else if (f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK)) {
      // §6.5.1: six-octet identifier/value pairs
      if (p.length % 6 !== 0) throw new Malformed('bad SETTINGS length');
      for (let i = 0; i < p.length; i += 6) {
        const id = p.readUInt16BE(i);
        if (id === SETTINGS_HEADER_TABLE_SIZE) this.on.headerTableSize(p.readUInt32BE(i + 2));
        else if (id === SETTINGS_MAX_FRAME_SIZE) this.on.maxFrameSize(p.readUInt32BE(i + 2));
      }
    } else if (f.type === FRAME.RST_STREAM) {
      this.on.reset(f.stream);
    }
  }

  private fragment(part: Buffer, flags: number): void {
    const b = this.block as NonNullable<Direction['block']>;
    b.size += part.length;
    if (b.size > MAX_HEADER_BLOCK) throw new OverLimit(`HTTP/2 header block over ${MAX_HEADER_BLOCK / 1024} KiB (HEADERS and CONTINUATION frames, RFC 9113 §6.10)`);
    b.parts.push(Buffer.from(part));
    if (!(flags & FLAG.END_HEADERS)) return;
    this.block = null;
    const fields = this.hpack.decode(b.parts.length === 1 ? b.parts[0] : Buffer.concat(b.parts));
    this.on.headers(b.stream, fields, b.endStream, b.promised);
  }
}

class Malformed extends Error {}
/** Input over one of the observer's limits: stops the direction, and says why. */
class OverLimit extends Error {}

interface FrameSink {
  headers(stream: number, fields: [string, string][], endStream: boolean, promised: number | null): void;
  data(stream: number, bytes: number, endStream: boolean): void;
  headerTableSize(n: number): void;
  /** The sender's SETTINGS_MAX_FRAME_SIZE: bounds the frames the other direction may carry. */
  maxFrameSize(n: number): void;
  reset(stream: number): void;
  /** The direction stopped at a limit; `what` names it. */
  limit(what: string): void;
}

interface Response {
  status: number;
  headers: [string, string][];
  bodyBytes: number;
}

/** A stream with a request seen: its request number (from 1, as HTTP/1's) and its response once the head came. */
interface Exchange {
  id: number;
  response: Response | null;
}

/** Reports `http:request` for each client HEADERS (and server PUSH_PROMISE) and `http:response` when a response ends. */
export class H2Observer {
  private readonly client: Direction;
  private readonly server: Direction;
  /** Streams with a response under way, oldest first (Map keeps insertion order), at most MAX_STREAMS. */
  private readonly responses = new Map<number, Exchange>();
  /** Requests numbered from 1 in the order their HEADERS (or PUSH_PROMISE) came, as on an HTTP/1 connection. */
  private nextId = 1;

  /** `onLimit`: a direction stopped at one of the observer's limits (`from`: who sent it). */
  constructor(private readonly emit: (e: H2HttpDraft) => void, onLimit: (from: 'client' | 'server', what: string) => void = () => undefined) {
    this.client = new Direction(true, {
      headers: (s, f) => this.request(s, f),
      data: () => undefined,
      headerTableSize: (n) => this.limit(this.server, n),
      maxFrameSize: (n) => this.frameLimit(this.server, n),
      reset: (s) => this.responses.delete(s),
      limit: (what) => onLimit('client', what),
    });
    this.server = new Direction(false, {
      headers: (s, f, end, promised) => (promised === null ? this.responseHead(s, f, end) : this.request(promised, f)),
      data: (s, n, end) => this.responseData(s, n, end),
      headerTableSize: (n) => this.limit(this.client, n),
      maxFrameSize: (n) => this.frameLimit(this.client, n),
      reset: (s) => this.responses.delete(s),
      limit: (what) => onLimit('server', what),
    });
  }

  /** RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE between 2^14 and 2^24 - 1 (others are a PROTOCOL_ERROR: ignored here). */
  private frameLimit(d: Direction, n: number): void {
    if (n >= DEFAULT_MAX_FRAME && n <= LARGEST_MAX_FRAME) d.maxFrame = n;
  }

  fromClient(chunk: Buffer): void {
    this.client.push(chunk);
  }

  fromServer(chunk: Buffer): void {
    this.server.push(chunk);
  }

  /** Whether each direction is still parsed (false once malformed input stopped it). */
  get observing(): { client: boolean; server: boolean } {
    return { client: !this.client.off, server: !this.server.off };
  }

  /** A peer's SETTINGS_HEADER_TABLE_SIZE bounds the other direction's encoder (RFC 7541 §4.2). */
  private limit(d: Direction, n: number): void {
    if (n > MAX_TABLE) d.off = true;
    else d.hpack.setMaxTableSize(Math.max(n, 4096));
  }

  /**
   * The request target as HTTP/2 sends it (RFC 9113 §8.3.1): `:path` — what an HTTP/1 request line carries — or, for
   * CONNECT, `:authority`. The scheme and authority stay in the headers, pseudo-headers first, as sent.
   */
  private request(stream: number, fields: [string, string][]): void {
    if (this.responses.has(stream)) return; // trailers
    const pseudo = (n: string): string | undefined => fields.find(([k]) => k === n)?.[1];
    const method = pseudo(':method') ?? '';
    const url = pseudo(':path') ?? pseudo(':authority') ?? '';
    const id = this.nextId++;
    this.track(stream, { id, response: null });
    this.emit({ type: 'http:request', step: 7, id, stream, method, url: redactUrl(url), httpVersion: '2', headers: shown(fields) });
  }

  private responseHead(stream: number, fields: [string, string][], endStream: boolean): void {
    const x = this.responses.get(stream);
    if (x?.response) {
      // Trailers (RFC 9113 §8.1): they end the response.
      if (endStream) this.finish(stream, x);
      return;
    }
    const status = Number(fields.find(([k]) => k === ':status')?.[1]);
    if (!Number.isInteger(status)) return;
    if (status >= 100 && status < 200) return; // interim response (§8.1)
    // A response on a stream whose request was not seen (observation began late): it gets the next number.
    const exchange: Exchange = { id: x?.id ?? this.nextId++, response: { status, headers: shown(fields), bodyBytes: 0 } };
    this.track(stream, exchange);
    if (endStream) this.finish(stream, exchange);
  }

  private responseData(stream: number, bytes: number, endStream: boolean): void {
    const x = this.responses.get(stream);
    if (!x?.response) return;
    x.response.bodyBytes += bytes;
    if (endStream) this.finish(stream, x);
  }

  private track(stream: number, x: Exchange): void {
    this.responses.delete(stream);
    this.responses.set(stream, x);
    if (this.responses.size > MAX_STREAMS) this.responses.delete(this.responses.keys().next().value as number);
  }

  private finish(stream: number, x: Exchange): void {
    this.responses.delete(stream);
    const r = x.response;
    if (!r) return;
    this.emit({ type: 'http:response', step: 7, id: x.id, stream, status: r.status, statusText: '', headers: r.headers, bodyBytes: r.bodyBytes });
  }
}

/** Header fields as sent, pseudo-headers included (RFC 9113 §8.3), with credentials redacted like the HTTP/1 observer does. */
function shown(fields: [string, string][]): [string, string][] {
  return fields.map(([n, v]) => [n, n === ':path' ? redactUrl(v) : shownHeaderValue(n, v)]);
}
