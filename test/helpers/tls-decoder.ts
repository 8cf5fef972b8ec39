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
