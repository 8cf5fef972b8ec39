// The raw captures of recent connections (both legs), bounded by count and bytes, for the exports ("Open in
// Wireshark", the session's pcapng: src/record/session-export.ts builds the file). I/O boundary: none.
import type { Endpoint } from '../events/schema';
import type { LegEnds, RawChunk } from './session';

/** What the store needs of one leg: `LegCapture` fits (its arrays keep growing while the connection runs). */
export interface KeptLeg {
  readonly raw: readonly RawChunk[];
  readonly keyLog: readonly string[];
  /** Sum of the raw chunks' lengths, when the leg keeps it (LegCapture does): saves a walk on every check. */
  readonly rawBytes?: number;
  /** The leg's TCP ends as its socket (or the capture it was replayed from) gave them; null/absent when unknown. */
  readonly ends?: LegEnds | null;
}

/** The addresses of the browser's connection to the proxy; a client leg fed without a tap is exported with them. */
export interface KeptEndpoints {
  /** The browser's end of the client leg. */
  browser?: Endpoint;
  /** tlslab's end of the client leg (the proxy's listening address). */
  proxy?: Endpoint;
}

export interface KeptCapture {
  readonly id: string;
  /** The live leg while the connection runs; once it closed, a copy of its bytes and key log alone (see `markClosed`). */
  client: KeptLeg;
  upstream: KeptLeg;
  readonly ends: KeptEndpoints;
  /** The client socket closed: the export ends both TCP connections with FINs (else it leaves them open). */
  closed: boolean;
}

export interface CaptureStoreOptions {
  /** Most connections kept (default 2,000). */
  maxConnections?: number;
  /** Most raw bytes kept over all connections and legs (default 64 MiB). */
  maxBytes?: number;
}

// 2,000: the dashboard builds each message's bytes and fields from these when a view opens a connection (the live
// events leave them out), so a class's connections of the last minutes must still be here; the byte bound rules first
// for connections that carried much data.
export const CAPTURE_STORE_DEFAULTS = { maxConnections: 2000, maxBytes: 64 * 1024 * 1024 };

/** The last connections' legs, oldest evicted first once there are too many or they hold too many bytes. */
export class CaptureStore {
  readonly maxConnections: number;
  readonly maxBytes: number;
  private readonly kept = new Map<string, KeptCapture>();
  /** Connections still running: their legs grow, so their bytes are counted when asked. */
  private readonly open = new Set<string>();
  /** Bytes of the closed connections kept (final: counted once, when each closes). */
  private closedBytes = 0;
  evicted = 0;

  constructor(opts: CaptureStoreOptions = {}) {
    this.maxConnections = Math.max(1, opts.maxConnections ?? CAPTURE_STORE_DEFAULTS.maxConnections);
    this.maxBytes = Math.max(0, opts.maxBytes ?? CAPTURE_STORE_DEFAULTS.maxBytes);
  }

  /** Keeps a connection's legs (from when it opens); evicts the oldest if the bounds are now exceeded. */
  add(id: string, legs: { client: KeptLeg; upstream: KeptLeg }, ends: KeptEndpoints = {}): void {
    this.forget(id);
    this.kept.set(id, { id, client: legs.client, upstream: legs.upstream, ends: { ...ends }, closed: false });
    this.open.add(id);
    this.enforce();
  }

  /**
   * The connection ended: its bytes are final, so the byte bound is checked again, and only the bytes, key log and
   * addresses are kept from now on: a live leg holds its decoder, keys and listeners (tens of KiB), and thousands of
   * closed connections are kept for the details views ask for.
   */
  markClosed(id: string): void {
    const k = this.kept.get(id);
    if (k && !k.closed) {
      k.closed = true;
      k.client = settled(k.client);
      k.upstream = settled(k.upstream);
      this.open.delete(id);
      this.closedBytes += captureBytes(k);
    }
    this.enforce();
  }

  get(id: string): KeptCapture | undefined {
    return this.kept.get(id);
  }

  get size(): number {
    return this.kept.size;
  }

  /** Raw bytes held now, both legs of every kept connection. */
  get bytes(): number {
    let total = this.closedBytes;
    for (const id of this.open) {
      const k = this.kept.get(id);
      if (k) total += captureBytes(k);
    }
    return total;
  }

  /** Evicts oldest first until both bounds hold (legs of open connections grow, so this runs on add and close). */
  enforce(): void {
    let bytes = this.bytes;
    for (const id of this.kept.keys()) {
      if (this.kept.size <= this.maxConnections && bytes <= this.maxBytes) break;
      bytes -= this.forget(id);
      this.evicted += 1;
    }
  }

  /** Drops connection `id` (if kept); returns the bytes it held. */
  private forget(id: string): number {
    const k = this.kept.get(id);
    if (!k) return 0;
    const n = captureBytes(k);
    this.kept.delete(id);
    if (k.closed) this.closedBytes -= n;
    else this.open.delete(id);
    return n;
  }
}

function captureBytes(k: KeptCapture): number {
  return legBytes(k.client) + legBytes(k.upstream);
}

function legBytes(leg: KeptLeg): number {
  if (leg.rawBytes !== undefined) return leg.rawBytes;
  let n = 0;
  for (const c of leg.raw) n += c.bytes.length;
  return n;
}

/**
 * A closed leg, kept small: its bytes as one string of one character per byte (latin1) in V8's heap, its chunks as a
 * flat list of numbers (side, time, length), its key log. The arrays `KeptLeg` names are built again when
 * asked (a view opening the connection, an export). A Buffer per leg would put thousands of small long-lived blocks
 * outside V8's heap, between the short-lived buffers of the connections that follow, where the memory they are cut
 * from is not given back; in V8's heap they are moved together when it compacts. Objects per chunk cost more than the
 * bytes of a small connection.
 */
class SettledLeg implements KeptLeg {
  readonly rawBytes: number;
  readonly ends: LegEnds | null;
  private readonly text: string;
  /** Per chunk: 0 (client) or 1 (server), its time, its length. */
  private readonly chunks: number[];
  readonly keyLog: readonly string[];

  constructor(leg: KeptLeg) {
    const total = legBytes(leg);
    const all = Buffer.allocUnsafe(total);
    const chunks: number[] = [];
    let at = 0;
    for (const c of leg.raw) {
      all.set(c.bytes, at);
      at += c.bytes.length;
      chunks.push(c.from === 'client' ? 0 : 1, c.t, c.bytes.length);
    }
    this.text = all.toString('latin1', 0, total);
    this.chunks = chunks;
    this.rawBytes = total;
    this.keyLog = [...leg.keyLog];
    this.ends = leg.ends ?? null;
  }

  /** The chunks as they came, each a view of one buffer made now. */
  get raw(): RawChunk[] {
    const all = Buffer.from(this.text, 'latin1');
    const out: RawChunk[] = [];
    let at = 0;
    for (let i = 0; i < this.chunks.length; i += 3) {
      const n = this.chunks[i + 2];
      out.push({ from: this.chunks[i] === 0 ? 'client' : 'server', t: this.chunks[i + 1], bytes: all.subarray(at, at + n) });
      at += n;
    }
    return out;
  }
}

/** A closed leg's bytes, key log and ends: nothing else. */
function settled(leg: KeptLeg): KeptLeg {
  return new SettledLeg(leg);
}
