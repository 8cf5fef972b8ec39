// `tlslab decode`, the part without I/O: capture bytes + key-log text → per-connection TLS events in time order.
// Reads nothing itself (src/commands/decode.ts reads the files); feeds each connection to a sans-IO TlsDecoder.
import { endpointText, packetTimeMs, ProxyHeadSkipper, reassembleCapture, readCapture, type Capture, type Endpoint, type PcapError, type SkipReason, type StreamEvent, type TcpConnection } from '../pcap';
import { assertNever } from '../events/schema';
import { TlsDecoder, type TlsEvent } from '../tls';

/** A TLS event as `tlslab decode` prints it: the decoder's event plus the connection index and the capture time. */
export type DecodedTlsEvent = TlsEvent & { conn: string; t: number };

/** Lines of `tlslab decode --json` that are not TLS events (documented in docs/decode.md). */
export type DecodeLine =
  | DecodedTlsEvent
  | { type: 'decode:gap'; conn: string; t: number; from: 'client' | 'server'; offset: number; length: number; reason: string; note: string }
  | { type: 'decode:close'; conn: string; t: number; from: 'client' | 'server'; how: 'fin' | 'rst' };

export type StreamKind = 'tls' | 'not-tls' | 'empty';

export interface DecodedConnection {
  conn: string;
  client: Endpoint;
  server: Endpoint;
  kind: StreamKind;
  decidedBy: TcpConnection['decidedBy'];
  packets: number;
  bytes: { client: number; server: number };
  /** First bytes of each direction, hex (≤ 16 bytes), to show what a non-TLS stream held. */
  firstBytes: { client: string; server: string };
  /** Capture time of the connection's first packet, ms since the epoch. */
  t: number;
  lines: DecodeLine[];
  state: TlsDecoder['state'] | null;
}

export interface DecodeResult {
  format: Capture['format'];
  packets: number;
  tcpPackets: number;
  skipped: Record<SkipReason, number>;
  /** Problems reading the file (the packets before them were decoded). */
  fileErrors: PcapError[];
  /** Key-log lines used: from --keylog and from Decryption Secrets Blocks. */
  keyLogLines: { option: number; dsb: number };
  connections: DecodedConnection[];
}

export interface DecodeOptions {
  /** Key-log text given with --keylog (NSS format). */
  keyLog?: string;
  /** Passed to each TlsDecoder. */
  maxRecordHex?: number;
  appDataPreview?: number;
}

const TLS_CONTENT_TYPES = new Set([20, 21, 22, 23, 24]);

/** TLS record header (RFC 8446 §5.1: type, 0x03 0x0X) or an SSLv2-compatible ClientHello (RFC 5246 Appendix E.2). */
export function looksLikeTls(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  if (TLS_CONTENT_TYPES.has(b[0])) return b.length < 2 || b[1] === 3;
  return (b[0] & 0x80) !== 0 && (b.length < 3 || b[2] === 1);
}

function countKeyLines(text: string): number {
  return text.split(/\r?\n/).filter((l) => /^[A-Z_0-9]+ [0-9a-fA-F]+ [0-9a-fA-F]+\s*$/.test(l)).length;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Reads a capture and decodes every TCP connection in it. `null` + error when the file is not a capture at all. */
export function decodeCapture(bytes: Uint8Array, opts: DecodeOptions = {}): { ok: true; value: DecodeResult } | { ok: false; error: PcapError } {
  const read = readCapture(bytes);
  if (!read.ok) return read;
  const capture = read.value;
  const streams = reassembleCapture(capture);
  const dsbText = capture.keyLogs.join('\n');
  const keyText = [opts.keyLog ?? '', dsbText].filter((t) => t.length > 0).join('\n');
  const byConn = new Map<number, StreamEvent[]>();
  for (const e of streams.events) {
    const list = byConn.get(e.conn);
    if (list) list.push(e);
    else byConn.set(e.conn, [e]);
  }
  const packetTime = new Map(capture.packets.map((p) => [p.index, packetTimeMs(p)]));
  const connections = streams.connections.map((c) => decodeConnection(c, byConn.get(c.index) ?? [], keyText, packetTime.get(c.firstPacket) ?? 0, opts));
  return {
    ok: true,
    value: {
      format: capture.format,
      packets: capture.packets.length,
      tcpPackets: streams.tcpPackets,
      skipped: streams.skipped,
      fileErrors: capture.errors,
      keyLogLines: { option: countKeyLines(opts.keyLog ?? ''), dsb: countKeyLines(dsbText) },
      connections,
    },
  };
}

function decodeConnection(c: TcpConnection, events: StreamEvent[], keyText: string, t0: number, opts: DecodeOptions): DecodedConnection {
  const conn = String(c.index);
  const first: Record<'client' | 'server', Uint8Array> = { client: new Uint8Array(0), server: new Uint8Array(0) };
  for (const e of events) if (e.kind === 'data' && first[e.from].length === 0) first[e.from] = e.bytes.subarray(0, 16);
  const opener = events.find((e) => e.kind === 'data');
  // A stream that opens with an HTTP CONNECT exchange (a capture of a proxy's port, a tlslab recording's client leg)
  // is a tunnel: what is decoded is what follows it.
  const tunnelStart = afterConnect(events);
  const start = tunnelStart ?? (opener?.kind === 'data' ? opener.bytes : null);
  const kind: StreamKind = !opener ? 'empty' : start !== null && looksLikeTls(start) ? 'tls' : 'not-tls';
  const heads = { client: new ProxyHeadSkipper('client'), server: tunnelStart ? new ProxyHeadSkipper('server') : null };
  const out: DecodedConnection = {
    conn,
    client: c.client,
    server: c.server,
    kind,
    decidedBy: c.decidedBy,
    packets: c.packets,
    bytes: { client: c.stats.client.bytes, server: c.stats.server.bytes },
    firstBytes: { client: hex(first.client), server: hex(first.server) },
    t: t0,
    lines: [],
    state: null,
  };
  const decoder = kind === 'tls' ? new TlsDecoder({ decrypt: true, maxRecordHex: opts.maxRecordHex, appDataPreview: opts.appDataPreview }) : null;
  const emit = (evs: TlsEvent[], t: number) => {
    for (const e of evs) out.lines.push({ ...e, conn, t });
  };
  if (decoder && keyText) emit(decoder.addKeyLog(keyText), t0);
  // After a gap the direction's record framing is lost: that direction is no longer fed to the decoder.
  const broken = { client: false, server: false };
  const ended = { client: false, server: false };
  let lastT = t0;
  for (const e of events) {
    const t = (lastT = packetTimeMs(e));
    switch (e.kind) {
      case 'data': {
        const bytes = e.from === 'client' || heads.server ? (heads[e.from] as ProxyHeadSkipper).push(e.bytes) : e.bytes;
        if (decoder && !broken[e.from] && bytes !== null && bytes.length > 0) emit(decoder.feed(e.from, bytes), t);
        break;
      }
      case 'gap':
        out.lines.push({
          type: 'decode:gap', conn, t, from: e.from, offset: e.offset, length: e.length, reason: e.reason,
          note: broken[e.from] || !decoder ? 'bytes missing from the capture' : 'bytes missing from the capture: the rest of this direction is not decoded',
        });
        if (decoder && !broken[e.from]) {
          broken[e.from] = true;
          emit(decoder.end(e.from), t);
          ended[e.from] = true;
        }
        break;
      case 'fin':
      case 'rst':
        if (decoder && !ended[e.from]) {
          emit(decoder.end(e.from), t);
          ended[e.from] = true;
        }
        out.lines.push({ type: 'decode:close', conn, t, from: e.from, how: e.kind });
        break;
      default:
        assertNever(e);
    }
  }
  if (decoder) {
    emit(decoder.finish(), lastT);
    out.state = decoder.state;
  }
  return out;
}

/** The first bytes the client sent after an HTTP CONNECT head, or null when its stream does not start with one. */
function afterConnect(events: StreamEvent[]): Uint8Array | null {
  const skip = new ProxyHeadSkipper('client');
  for (const e of events) {
    if (e.kind !== 'data' || e.from !== 'client') continue;
    const out = skip.push(e.bytes);
    if (out === null) continue;
    if (skip.skipped === 0) return null;
    if (out.length > 0) return out;
  }
  return null;
}

/** `127.0.0.1:51514 → 127.0.0.1:443`. */
export function connectionTitle(c: { client: Endpoint; server: Endpoint }): string {
  return `${endpointText(c.client)} → ${endpointText(c.server)}`;
}
