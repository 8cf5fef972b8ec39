// A capture file's items (packets, key logs, tlslab's facts) → the events the live proxy would have emitted, in time
// order, each with the time the capture gives it. No I/O: src/replay/replay-source.ts reads the file and pulls events.
import type { CaptureStore } from '../capture/capture-store';
import type { LegEnds } from '../capture/session';
import type { EventDraft, Leg, TlslabEvent } from '../events/schema';
import { decodeTcpPacket, packetTimeMs, TcpReassembler, TimeOrderWindow, type CaptureItem, type CapturedPacket, type SkipReason, type StreamEvent, type TcpConnection, type Timed } from '../pcap';
import { createTrustStore, type TrustStore } from '../x509';
import { decodeFact, parseLegComment, TLSLAB_PEN, type RecordFact } from '../record/record-format';
import { KeyIndex } from './key-index';
import { ReplayConnection } from './replay-connection';

/** An event as the replay produced it: the draft, and the capture time it belongs to. */
export interface TimedDraft {
  t: number;
  draft: EventDraft;
}

export interface CaptureReplayOptions {
  /** Key-log text given with --keylog (NSS format). */
  keyLog?: string;
  /** Keeps the connections' legs for the exports. */
  store?: CaptureStore;
  /** Extra trust anchors (PEM) for single connections' verdicts, beside the system's. */
  trust?: string[];
}

/** What the replay made of the file so far. */
export interface ReplayCounts {
  packets: number;
  tcpPackets: number;
  skipped: Record<SkipReason, number>;
  connections: number;
  /** Connections of a tlslab recording (two legs each) and single connections. */
  recorded: number;
  single: number;
  keyLogLines: number;
  facts: number;
  /** Packets that came later than the time-order window could put back in place. */
  lateTimestamps: number;
}

/** Packets and facts wait together in the time-order window: a fact must meet the packets around it, not run ahead. */
type Queued = Timed & ({ kind: 'packet'; packet: CapturedPacket } | { kind: 'fact'; fact: RecordFact });

interface TcpRoute {
  conn: ReplayConnection;
  leg: Leg;
}

/**
 * Push the reader's items in, take events out. Recordings pair their legs by the comment on each leg's SYN (the
 * connection id and leg) and replay the proxy's facts from their Custom Blocks; any other TCP connection is a single
 * connection of its own.
 */
export class CaptureReplay {
  private readonly out: TimedDraft[] = [];
  private outHead = 0;
  private now = 0;
  private readonly window = new TimeOrderWindow<Queued>();
  /** File order of the queued items (ties in time keep it). */
  private order = 0;
  private readonly tcp = new TcpReassembler();
  private readonly routes = new Map<number, TcpRoute | null>();
  /** The TCP connections routed to each replayed connection, so its routes go when it closes (nothing keeps it alive). */
  private readonly tcpOf = new Map<string, number[]>();
  private readonly conns = new Map<string, ReplayConnection>();
  private readonly keys = new KeyIndex();
  private trustPems: string[];
  private trustStore: TrustStore | null = null;
  private readonly store: CaptureStore | undefined;
  readonly counts: ReplayCounts = {
    packets: 0, tcpPackets: 0, skipped: { 'link-type': 0, 'not-ip': 0, 'not-tcp': 0, 'ip-fragment': 0, truncated: 0 },
    connections: 0, recorded: 0, single: 0, keyLogLines: 0, facts: 0, lateTimestamps: 0,
  };

  constructor(opts: CaptureReplayOptions = {}) {
    this.store = opts.store;
    this.trustPems = [...(opts.trust ?? [])];
    if (opts.keyLog) this.keys.add(opts.keyLog);
  }

  push(items: readonly CaptureItem[]): void {
    for (const item of items) {
      if (item.kind === 'packet') {
        this.counts.packets++;
        const p = item.packet;
        this.queue({ sec: p.sec, nsec: p.nsec, index: this.order++, data: p.data, kind: 'packet', packet: p });
      } else if (item.kind === 'key-log') {
        // Keys go to their legs at once: early is never too early.
        this.keys.add(item.text);
      } else if (item.pen === TLSLAB_PEN) {
        const f = decodeFact(item.data);
        const ms = f?.t ?? 0;
        if (f) this.queue({ sec: Math.floor(ms / 1000), nsec: Math.round((ms % 1000) * 1e6), index: this.order++, data: item.data, kind: 'fact', fact: f });
      }
    }
    this.counts.keyLogLines = this.keys.total;
    this.counts.lateTimestamps = this.window.late;
  }

  /** End of the file: packets still held come out, reassembly releases what it buffered, connections that ended are closed. */
  finish(): void {
    for (const q of this.window.flush()) this.dequeued(q);
    for (const e of this.tcp.finish()) this.stream(e);
    for (const c of this.conns.values()) {
      this.now = Math.max(this.now, c.session.now());
      c.endOfCapture();
    }
    this.counts.lateTimestamps = this.window.late;
  }

  private queue(q: Queued): void {
    for (const out of this.window.push(q)) this.dequeued(out);
  }

  private dequeued(q: Queued): void {
    if (q.kind === 'packet') this.packet(q.packet);
    else this.fact(q.fact);
  }

  /** Events produced since the last call, in order. */
  take(): TimedDraft[] {
    const out = this.out.slice(this.outHead);
    this.out.length = 0;
    this.outHead = 0;
    return out;
  }

  get pending(): number {
    return this.out.length - this.outHead;
  }

  private readonly sink = {
    emit: (draft: EventDraft): TlslabEvent => {
      this.out.push({ t: this.now, draft });
      return { ...draft, v: 1, seq: 0, t: this.now };
    },
  };

  private trust(): TrustStore {
    this.trustStore ??= createTrustStore({ system: true, extraPems: this.trustPems });
    return this.trustStore;
  }

  private connection(id: string, kind: ReplayConnection['kind']): ReplayConnection {
    const c = new ReplayConnection(id, kind, { sink: this.sink, clock: () => this.now, keys: this.keys, trust: () => this.trust(), store: this.store });
    this.conns.set(id, c);
    this.counts.connections++;
    if (kind === 'recorded') this.counts.recorded++;
    else this.counts.single++;
    return c;
  }

  private fact(f: RecordFact): void {
    this.counts.facts++;
    this.now = Math.max(this.now, f.t);
    if (f.tlslab === 'session') {
      this.trustPems.push(...f.trust.filter((p) => typeof p === 'string'));
      this.trustStore = null;
      return;
    }
    if (f.tlslab === 'verdict') {
      this.conns.get(f.conn)?.verdictFact(f);
      return;
    }
    const e = f.event;
    if (e.type === 'conn:open') {
      if (this.conns.has(e.conn)) return;
      this.connection(e.conn, 'recorded').open(e);
      return;
    }
    const c = this.conns.get(e.conn);
    if (!c) return;
    c.fact(e);
    if (c.closed) this.forget(c);
  }

  private packet(p: CapturedPacket): void {
    this.now = Math.max(this.now, packetTimeMs(p));
    const r = decodeTcpPacket(p.linkType, p.data);
    if (!r.ok) {
      this.counts.skipped[r.reason]++;
      return;
    }
    this.counts.tcpPackets++;
    const before = this.tcp.count;
    const events = this.tcp.push({ packet: p.index, sec: p.sec, nsec: p.nsec }, r.segment);
    if (this.tcp.count > before) this.route(before, p);
    for (const e of events) this.stream(e);
  }

  /** A new TCP connection: a leg of a recorded connection (its SYN says which), or a single connection. */
  private route(index: number, p: CapturedPacket): void {
    const info = this.tcp.connection(index) as TcpConnection;
    const named = p.comment !== undefined ? parseLegComment(p.comment) : null;
    if (named) {
      let c = this.conns.get(named.conn);
      if (!c) {
        // A recording whose facts were lost (an editor dropped its Custom Blocks): the connection still opens.
        c = this.connection(named.conn, 'recorded');
        c.open({ type: 'conn:open', conn: named.conn, client: info.client, target: { host: info.server.address, port: info.server.port }, via: 'connect' });
      }
      c.setEnds(named.leg, { client: info.client, server: info.server });
      if (!named.tls) c.markNotTls(named.leg);
      this.routeTo(index, c, named.leg);
      return;
    }
    // Any other connection (or a recorded leg whose SYN the capture lacks: it cannot be paired) stands alone.
    const c = this.connection(`p${index + 1}`, 'single');
    const ends: LegEnds = { client: info.client, server: info.server };
    c.openLater({ type: 'conn:open', conn: c.id, client: info.client, target: { host: info.server.address, port: info.server.port }, via: 'connect' });
    c.setEnds('upstream', ends);
    this.routeTo(index, c, 'upstream');
  }

  private routeTo(index: number, conn: ReplayConnection, leg: Leg): void {
    this.routes.set(index, { conn, leg });
    const list = this.tcpOf.get(conn.id);
    if (list) list.push(index);
    else this.tcpOf.set(conn.id, [index]);
  }

  /** A connection that closed: what still comes for its TCP connections (a last ACK) has nowhere to go. */
  private forget(c: ReplayConnection): void {
    if (this.conns.get(c.id) === c) this.conns.delete(c.id);
    for (const i of this.tcpOf.get(c.id) ?? []) if (this.routes.get(i)?.conn === c) this.routes.delete(i);
    this.tcpOf.delete(c.id);
  }

  private stream(e: StreamEvent): void {
    const route = this.routes.get(e.conn);
    if (!route) return;
    this.now = Math.max(this.now, packetTimeMs(e));
    const { conn, leg } = route;
    switch (e.kind) {
      case 'data':
        conn.data(leg, e.from, e.bytes);
        break;
      case 'gap':
        conn.gap(leg, e.from);
        break;
      case 'fin':
      case 'rst':
        conn.end(leg, e.from, e.kind);
        break;
    }
    if (conn.closed) this.forget(conn);
  }
}
