// One connection of a capture being replayed, decoded by the same code as a live one: its legs' reassembled bytes go
// to a ConnectionSession (decoders, masks), its plaintext to the HTTP and client-outcome observers, its chain to src/x509.
// No I/O: bytes, facts and times come from src/replay/capture-replay.ts; events go to the session's sink.
import type { CaptureStore } from '../capture/capture-store';
import { ClientOutcomeWatcher } from '../capture/client-outcome';
import { HttpObserver } from '../capture/http-observer';
import { ConnectionSession, type EventSink, type LegCapture, type LegEnds } from '../capture/session';
import type { ConnCloseEvent, DistributiveOmit, EventDraft, Leg, Side } from '../events/schema';
import { parseClientHello, type TlsEvent } from '../tls';
import { ProxyHeadSkipper } from '../pcap';
import { verifyServerChain, type TrustStore } from '../x509';
import type { VerdictFact } from '../record/record-format';
import type { KeyIndex } from './key-index';

export interface ReplayContext {
  sink: EventSink;
  /** The time of what is being processed (a packet's, a fact's), ms since the epoch. */
  clock: () => number;
  keys: KeyIndex;
  /** Trust anchors for the upstream verdict (the system's and those the recording carried). */
  trust: () => TrustStore;
  /** Where legs are kept for exports (the dashboard's pcapng links). */
  store?: CaptureStore;
}

/**
 * `recorded`: a connection of a tlslab recording, its two legs paired and its proxy decisions read from the file.
 * `single`: one TCP connection of any other capture (a browser's, tcpdump's), drawn on the upstream lane: its client
 * is the capture's client, its server the real server, and the verdict is tlslab's own check of the server's chain.
 */
export type ReplayKind = 'recorded' | 'single';

/** The host tlslab serves its own pages on (https://tlslab/): no HTTP is observed there, as live. */
const MAGIC_HOST = 'tlslab';
/** A live watcher gives up on a client after its handshake timeout; a replay has no clock running: never. */
const NO_TIMEOUT = 2 ** 31 - 1;
/** Client bytes held back while a single connection waits for its whole ClientHello (to name it by its SNI). */
const MAX_HELD_HELLO = 16 * 1024;

type OpenDraft = Extract<EventDraft, { type: 'conn:open' }>;

type CloseDraft = DistributiveOmit<ConnCloseEvent, 'v' | 'seq' | 't' | 'conn'>;

export class ReplayConnection {
  readonly session: ConnectionSession;
  private target: { host: string; port: number } = { host: '', port: 0 };
  private verdict: VerdictFact | null = null;
  private firstError: string | undefined;
  private watcher: ClientOutcomeWatcher | null = null;
  private http: HttpObserver | null = null;
  private plain: { from: Side; bytes: Buffer }[] = [];
  private readonly ended: Record<Leg, Record<Side, boolean>> = { client: { client: false, server: false }, upstream: { client: false, server: false } };
  private readonly broken: Record<Leg, Record<Side, boolean>> = { client: { client: false, server: false }, upstream: { client: false, server: false } };
  /** Legs a recording marked as carrying no TLS (relayed unchanged): their bytes are in the file, not decoded. */
  private readonly notTls: Record<Leg, boolean> = { client: false, upstream: false };
  private readonly claimed: Record<Leg, string | null> = { client: null, upstream: null };
  private readonly resets: Record<Leg, Side | null> = { client: null, upstream: null };
  private singleVerdictDone = false;
  /** Per leg, the proxy head of each direction (the server's is looked for only after the client sent one). */
  private readonly heads: Record<Leg, { client: ProxyHeadSkipper; server: ProxyHeadSkipper | null }> = {
    client: { client: new ProxyHeadSkipper('client'), server: null },
    upstream: { client: new ProxyHeadSkipper('client'), server: null },
  };
  /** A single connection is opened once its ClientHello is read (its target is then its SNI). */
  private pendingOpen: OpenDraft | null = null;
  private held: Buffer[] = [];
  /** The leg a single connection is drawn on. */
  readonly httpLeg: Leg;

  constructor(
    readonly id: string,
    readonly kind: ReplayKind,
    private readonly ctx: ReplayContext,
  ) {
    this.httpLeg = kind === 'recorded' ? 'client' : 'upstream';
    this.session = new ConnectionSession(ctx.sink, {
      id,
      clock: ctx.clock,
      // Every record is decrypted (the HTTP view needs the plaintext); events are made for the first ones only, as live.
      onPlaintext: (leg, from, plaintext) => {
        // A view, not a copy: it is read as soon as the bytes that carried it have been fed (flushPlain).
        if (leg === this.httpLeg && plaintext && plaintext.length > 0) this.plain.push({ from, bytes: Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength) });
      },
    });
    for (const leg of [this.session.client, this.session.upstream]) leg.onTlsEvent((e) => this.onTls(leg, e));
  }

  get closed(): boolean {
    return this.session.closed;
  }

  /** `conn:open`, from the recording or made up from the TCP connection. Always the first event. */
  open(draft: OpenDraft): void {
    this.target = draft.target;
    this.session.emit({ ...draft });
    this.ctx.store?.add(this.id, this.session);
  }

  /** A single connection: opened when its client's ClientHello is whole (named by its SNI), or when anything else happens. */
  openLater(draft: OpenDraft): void {
    this.pendingOpen = draft;
  }

  private openNow(): void {
    const draft = this.pendingOpen;
    if (!draft) return;
    this.pendingOpen = null;
    const hello = this.held.length > 0 ? parseClientHello(Buffer.concat(this.held)) : null;
    const sni = hello?.ok ? hello.details.sni : null;
    this.open(sni ? { ...draft, target: { host: sni, port: draft.target.port } } : draft);
    const held = this.held;
    this.held = [];
    for (const b of held) this.tunnelData(this.httpLeg, 'client', b);
  }

  /** The TCP ends of a leg, as the capture has them (what the exports write). */
  setEnds(leg: Leg, ends: LegEnds): void {
    this.session.leg(leg).ends = ends;
  }

  /** The recording says this leg carried no TLS: its bytes are not decoded (the live proxy did not decode them either). */
  markNotTls(leg: Leg): void {
    this.notTls[leg] = true;
  }

  /**
   * The bytes of one direction of a leg. A stream that starts with an HTTP CONNECT exchange (a recording's client leg,
   * a capture of a proxy's port) is decoded from the first byte after it.
   */
  data(leg: Leg, from: Side, bytes: Uint8Array): void {
    const tunnel = this.afterProxyHead(leg, from, bytes);
    if (tunnel !== null && tunnel.length > 0) this.tunnelData(leg, from, tunnel);
  }

  private afterProxyHead(leg: Leg, from: Side, bytes: Uint8Array): Uint8Array | null {
    const h = this.heads[leg];
    if (from === 'client') {
      const out = h.client.push(bytes);
      if (out !== null && h.client.skipped > 0) h.server ??= new ProxyHeadSkipper('server');
      return out;
    }
    // The server's bytes: a client still undecided (a server that speaks first) is taken to have sent no head.
    const held = h.client.flush();
    if (held && held.length > 0) this.tunnelData(leg, 'client', held);
    return h.server ? h.server.push(bytes) : bytes;
  }

  /** What a direction still held undecided goes to the decoder before it ends. */
  private flushHeads(leg: Leg): void {
    for (const side of ['client', 'server'] as const) {
      const held = this.heads[leg][side]?.flush() ?? null;
      if (held && held.length > 0) this.tunnelData(leg, side, held);
    }
  }

  private tunnelData(leg: Leg, from: Side, bytes: Uint8Array): void {
    if (this.pendingOpen) {
      if (from === 'client') {
        this.held.push(Buffer.from(bytes));
        const bytesHeld = this.held.reduce((n, b) => n + b.length, 0);
        const hello = parseClientHello(Buffer.concat(this.held));
        if (!hello.ok && hello.needMore && bytesHeld < MAX_HELD_HELLO) return;
        this.openNow();
        return;
      }
      this.openNow();
    }
    if (this.closed || this.broken[leg][from] || this.ended[leg][from] || this.notTls[leg]) return;
    const l = this.session.leg(leg);
    l.feed(from, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    this.claimKeys(l);
    // What the plaintext tells (HTTP, the client trusting us) comes after the records it was in, as live.
    if (this.plain.length > 0) this.flushPlain();
  }

  /** Bytes the capture missed: that direction's records cannot be framed any more, so it is no longer decoded. */
  gap(leg: Leg, from: Side): void {
    this.flushHeads(leg);
    this.openNow();
    this.broken[leg][from] = true;
  }

  /** A FIN or a reset on a leg, from `from`. tlslab's peer ending its side is step 8 on the wire, as live. */
  end(leg: Leg, from: Side, how: 'fin' | 'rst'): void {
    this.flushHeads(leg);
    this.openNow();
    if (how === 'rst') this.resets[leg] ??= from;
    this.ended[leg][from] = true;
    const peer: Side = leg === 'client' ? 'client' : 'server';
    if (from === peer) this.session.leg(leg).peerEnded(peer, how === 'rst' ? 'reset' : 'fin');
    if (this.kind === 'single' && this.ended[leg].client && this.ended[leg].server) this.closeSingle();
    else if (this.kind === 'single' && how === 'rst') this.closeSingle();
  }

  /** A recorded event: emitted as it was, except conn:close, which ends the legs' decoders first. */
  fact(draft: EventDraft): void {
    if (this.closed) return;
    if (draft.type === 'conn:close') {
      const { conn: _c, ...close } = draft;
      this.close(close);
      return;
    }
    this.session.emit({ ...draft });
  }

  /** The recorded decision about the upstream certificate: the findings are computed again from the chain. */
  verdictFact(f: VerdictFact): void {
    if (this.closed) return;
    this.verdict = f;
    const chain = this.session.upstream.certificates.server ?? [];
    const v = verifyServerChain({ chain, host: f.host, trust: this.ctx.trust(), nodeError: f.nodeError, now: new Date(this.ctx.clock()) });
    this.firstError = v.findings.find((x) => x.severity === 'error')?.message;
    this.session.emit({
      type: 'tls:verdict', leg: 'upstream', step: 3, ok: v.ok, findings: v.findings, chain: v.chain, nodeError: f.nodeError, host: f.host,
      ...(f.policy ? { policy: f.policy } : {}),
      ...(f.mirrorUnavailable ? { mirrorUnavailable: f.mirrorUnavailable } : {}),
    });
  }

  /** The capture ended. A single connection that ended on the wire is closed; anything else stays as it was. */
  endOfCapture(): void {
    this.flushHeads('client');
    this.flushHeads('upstream');
    this.openNow();
    if (this.kind === 'single' && !this.closed && (this.ended.upstream.client || this.ended.upstream.server)) this.closeSingle();
  }

  private get mirrorMode(): boolean {
    return this.verdict?.policy === 'mirror' && !this.verdict.mirrorUnavailable;
  }

  private onTls(leg: LegCapture, e: TlsEvent): void {
    if (this.kind === 'single') {
      // tlslab's own verification of the chain, as soon as the server has sent it.
      if (!this.singleVerdictDone && e.type === 'tls:handshake' && e.from === 'server' && e.details?.kind === 'certificate') {
        this.singleVerdictDone = true;
        this.verdictFact({ host: leg.decoder.state.sni ?? this.target.host, nodeError: null });
      }
      return;
    }
    if (leg.leg !== 'client') return;
    // tlslab answered the browser with TLS: live, that is when the client-outcome watcher starts.
    if (this.watcher === null && e.from === 'server' && (e.type === 'tls:record' || e.type === 'tls:handshake')) {
      const host = leg.decoder.state.sni ?? this.target.host;
      this.watcher = new ClientOutcomeWatcher(this.session, { host, mode: this.mirrorMode ? 'mirror' : 'leaf', mirrored: this.mirrorMode ? this.firstError : undefined, caUrl: 'http://tlslab/' }, NO_TIMEOUT);
    }
    if (e.type === 'tls:established') this.watcher?.onSecure();
  }

  private flushPlain(): void {
    const list = this.plain;
    this.plain = [];
    const magic = this.kind === 'recorded' && this.target.host === MAGIC_HOST;
    for (const p of list) {
      if (p.from === 'client') this.watcher?.noteData();
      if (magic) continue;
      this.http ??= new HttpObserver(this.session, this.session.leg(this.httpLeg).decoder.state.alpn);
      if (p.from === 'client') this.http.fromClient(p.bytes);
      else this.http.fromServer(p.bytes);
    }
  }

  private claimKeys(l: LegCapture): void {
    if (this.claimed[l.leg] !== null) return;
    const random = l.decoder.clientRandom;
    if (random === null) return;
    this.claimed[l.leg] = random;
    this.ctx.keys.claim(random, l);
  }

  private close(close: CloseDraft): void {
    this.watcher?.onClose();
    for (const leg of ['client', 'upstream'] as const) {
      this.session.leg(leg).end();
      const r = this.claimed[leg];
      if (r !== null) this.ctx.keys.release(r);
    }
    this.session.emit(close);
    this.session.closed = true;
    this.ctx.store?.markClosed(this.id);
  }

  private closeSingle(): void {
    if (this.closed) return;
    const s = this.session;
    const reset = this.resets.upstream;
    s.upstream.end();
    this.close({
      type: 'conn:close',
      cause: reset === 'server' ? 'upstream-reset' : reset === 'client' ? 'client-reset' : 'closed',
      durationMs: Math.round((this.ctx.clock() - s.startedAt) * 1000) / 1000,
      bytes: { client: { fromClient: 0, toClient: 0 }, upstream: { fromServer: s.upstream.bytes.server, toServer: s.upstream.bytes.client } },
    });
  }
}
