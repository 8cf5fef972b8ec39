// A selection of connections as one pcapng in the recording format: both legs with their real addresses, their
// key logs in Decryption Secrets Blocks, and the facts `tlslab open` needs. Pure: builds bytes in memory.
import type { KeptCapture, KeptLeg } from '../capture/capture-store';
import type { LegEnds } from '../capture/session';
import type { Leg, Side, TlslabEvent } from '../events/schema';
import { FACT_EVENTS, joinParts, LEGLESS_FACT_EVENTS, RECORD_FORMAT_VERSION, RecordWriter, type BlockKind } from './record-format';

/** One connection to export: its events (from the bus history) and, when kept, its legs' bytes. */
export interface ExportedConnection {
  id: string;
  events: readonly TlslabEvent[];
  kept?: KeptCapture;
}

export interface ExportOptions {
  /** Extra trust anchors (PEM) the upstream verification used, for `tlslab open`'s verdicts. */
  trust?: string[];
  /** Time of the section (ms since the epoch; default: the first connection's, or now). */
  t?: number;
}

interface Block {
  t: number;
  n: number;
  bytes: Uint8Array;
}

/**
 * The pcapng of `conns`: the section header, every key log (so Wireshark has them before any packet), then facts and
 * packets in time order. A leg whose addresses are not known (its socket had none) is left out, never made up.
 * Returns null when there is nothing to write (no connection with a kept leg or an event).
 */
export function exportPcapng(conns: readonly ExportedConnection[], opts: ExportOptions = {}): Uint8Array | null {
  const header: Uint8Array[] = [];
  const secrets: Uint8Array[] = [];
  const blocks: Block[] = [];
  let n = 0;
  const sink = (parts: readonly Uint8Array[], kind: BlockKind, t: number): boolean => {
    const bytes = joinParts(parts);
    if (kind === 'header') header.push(bytes);
    else if (kind === 'secrets') secrets.push(bytes);
    else blocks.push({ t, n: n++, bytes });
    return true;
  };
  const t0 = opts.t ?? conns[0]?.events[0]?.t ?? Date.now();
  const w = new RecordWriter(sink, { t: t0, trust: opts.trust ?? [] });
  let wrote = false;
  for (const c of conns) wrote = writeConnection(w, c) || wrote;
  if (!wrote) return null;
  blocks.sort((a, b) => a.t - b.t || a.n - b.n);
  const parts = [...header, ...secrets, ...blocks.map((b) => b.bytes)];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function writeConnection(w: RecordWriter, c: ExportedConnection): boolean {
  const legs: [Leg, KeptLeg | undefined][] = [['client', c.kept?.client], ['upstream', c.kept?.upstream]];
  const hasLegs = legs.some(([, l]) => (l?.raw.length ?? 0) > 0);
  let wrote = false;
  const close = c.events.find((e) => e.type === 'conn:close');
  for (const e of c.events) {
    if (e.type === 'tls:verdict') {
      w.fact({
        tlslab: 'verdict', v: RECORD_FORMAT_VERSION, t: e.t, conn: c.id, host: e.host, nodeError: e.nodeError,
        ...(e.policy ? { policy: e.policy } : {}),
        ...(e.mirrorUnavailable ? { mirrorUnavailable: e.mirrorUnavailable } : {}),
      });
    } else if (FACT_EVENTS.has(e.type) || (!hasLegs && LEGLESS_FACT_EVENTS.has(e.type))) {
      const { v: _v, seq: _seq, t, ...draft } = e;
      w.event(t, draft);
      wrote = true;
    }
  }
  for (const [leg, kept] of legs) {
    if (!kept || kept.raw.length === 0) continue;
    const ends = kept.ends ?? (leg === 'client' ? fallbackEnds(c.kept) : null);
    const first = kept.raw[0]?.t ?? 0;
    const stream = ends ? w.leg(c.id, leg, ends, first) : null;
    if (!stream) continue;
    if (kept.keyLog.length > 0) w.keyLog(`${kept.keyLog.join('\n')}\n`, first);
    const open = c.events.find((e) => e.type === 'conn:open');
    if (leg === 'client' && open?.type === 'conn:open' && open.via === 'connect') stream.connect(open.target, first);
    // tlslab's peer ended its side (its FIN or reset) when its tls:tcp-end says; tlslab's own end comes at the close.
    const peerEnd = c.events.find((e) => e.type === 'tls:tcp-end' && e.leg === leg);
    const peer: Side = leg === 'client' ? 'client' : 'server';
    let peerDone = false;
    const endPeer = (): void => {
      if (peerDone || peerEnd?.type !== 'tls:tcp-end') return;
      peerDone = true;
      if (peerEnd.how === 'reset') stream.reset(peer, peerEnd.t);
      else stream.fin(peer, peerEnd.t);
    };
    for (const chunk of kept.raw) {
      if (peerEnd && chunk.t > peerEnd.t) endPeer();
      stream.data(chunk.from, chunk.bytes, chunk.t);
    }
    endPeer();
    // A connection still open is exported as it is so far: tlslab's side has not ended.
    if (c.kept?.closed) stream.close(peer === 'client' ? 'server' : 'client', Math.max(kept.raw[kept.raw.length - 1]?.t ?? first, close ? close.t - 0.001 : 0));
    wrote = true;
  }
  return wrote;
}

/** The client leg's ends as the proxy's socket saw them, for a client leg fed without a tap. */
function fallbackEnds(k: KeptCapture | undefined): LegEnds | null {
  const b = k?.ends.browser;
  const p = k?.ends.proxy;
  return b && p && b.port > 0 && p.port > 0 && b.address !== '' && p.address !== '' ? { client: b, server: p } : null;
}
