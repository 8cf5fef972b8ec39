// One intercepted connection: two legs, each a tapped byte stream fed to its own decoder, and the events they make.
// I/O boundary: taps hand bytes in; events go out through the bus. Nothing here formats for display.
import type { EventBus } from '../events/bus';
import type { DistributiveOmit, Endpoint, EventDraft, FailureCause, Leg, Side, TlslabEvent } from '../events/schema';
import { TlsDecoder, type DecoderOptions, type TlsEvent } from '../tls';
import type { Tap } from './tap';
import { AppDataMasker } from './redact-bytes';
import { tcpEndEvent } from './tcp-end';

export type SessionEventDraft = DistributiveOmit<EventDraft, 'conn'>;

export interface SessionOptions {
  decoder?: DecoderOptions;
  /**
   * After the handshake, application-data records per direction beyond this many are counted, not emitted. The
   * decoder gets it as `appDataRecords` (it then neither decrypts nor builds events for them) unless `decoder`
   * sets that itself; the session still filters what a decoder reports beyond it.
   */
  appDataEvents?: number;
  /** Raw bytes kept per leg for export (first bytes of each direction, with timestamps). */
  rawKeepBytes?: number;
  /** The connection id (default: the next `cN` of this process). A replayed recording keeps its own ids. */
  id?: string;
  /** Where times come from, ms since the epoch (default: the monotonic clock). A replay passes the capture's. */
  clock?: () => number;
  /**
   * Sees the plaintext of every application-data record (null for one that could not be decrypted), before credentials
   * are masked for the previews, bulk records included (decrypted for it alone: they still make no event). For an
   * observer that reads the bytes themselves (a replay's HTTP view).
   */
  onPlaintext?: (leg: Leg, from: Side, plaintext: Uint8Array | null) => void;
}

/** Where events go: the bus, or anything that stamps drafts the same way (a replay's queue). */
export type EventSink = Pick<EventBus, 'emit'>;

/** A leg's TCP ends as its socket reported them: `client` opened the connection (and sends the ClientHello). */
export interface LegEnds {
  client: Endpoint;
  server: Endpoint;
}

/** Sees a leg's wire as it happens (a recording): its socket's addresses, every chunk, every key-log line, its end. */
export interface LegWatcher {
  /** The leg's socket was tapped: its addresses, and the raw socket (to see its peer's FIN or reset as they come). */
  attached?(leg: LegCapture, ends: LegEnds | null, socket: Tap['socket']): void;
  chunk?(leg: LegCapture, from: Side, bytes: Buffer, t: number): void;
  keyLog?(leg: LegCapture, line: string): void;
  /** `reset`: the socket reported ECONNRESET; else an orderly end (or the session closed it). */
  ended?(leg: LegCapture, how: 'fin' | 'reset'): void;
}

export interface RawChunk {
  from: Side;
  t: number;
  bytes: Buffer;
}

/** `appDataEvents` and `rawKeepBytes` unless a session is given others (the detail builder decodes with the same). */
export const SESSION_DEFAULTS = { appDataEvents: 32, rawKeepBytes: 256 * 1024 };

/** One TLS conversation (browser↔tlslab or tlslab↔server): a decoder, counters and the raw bytes kept. */
export class LegCapture {
  readonly leg: Leg;
  readonly decoder: TlsDecoder;
  readonly bytes: Record<Side, number> = { client: 0, server: 0 };
  /**
   * Application-data record events the decoder reported after the handshake, per sender (emitted or filtered).
   * Records it passed over in bulk mode are in `decoder.state.bulk`.
   */
  readonly appRecords: Record<Side, number> = { client: 0, server: 0 };
  readonly raw: RawChunk[] = [];
  /** The last Certificate message each side sent, DER, exactly as on the wire (decrypted in TLS 1.3). */
  readonly certificates: Record<Side, Buffer[] | null> = { client: null, server: null };
  /** NSS key-log lines of this leg. Kept in memory only: never logged, never emitted. */
  readonly keyLog: string[] = [];
  /** The addresses of the leg's socket, once it is tapped (null when the socket no longer had them). */
  ends: LegEnds | null = null;
  private rawKept = 0;
  private tap: Tap | null = null;
  private readonly watchers: LegWatcher[] = [];

  /** Bytes kept in `raw`. */
  get rawBytes(): number {
    return this.rawKept;
  }
  private suppressed: Record<Side, number> = { client: 0, server: 0 };
  private readonly listeners: ((e: TlsEvent) => void)[] = [];
  private finished = false;
  /** Each side sent close_notify or a fatal alert (its end was announced in TLS). */
  private readonly announcedEnd: Record<Side, boolean> = { client: false, server: false };
  private peerEndReported = false;

  constructor(
    private readonly session: ConnectionSession,
    leg: Leg,
    private readonly opts: Required<Pick<SessionOptions, 'appDataEvents' | 'rawKeepBytes'>>,
    decoderOptions?: DecoderOptions,
  ) {
    this.leg = leg;
    // Previews of decrypted application data reach every dashboard viewer: credentials in them are masked.
    const alpn = (): string | null => this.decoder.state.alpn;
    const masks = { client: new AppDataMasker('client', alpn), server: new AppDataMasker('server', alpn) } satisfies Record<Side, AppDataMasker>;
    const plain = session.onPlaintext;
    this.decoder = new TlsDecoder({
      appDataRecords: opts.appDataEvents,
      ...decoderOptions,
      appDataView: (from, plaintext, max) => {
        plain?.(leg, from, plaintext);
        return masks[from].view(plaintext, max);
      },
      // A plaintext observer sees the bulk records too (decrypted for it alone: they still make no event).
      ...(plain ? { bulkPlaintext: (from: Side, plaintext: Uint8Array | null) => plain(leg, from, plaintext) } : {}),
    });
  }

  /** Adds a watcher of the wire (see LegWatcher); it sees what happens from now on. */
  watch(w: LegWatcher): void {
    this.watchers.push(w);
  }

  /** Sees every decoder event of this leg, emitted or suppressed. */
  onTlsEvent(fn: (e: TlsEvent) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Taps a socket. `peer` says which TLS role the tap's remote end plays: on the client leg the
   * browser is the `client`; on the upstream leg the real server is the `server`.
   */
  attach(tap: Tap, peer: Side): void {
    const us: Side = peer === 'client' ? 'server' : 'client';
    this.tap = tap;
    const s = tap.socket;
    const remote = s.remoteAddress !== undefined && s.remotePort !== undefined ? { address: s.remoteAddress, port: s.remotePort } : null;
    const local = s.localAddress !== undefined && s.localPort !== undefined ? { address: s.localAddress, port: s.localPort } : null;
    this.ends = remote && local ? (peer === 'client' ? { client: remote, server: local } : { client: local, server: remote }) : null;
    for (const w of this.watchers) w.attached?.(this, this.ends, s);
    tap.onChunk((direction, chunk) => this.feed(direction === 'in' ? peer : us, chunk));
    tap.once('close', () => this.end());
    // The peer's own TCP end: its FIN ('end', after every byte it sent was fed above) or a reset. tlslab destroying
    // the socket itself is neither.
    s.once('end', () => this.peerEnded(peer, 'fin'));
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET') this.peerEnded(peer, 'reset');
    });
  }

  /**
   * tlslab's peer on this leg ended its TCP connection: after the handshake, says (step 8) whether it had sent
   * close_notify first. Once per leg; a replay can call it from the capture's FIN or RST.
   */
  peerEnded(peer: Side, how: 'fin' | 'reset'): void {
    if (this.peerEndReported || this.finished || !this.decoder.handshakeDone) return;
    this.peerEndReported = true;
    this.session.emit(tcpEndEvent(this.leg, peer, how, this.announcedEnd[peer]));
  }

  feed(from: Side, chunk: Buffer): void {
    if (this.finished) return;
    this.bytes[from] += chunk.length;
    // Past the kept bytes and with no watcher (no recording), a chunk needs no timestamp: bulk data goes straight on.
    if (this.rawKept < this.opts.rawKeepBytes || this.watchers.length > 0) {
      const t = this.session.now();
      if (this.rawKept < this.opts.rawKeepBytes) this.keepRaw(from, t, chunk);
      for (const w of this.watchers) w.chunk?.(this, from, chunk, t);
    }
    this.publish(this.decoder.feed(from, chunk));
  }

  /**
   * Keeps the start of what the leg carried. A chunk a socket read or a TLSSocket wrote owns its memory and nobody
   * writes to it again: it is kept as it is. A view into a larger buffer (a replay's capture file, the part of a
   * chunk that fills the quota) is copied, so the kept bytes never hold a larger buffer or change under us.
   */
  private keepRaw(from: Side, t: number, chunk: Buffer): void {
    const room = this.opts.rawKeepBytes - this.rawKept;
    const whole = chunk.length <= room && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    const bytes = whole ? chunk : Buffer.from(chunk.subarray(0, room));
    this.raw.push({ from, t, bytes });
    this.rawKept += bytes.length;
  }

  addKeyLog(line: Buffer | string): void {
    const text = line.toString().trim();
    if (this.keyLog.length < 64) this.keyLog.push(text);
    for (const w of this.watchers) w.keyLog?.(this, text);
    this.publish(this.decoder.addKeyLog(text + '\n'));
  }

  /** The leg's transport closed: flush the decoder (records that never got a key say so). */
  end(): void {
    if (this.finished) return;
    this.publish(this.decoder.end('client'));
    this.publish(this.decoder.end('server'));
    this.publish(this.decoder.finish());
    this.finished = true;
    const how = this.tap?.socketError?.code === 'ECONNRESET' ? 'reset' : 'fin';
    for (const w of this.watchers) w.ended?.(this, how);
  }

  private publish(events: TlsEvent[]): void {
    for (const e of events) {
      if (e.type === 'tls:alert' && (e.description.code === 0 || e.fatal)) this.announcedEnd[e.from] = true;
      if (e.type === 'tls:handshake' && e.details?.kind === 'certificate') {
        this.certificates[e.from] = e.details.certificates.map((hex) => Buffer.from(hex, 'hex'));
      }
      // Emit first, then tell listeners: what they conclude from an event (a client outcome citing an alert)
      // must come after that event in the stream.
      if (!this.isBulk(e)) this.session.emitTls(e, this.leg);
      for (const l of this.listeners) l(e);
    }
  }

  /**
   * Bulk application data after the handshake is counted, not streamed: the lesson needs the first records. The
   * decoder already stops reporting them (`appDataRecords`); this filter is the safety net for a decoder given
   * other options, and it counts from the batch in which the handshake completed, as it always has.
   */
  private isBulk(e: TlsEvent): boolean {
    if (e.type !== 'tls:record' && e.type !== 'tls:appdata') return false;
    if (!this.decoder.handshakeDone) return false;
    if (e.type === 'tls:record') {
      if (e.contentType.code !== 23) return false;
      if (e.innerType && e.innerType.code !== 23) return false;
      this.appRecords[e.from] += 1;
    }
    if (this.appRecords[e.from] <= this.opts.appDataEvents) return false;
    this.suppressed[e.from] += 1;
    return true;
  }

  get suppressedEvents(): number {
    return this.suppressed.client + this.suppressed.server;
  }
}

let nextId = 1;

/** Both legs of one intercepted connection, and the events they make. */
export class ConnectionSession {
  readonly id: string;
  readonly startedAt: number;
  readonly client: LegCapture;
  readonly upstream: LegCapture;
  readonly onPlaintext: SessionOptions['onPlaintext'];
  closed = false;
  private readonly clock: () => number;

  constructor(
    private readonly bus: EventSink,
    opts: SessionOptions = {},
  ) {
    this.id = opts.id ?? `c${nextId++}`;
    this.clock = opts.clock ?? now;
    this.startedAt = this.clock();
    this.onPlaintext = opts.onPlaintext;
    const o = { ...SESSION_DEFAULTS, ...opts };
    this.client = new LegCapture(this, 'client', o, opts.decoder);
    this.upstream = new LegCapture(this, 'upstream', o, opts.decoder);
  }

  leg(leg: Leg): LegCapture {
    return leg === 'client' ? this.client : this.upstream;
  }

  /** The session's clock (ms since the epoch). */
  now(): number {
    return this.clock();
  }

  emit(draft: SessionEventDraft): TlslabEvent | null {
    if (this.closed) return null;
    return this.bus.emit({ ...draft, conn: this.id });
  }

  /**
   * A leg's decoder event: what `emit({ ...e, leg })` sends, without copying it first. The decoder's event objects are
   * the session's alone, so they are stamped in place (`leg`, `conn` last, as a copy would have them); the bus keeps its
   * own copy.
   */
  emitTls(e: TlsEvent, leg: Leg): void {
    if (this.closed) return;
    this.bus.emit(Object.assign(e, { leg, conn: this.id }));
  }

  /** Ends the session: flushes both decoders and emits `conn:close` once. */
  close(cause: FailureCause): void {
    if (this.closed) return;
    this.client.end();
    this.upstream.end();
    this.emit({
      type: 'conn:close',
      cause,
      durationMs: round(this.clock() - this.startedAt),
      bytes: {
        client: { fromClient: this.client.bytes.client, toClient: this.client.bytes.server },
        upstream: { fromServer: this.upstream.bytes.server, toServer: this.upstream.bytes.client },
      },
    });
    this.closed = true;
  }
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
