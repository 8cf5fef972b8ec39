// Test helpers for the TLS decoder: feed whole streams in a fixed order, split or byte by byte, and filter events.
import { TlsDecoder, type DecoderOptions, type TlsEvent } from '../../src/tls';

export type Feed = { from: 'client' | 'server'; bytes: Uint8Array } | { keys: string } | { end: 'client' | 'server' } | { finish: true };

/** Runs a script of feeds through one decoder, each `bytes` split into chunks of `chunk` (Infinity = whole). */
export function run(script: Feed[], opts: DecoderOptions = {}, chunk = Infinity): { events: TlsEvent[]; decoder: TlsDecoder } {
  const d = new TlsDecoder(opts);
  const events: TlsEvent[] = [];
  for (const s of script) {
    if ('keys' in s) events.push(...d.addKeyLog(s.keys));
    else if ('end' in s) events.push(...d.end(s.end));
    else if ('finish' in s) events.push(...d.finish());
    else if (chunk === Infinity) events.push(...d.feed(s.from, s.bytes));
    else for (let i = 0; i < s.bytes.length; i += chunk) events.push(...d.feed(s.from, s.bytes.subarray(i, i + chunk)));
  }
  return { events, decoder: d };
}

export function ofType<T extends TlsEvent['type']>(events: TlsEvent[], type: T): Extract<TlsEvent, { type: T }>[] {
  return events.filter((e): e is Extract<TlsEvent, { type: T }> => e.type === type);
}

/** Events without `tls:keys` (their position depends on when the keys came). */
export const withoutKeys = (events: TlsEvent[]): TlsEvent[] => events.filter((e) => e.type !== 'tls:keys');

/**
 * A `full` event as the `live` detail emits it: a record's or message's `hex` becomes `deferred: true` in its place,
 * `fields` and `truncated` go, and nothing else changes. An SSLv2-compatible ClientHello is shown whole in both.
 */
export function asLive(e: TlsEvent): TlsEvent {
  if ((e.type !== 'tls:record' && e.type !== 'tls:handshake') || e.hex === undefined) return e;
  if (e.type === 'tls:handshake' && e.details?.kind === 'client_hello' && e.details.sslv2Compatible === true) return e;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'hex') out.deferred = true;
    else if (k !== 'fields' && k !== 'truncated') out[k] = v;
  }
  return out as unknown as TlsEvent;
}

/**
 * `script` through a `live` decoder and a `full` one (otherwise `opts`): each live event as JSON (key order included),
 * and each full one made live (`asLive`), for a field-for-field comparison; `deferred` counts the live events that left
 * their bytes out.
 */
export function liveAndFull(script: Feed[], opts: DecoderOptions = {}, chunk = Infinity): { live: string[]; full: string[]; deferred: number } {
  const live = run(script, { ...opts, detail: 'live' }, chunk).events;
  const full = run(script, { ...opts, detail: 'full' }, chunk).events;
  return {
    live: live.map((e) => JSON.stringify(e)),
    full: full.map((e) => JSON.stringify(asLive(e))),
    deferred: live.filter((e) => 'deferred' in e).length,
  };
}
