// The raw captures of recent connections (both legs), bounded by count and bytes, and their export as pcapng.
// I/O boundary: none. It holds the legs' kept bytes and key-log lines; the caller sends the file it builds.
import { isIP } from 'node:net';
import type { Endpoint } from '../events/schema';
import { writeTcpPcapng, type TcpStreamExport } from '../pcap';
import type { RawChunk } from './session';

/** What the store needs of one leg: `LegCapture` fits (its arrays keep growing while the connection runs). */
export interface KeptLeg {
  readonly raw: readonly RawChunk[];
  readonly keyLog: readonly string[];
  /** Sum of the raw chunks' lengths, when the leg keeps it (LegCapture does): saves a walk on every check. */
  readonly rawBytes?: number;
}

/** The addresses seen for a connection; any may be missing (then the export makes one up on loopback). */
export interface KeptEndpoints {
  /** The browser's end of the client leg. */
  browser?: Endpoint;
  /** tlslab's end of the client leg (the proxy's listening address). */
  proxy?: Endpoint;
  /** tlslab's end of the upstream leg (not known today: Node does not tell the session). */
  local?: Endpoint;
  /** The real server's end of the upstream leg. */
  server?: Endpoint;
}

export interface KeptCapture {
  readonly id: string;
  readonly client: KeptLeg;
  readonly upstream: KeptLeg;
  readonly ends: KeptEndpoints;
  /** The client socket closed: the export ends both TCP connections with FINs (else it leaves them open). */
  closed: boolean;
  /** Running number, for made-up ports that stay distinct between exports. */
  readonly n: number;
}

export interface CaptureStoreOptions {
  /** Most connections kept (default 200). */
  maxConnections?: number;
  /** Most raw bytes kept over all connections and legs (default 64 MiB). */
  maxBytes?: number;
}

export const CAPTURE_STORE_DEFAULTS = { maxConnections: 200, maxBytes: 64 * 1024 * 1024 };

/** The last connections' legs, oldest evicted first once there are too many or they hold too many bytes. */
export class CaptureStore {
  readonly maxConnections: number;
  readonly maxBytes: number;
  private readonly kept = new Map<string, KeptCapture>();
  private n = 0;
  evicted = 0;

  constructor(opts: CaptureStoreOptions = {}) {
    this.maxConnections = Math.max(1, opts.maxConnections ?? CAPTURE_STORE_DEFAULTS.maxConnections);
    this.maxBytes = Math.max(0, opts.maxBytes ?? CAPTURE_STORE_DEFAULTS.maxBytes);
  }

  /** Keeps a connection's legs (from when it opens); evicts the oldest if the bounds are now exceeded. */
  add(id: string, legs: { client: KeptLeg; upstream: KeptLeg }, ends: KeptEndpoints = {}): void {
    this.kept.delete(id);
    this.kept.set(id, { id, client: legs.client, upstream: legs.upstream, ends: { ...ends }, closed: false, n: this.n++ });
    this.enforce();
  }

  /** Adds addresses learnt later (the upstream's, from `conn:upstream`). */
  setEndpoints(id: string, ends: KeptEndpoints): void {
    const k = this.kept.get(id);
    if (k) Object.assign(k.ends, ends);
  }

  /** The connection ended: its bytes are final, so the byte bound is checked again. */
  markClosed(id: string): void {
    const k = this.kept.get(id);
    if (k) k.closed = true;
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
    let total = 0;
    for (const k of this.kept.values()) total += legBytes(k.client) + legBytes(k.upstream);
    return total;
  }

  /** Evicts oldest first until both bounds hold (legs of open connections grow, so this runs on add and close). */
  enforce(): void {
    let bytes = this.bytes;
    for (const [id, k] of this.kept) {
      if (this.kept.size <= this.maxConnections && bytes <= this.maxBytes) break;
      this.kept.delete(id);
      bytes -= legBytes(k.client) + legBytes(k.upstream);
      this.evicted += 1;
    }
  }

  /** The pcapng of connection `id`, or null when it is not kept or holds no bytes. */
  pcapng(id: string): Uint8Array | null {
    const k = this.kept.get(id);
    return k ? capturePcapng(k) : null;
  }
}

function legBytes(leg: KeptLeg): number {
  if (leg.rawBytes !== undefined) return leg.rawBytes;
  let n = 0;
  for (const c of leg.raw) n += c.bytes.length;
  return n;
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; anything that is not a literal address → null. */
function literal(ep: Endpoint | undefined): Endpoint | null {
  if (!ep) return null;
  const address = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ep.address)?.[1] ?? ep.address;
  if (isIP(address) === 0 || !(ep.port > 0 && ep.port < 65536)) return null;
  return { address, port: ep.port };
}

/** A pair of ends of one family: the given ones where usable, else loopback (of the other end's family) and `port`. */
function pair(a: Endpoint | undefined, b: Endpoint | undefined, fallbackPorts: [number, number]): [Endpoint, Endpoint] {
  let x = literal(a);
  let y = literal(b);
  if (x && y && isIP(x.address) !== isIP(y.address)) y = null;
  const family = isIP((x ?? y)?.address ?? '127.0.0.1');
  const loop = family === 6 ? '::1' : '127.0.0.1';
  x ??= { address: loop, port: fallbackPorts[0] };
  y ??= { address: loop, port: fallbackPorts[1] };
  return [x, y];
}

/**
 * One pcapng with both legs as two TCP connections (client leg, then upstream leg) and both legs' key-log
 * lines in one Decryption Secrets Block, so Wireshark opens it decrypted. Null when no byte was kept.
 */
export function capturePcapng(k: KeptCapture): Uint8Array | null {
  const base = 40000 + ((k.n * 2) % 20000);
  const [browser, proxy] = pair(k.ends.browser, k.ends.proxy, [base, 8080]);
  const [local, server] = pair(k.ends.local, k.ends.server, [base + 1, 443]);
  const close = k.closed ? 'fin' : 'none';
  const connections: TcpStreamExport[] = [];
  const legs: [KeptLeg, Endpoint, Endpoint][] = [[k.client, browser, proxy], [k.upstream, local, server]];
  for (const [leg, client, srv] of legs) {
    if (leg.raw.length === 0) continue;
    connections.push({ client, server: srv, close, chunks: leg.raw.map((c) => ({ from: c.from, bytes: c.bytes, timeMs: c.t })) });
  }
  if (connections.length === 0) return null;
  const lines = [...k.client.keyLog, ...k.upstream.keyLog];
  const w = writeTcpPcapng({ connections, keyLog: lines.length ? lines.join('\n') + '\n' : undefined, mss: 1460 });
  return w.ok ? w.value : null;
}
