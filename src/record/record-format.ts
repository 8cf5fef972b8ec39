// The format of a tlslab recording, a pcapng file: one interface per leg kind, each leg a TCP connection whose SYN
// carries a comment naming the tlslab connection and leg, key-log lines in Decryption Secrets Blocks, and the
// proxy's own decisions (what no byte says: target, policy, errors, why it closed) as JSON in Custom Blocks.
// Pure: builds and reads blocks; src/record/recording-file.ts and the exports write them, src/replay reads them.
import type { EventDraft, Leg, Side, UpstreamPolicy } from '../events/schema';
import type { LegEnds } from '../capture/session';
import { addressBytes, customBlock, keyLogBlock, PcapngBuilder, tcpEpbLength, writeTcpEpb, type Endpoint, type TcpEpb } from '../pcap';

/**
 * The Private Enterprise Number of tlslab's Custom Blocks. tlslab has none registered: this is the one RFC 5612
 * sets aside for documentation and examples, so it never clashes with a real vendor's blocks.
 */
export const TLSLAB_PEN = 32473;
export const RECORD_FORMAT_VERSION = 1;
/** LINKTYPE_RAW: each packet is an IP packet. Nothing below IP is made up. */
export const RECORD_LINK_TYPE = 101;
/** A recording's section is little-endian (a SegmentSink writes its packets so). */
export const RECORD_LITTLE_ENDIAN = true;
/** Largest TCP payload per synthesized segment (a SegmentSink may join a flow's segments up to one IP packet's payload). */
export const RECORD_MSS = 32 * 1024;

/** The two interfaces of a recording, one per leg kind, in this order (interface ids 0 and 1). */
export const LEG_INTERFACES = {
  client: { name: 'tlslab-client-leg', description: 'tlslab client leg: browser ↔ tlslab (the browser\'s TLS with tlslab)' },
  upstream: { name: 'tlslab-upstream-leg', description: 'tlslab upstream leg: tlslab ↔ real server (tlslab\'s TLS with the server)' },
} as const satisfies Record<Leg, { name: string; description: string }>;
const LEG_IDS = { client: 0, upstream: 1 } as const satisfies Record<Leg, number>;

/** What a recording says about the proxy's upstream decision; the findings themselves are recomputed from the chain. */
export interface VerdictFact {
  host: string;
  nodeError: string | null;
  policy?: UpstreamPolicy;
  mirrorUnavailable?: string;
}

/** One Custom Block of a recording. */
export type RecordFact =
  /** First block: which tool, and the extra trust anchors (PEM) the upstream verification used. */
  | { tlslab: 'session'; v: number; t: number; trust: string[] }
  /** An event that no byte of the legs says (conn:open, conn:upstream, conn:error, conn:close; HTTP of a connection without legs). */
  | { tlslab: 'event'; v: number; t: number; event: EventDraft }
  /** The upstream verdict's decision for connection `conn`. */
  | ({ tlslab: 'verdict'; v: number; t: number; conn: string } & VerdictFact);

/**
 * Event types a recording keeps as facts (the rest are decoded again from the legs' bytes). `tls:presented` is one: the
 * chain is on the wire, but how tlslab chose it (leaf or mirror) and how a browser trusting tlslab's CA judges it are not.
 */
export const FACT_EVENTS = new Set<EventDraft['type']>(['conn:open', 'conn:upstream', 'tls:presented', 'conn:error', 'conn:close']);
/** Also kept for connections whose bytes are not recorded (plain HTTP, WebSocket relays). */
export const LEGLESS_FACT_EVENTS = new Set<EventDraft['type']>(['http:request', 'http:response']);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeFact(f: RecordFact): Uint8Array {
  return encoder.encode(JSON.stringify(f));
}

/** A Custom Block's data as a tlslab fact, or null (another tool's block, a newer version, or not JSON). */
export function decodeFact(data: Uint8Array): RecordFact | null {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--; // the block pads the data to 4 bytes with NULs
  try {
    const f = JSON.parse(decoder.decode(data.subarray(0, end))) as Partial<RecordFact>;
    if (typeof f !== 'object' || f === null || f.v !== RECORD_FORMAT_VERSION || typeof f.t !== 'number') return null;
    if (f.tlslab === 'session' && Array.isArray(f.trust)) return f as RecordFact;
    if (f.tlslab === 'event' && typeof f.event === 'object' && f.event !== null && typeof (f.event as { conn?: unknown }).conn === 'string') return f as RecordFact;
    if (f.tlslab === 'verdict' && typeof f.conn === 'string' && typeof f.host === 'string') return f as RecordFact;
    return null;
  } catch {
    return null;
  }
}

function endpointText(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}

const PEERS = { client: ['browser', 'tlslab'], upstream: ['tlslab', 'server'] } as const satisfies Record<Leg, readonly [string, string]>;

/** What a leg's SYN comment adds when the tunnel carried no TLS (tlslab relayed its bytes unchanged). */
const NOT_TLS = ' (not TLS)';

/**
 * The comment on a leg's SYN: `tlslab c12 client leg: browser 127.0.0.1:50312 → tlslab 127.0.0.1:8080`; a tunnel that
 * carried no TLS says so after `leg` (`tlslab c13 client leg (not TLS): …`), so its bytes are never read as TLS.
 */
export function legComment(conn: string, leg: Leg, ends: LegEnds, tls = true): string {
  const [a, b] = PEERS[leg];
  return `tlslab ${conn} ${leg} leg${tls ? '' : NOT_TLS}: ${a} ${endpointText(ends.client)} → ${b} ${endpointText(ends.server)}`;
}

/** The connection and leg a SYN's comment names, and whether the leg carries TLS; null for any other comment. */
export function parseLegComment(text: string): { conn: string; leg: Leg; tls: boolean } | null {
  const m = /^tlslab (\S{1,128}) (client|upstream) leg( \(not TLS\))?:/.exec(text) ?? /^tlslab (\S{1,128}) (client|upstream) leg\b/.exec(text);
  return m ? { conn: m[1], leg: m[2] as Leg, tls: m[3] === undefined } : null;
}

/** The leg an interface of a recording carries, by its name; null for other interfaces. */
export function legOfInterface(name: string | undefined): Leg | null {
  return name === LEG_INTERFACES.client.name ? 'client' : name === LEG_INTERFACES.upstream.name ? 'upstream' : null;
}

/** tlslab's answer to a CONNECT it takes over, byte for byte (src/proxy/tunnel.ts writes the same). */
export const CONNECT_ANSWER = 'HTTP/1.1 200 Connection Established\r\nProxy-Agent: tlslab\r\n\r\n';

/**
 * The CONNECT request that opened a client leg, as a recording writes it: the request line and a Host header for the
 * target (RFC 9110 §9.3.6), not the browser's other headers (a Proxy-Authorization among them). With it and tlslab's
 * answer first, Wireshark reads the leg as a tunnel and its TLS as TLS on any proxy port (8080 is HTTP to it).
 */
export function connectRequest(target: { host: string; port: number }): string {
  const hostPort = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  return `CONNECT ${hostPort} HTTP/1.1\r\nHost: ${hostPort}\r\n\r\n`;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`: an IPv4 peer of a dual-stack socket is IPv4 on the wire. */
export function wireAddress(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}

/**
 * Where the blocks go, each given as the parts it is made of, in order (a packet's payload is not copied to build it):
 * `header` (the section header, interfaces and session fact) first of all; `secrets` blocks must reach the file before
 * the packets they decrypt; `block` is everything else, in time order. False: the block was dropped.
 */
export interface BlockSink {
  (parts: readonly Uint8Array[], kind: BlockKind, t: number): boolean;
}

/** The parts of a block, joined (for a sink that keeps whole blocks). */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export type BlockKind = 'header' | 'secrets' | 'block';

/**
 * A sink that encodes TCP segments itself (writeTcpEpb, into a buffer of its own: no block is built for it). `flow`
 * names a leg and a direction; `joinable`: a data segment without a comment, which the sink may append to the same
 * flow's previous segment when nothing was written between them (one packet where the relay read several chunks; the
 * sequence numbers stay those of the bytes); `settled`: the leg's handshake is over, so every key-log line its
 * packets need was handed over before them (a live file need not hold them back). False: the segment was dropped.
 */
export interface SegmentSink {
  (seg: TcpEpb, t: number, flow: number, joinable: boolean, settled?: boolean): boolean;
}

/**
 * Writes a recording as blocks into a sink: the section header, the two leg interfaces and the session fact at
 * once, then facts, key logs and legs as they come. Used for a live `--record` file and for exports alike; a live file
 * passes a SegmentSink, which takes the packets without a block built for each.
 */
export class RecordWriter {
  private readonly le = RECORD_LITTLE_ENDIAN;
  private readonly segments: SegmentSink;
  private flows = 0;
  lostBytes = 0;

  constructor(private readonly sink: BlockSink, opts: { t: number; trust: string[]; segments?: SegmentSink }) {
    const b = new PcapngBuilder(this.le);
    for (const leg of ['client', 'upstream'] as const) b.addInterface(RECORD_LINK_TYPE, { ...LEG_INTERFACES[leg], snapLen: 0 });
    b.addCustom(TLSLAB_PEN, encodeFact({ tlslab: 'session', v: RECORD_FORMAT_VERSION, t: opts.t, trust: opts.trust }));
    sink([b.drain()], 'header', opts.t);
    this.segments = opts.segments ?? ((seg, t) => {
      const block = new Uint8Array(tcpEpbLength(seg));
      return writeTcpEpb(block, 0, this.le, seg) !== null && this.sink([block], 'block', t);
    });
  }

  fact(f: RecordFact): void {
    this.sink([customBlock(this.le, TLSLAB_PEN, encodeFact(f))], 'block', f.t);
  }

  event(t: number, event: EventDraft): void {
    this.fact({ tlslab: 'event', v: RECORD_FORMAT_VERSION, t, event });
  }

  /** NSS key-log lines (each ending in a newline) in a Decryption Secrets Block. */
  keyLog(text: string, t: number): void {
    this.sink([keyLogBlock(this.le, text)], 'secrets', t);
  }

  /**
   * A leg's TCP connection, starting with its three-way handshake at `t`; null when its addresses cannot be written.
   * `unnamed`: no comment on its SYN (`tlslab open` then takes it for a connection of its own, as from any capture).
   */
  leg(conn: string, leg: Leg, ends: LegEnds, t: number, opts: { unnamed?: boolean; notTls?: boolean } = {}): LegStream | null {
    const client = { address: wireAddress(ends.client.address), port: ends.client.port };
    const server = { address: wireAddress(ends.server.address), port: ends.server.port };
    const bytes = { client: addressBytes(client.address), server: addressBytes(server.address) };
    if (!bytes.client || !bytes.server || bytes.client.length !== bytes.server.length) return null;
    const flow = this.flows;
    this.flows += 2;
    return new LegStream(this, LEG_IDS[leg], flow, { client, server }, { client: bytes.client, server: bytes.server }, opts.unnamed ? undefined : legComment(conn, leg, { client, server }, opts.notTls !== true), t);
  }

  /**
   * One EPB carrying one segment (addresses as bytes), its `units` set here from `t`; false when the sink refused it
   * (its backlog is full). The segment is the caller's to give: it is changed, not copied (one object a packet).
   */
  segment(seg: TcpEpb, t: number, flow: number, joinable: boolean, settled = false): boolean {
    seg.units = Math.max(0, Math.round(t * 1000)); // microseconds: the interface's default if_tsresol
    return this.segments(seg, t, flow, joinable, settled);
  }
}

/**
 * One leg as a TCP connection: SYN (with the leg comment), SYN+ACK, ACK; then each chunk as segments of at most
 * RECORD_MSS bytes with the sequence numbers a real connection would have; each side's FIN (or a reset) when that side
 * ended. The bytes, the addresses and who ended when are the real ones; the segmentation, ACKs and initial sequence
 * numbers are tlslab's.
 */
export class LegStream {
  /** The leg's handshake is over: every key-log line its packets need was handed to the writer (see SegmentSink). */
  settled = false;
  private readonly seq: Record<Side, number>;
  private readonly finished: Record<Side, boolean> = { client: false, server: false };
  private closed = false;

  constructor(
    private readonly w: RecordWriter,
    private readonly ifId: number,
    /** Its two flows: `flow` for what the client sends, `flow + 1` for the server's. */
    private readonly flow: number,
    private readonly ends: LegEnds,
    private readonly addr: Record<Side, Uint8Array>,
    comment: string | undefined,
    t: number,
  ) {
    this.seq = { client: randomIsn(), server: randomIsn() };
    const none = new Uint8Array(0);
    this.send('client', t, { syn: true }, none, comment);
    this.send('server', t, { syn: true, ack: true }, none);
    this.send('client', t, { ack: true }, none);
  }

  /** The CONNECT exchange a client leg started with, before its first TLS byte. */
  connect(target: { host: string; port: number }, t: number): void {
    this.data('client', encoder.encode(connectRequest(target)), t);
    this.data('server', encoder.encode(CONNECT_ANSWER), t);
  }

  data(from: Side, bytes: Uint8Array, t: number): void {
    if (this.closed || this.finished[from]) return;
    if (bytes.length <= RECORD_MSS) this.send(from, t, DATA_FLAGS, bytes);
    else for (let i = 0; i < bytes.length; i += RECORD_MSS) this.send(from, t, DATA_FLAGS, bytes.subarray(i, i + RECORD_MSS));
  }

  /** `side` sent its FIN (its last byte came before). */
  fin(side: Side, t: number): void {
    if (this.closed || this.finished[side]) return;
    this.finished[side] = true;
    this.send(side, t, { fin: true, ack: true }, new Uint8Array(0));
  }

  /** `side` reset the connection: nothing follows. */
  reset(side: Side, t: number): void {
    if (this.closed) return;
    this.send(side, t, { rst: true, ack: true }, new Uint8Array(0));
    this.closed = true;
  }

  /**
   * The leg is over for tlslab (`us`: its own side): its FIN if it had not sent one, and the last ACK when both
   * sides have ended. A peer that never ended (tlslab hung up on it) has no FIN in the file.
   */
  close(us: Side, t: number): void {
    if (this.closed) return;
    this.fin(us, t);
    const peer: Side = us === 'client' ? 'server' : 'client';
    if (this.finished[peer]) this.send(us, t, { ack: true }, new Uint8Array(0));
    this.closed = true;
  }

  private send(from: Side, t: number, flags: TcpFlags, payload: Uint8Array, comment?: string): void {
    const to: Side = from === 'client' ? 'server' : 'client';
    const tcp = { src: this.ends[from], dst: this.ends[to], seq: this.seq[from], ack: flags.syn && !flags.ack ? 0 : this.seq[to], flags };
    const joinable = payload.length > 0 && comment === undefined && !flags.syn && !flags.fin && !flags.rst;
    const seg: TcpEpb = { interfaceId: this.ifId, units: 0, src: this.addr[from], dst: this.addr[to], tcp, payload };
    if (comment !== undefined) seg.comment = encoder.encode(comment);
    const ok = this.w.segment(seg, t, this.flow + (from === 'client' ? 0 : 1), joinable, this.settled);
    if (!ok) this.w.lostBytes += payload.length; // not written: the sequence numbers still move on, so readers see a gap
    this.seq[from] = (this.seq[from] + payload.length + (flags.syn || flags.fin ? 1 : 0)) >>> 0;
  }
}

/** A segment's TCP flags (the packet's own: ACK on all but the first SYN). */
interface TcpFlags {
  readonly syn?: boolean;
  readonly ack?: boolean;
  readonly fin?: boolean;
  readonly rst?: boolean;
  readonly psh?: boolean;
}

/** The flags of every data segment, one object for all of them. */
const DATA_FLAGS: TcpFlags = { ack: true, psh: true };

function randomIsn(): number {
  return (Math.random() * 0x100000000) >>> 0;
}
