// What the live stream leaves out, built when someone looks: the live proxy decodes with `detail: 'live'`, so its
// `tls:record` events come without their bytes and its `tls:handshake` events without their bytes and field tree
// (`deferred: true`). A view that opens a connection asks `GET /api/connections/:id/events`; this fills those in by
// decoding the connection's kept raw legs again in full, while the capture store still has them.
// I/O boundary: none (reads the capture store, runs the sans-IO decoder).
import { isDeferred } from '../events/deferred';
import type { Field, Leg, Side, TlslabEvent } from '../events/schema';
import { decodeLeg } from '../tls';
import type { KeptCapture, KeptLeg } from './capture-store';
import { SESSION_DEFAULTS } from './session';
/** Connections whose details are kept built (each is tens of KiB of hex and field trees). */
const CACHED_CONNECTIONS = 16;

interface RecordBytes {
  hex: string;
  truncated?: boolean;
}
interface MessageBytes {
  hex: string;
  fields: Field[];
}
interface LegDetail {
  records: Map<string, RecordBytes>;
  messages: Map<string, MessageBytes>;
}
interface Built {
  /** The kept legs' size when built: a connection still running has more bytes later. */
  stamp: string;
  legs: Record<Leg, LegDetail>;
}

/** Fills in deferred events from the kept captures; remembers the last connections it built. */
export class EventDetails {
  private readonly built = new Map<string, Built>();

  constructor(private readonly captures: { get(id: string): KeptCapture | undefined }) {}

  /**
   * `events` (one connection's, in order) with the bytes and field trees of deferred records and handshake messages
   * filled in where the kept legs have them; the others stay deferred (their bytes are no longer kept, or were past
   * what a leg keeps). Events that are not deferred are returned as they are.
   */
  fill(id: string, events: readonly TlslabEvent[]): TlslabEvent[] {
    if (!events.some(isDeferred)) return [...events];
    const built = this.build(id);
    if (built === null) return [...events];
    const seen = new Map<string, number>();
    return events.map((e) => {
      if ((e.type !== 'tls:record' && e.type !== 'tls:handshake') || e.deferred !== true) return e;
      const leg = built.legs[e.leg];
      const b = e.type === 'tls:record'
        ? leg.records.get(recordKey(e.from, e.offset))
        : leg.messages.get(occurrence(seen, `${e.leg}|${messageKey(e.from, e.msgType.code, e.length, e.offset)}`).slice(e.leg.length + 1));
      if (!b) return e;
      const { deferred: _filled, ...rest } = e;
      return { ...rest, ...b };
    });
  }

  private build(id: string): Built | null {
    const kept = this.captures.get(id);
    if (!kept) return null;
    const stamp = `${legStamp(kept.client)}/${legStamp(kept.upstream)}`;
    const cached = this.built.get(id);
    if (cached && cached.stamp === stamp) {
      this.built.delete(id); // most recently used last
      this.built.set(id, cached);
      return cached;
    }
    const b: Built = { stamp, legs: { client: legDetail(kept.client), upstream: legDetail(kept.upstream) } };
    this.built.delete(id);
    this.built.set(id, b);
    while (this.built.size > CACHED_CONNECTIONS) this.built.delete(this.built.keys().next().value as string);
    return b;
  }
}

/** One leg decoded again, in full: every record's and handshake message's bytes, by where they were on the wire. */
function legDetail(leg: KeptLeg): LegDetail {
  const out: LegDetail = { records: new Map(), messages: new Map() };
  if (leg.raw.length === 0) return out;
  const seen = new Map<string, number>();
  // The live decoder's bulk threshold, so that the same records get events.
  const events = decodeLeg(leg.raw, leg.keyLog.map((l) => `${l}\n`).join(''), { detail: 'full', appDataRecords: SESSION_DEFAULTS.appDataEvents, appDataPreview: 0 });
  for (const e of events) {
    if (e.type === 'tls:record' && e.hex !== undefined) {
      out.records.set(recordKey(e.from, e.offset), { hex: e.hex, ...(e.truncated ? { truncated: true } : {}) });
    } else if (e.type === 'tls:handshake' && e.hex !== undefined && e.fields !== undefined) {
      out.messages.set(occurrence(seen, messageKey(e.from, e.msgType.code, e.length, e.offset)), { hex: e.hex, fields: e.fields });
    }
  }
  return out;
}

/** A record is where its header starts in its sender's byte stream. */
function recordKey(from: Side, offset: number): string {
  return `${from}|${offset}`;
}

/** A handshake message by its sender, type, length and wire offset (null once decrypted), and which of its kind it is. */
function messageKey(from: Side, type: number, length: number, offset: number | null): string {
  return `${from}|${type}|${length}|${offset ?? 'decrypted'}`;
}

/** `key` with the number of times it was seen before appended: the n-th identical message is the n-th one again. */
function occurrence(seen: Map<string, number>, key: string): string {
  const n = seen.get(key) ?? 0;
  seen.set(key, n + 1);
  return `${key}#${n}`;
}

/** What changes while a leg is still running: its bytes and its key log (a closed leg's chunks are built on each read). */
function legStamp(leg: KeptLeg): string {
  const bytes = leg.rawBytes ?? leg.raw.reduce((s, c) => s + c.bytes.length, 0);
  return `${bytes}:${leg.keyLog.length}`;
}
