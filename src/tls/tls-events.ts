// The decoder's output type and the builders of its simpler events (records, alerts, app data, established).
// Pure: values in, event objects out. The capture layer stamps conn/leg/seq/t on them.
import type { DistributiveOmit, Side, TlslabEvent } from '../events/schema';
import { toHex } from './bytes';
import type { ConnectionFacts } from './decoder-state';
import { keyExchangeOf } from './handshake-effects';
import { APPDATA_STEP, alertLesson } from './lesson';
import { alertDescriptionName, alertLevelName, contentTypeName, suiteName, versionName } from './names/lookup';
import type { RawRecord } from './record-layer';

export type TlsEventType =
  | 'tls:record' | 'tls:handshake' | 'tls:ccs' | 'tls:alert' | 'tls:appdata' | 'tls:keys' | 'tls:undecryptable'
  | 'tls:decode-error' | 'tls:established';

/** Decoder output: the schema's events without the fields the capture layer stamps (v, seq, t, conn, leg). */
export type TlsEvent = DistributiveOmit<Extract<TlslabEvent, { type: TlsEventType }>, 'v' | 'seq' | 't' | 'conn' | 'leg'>;

const SSLV2_CONTENT = { code: 22, name: 'handshake (SSLv2-compatible ClientHello)' };

/** `maxHex`: bytes of the body kept as hex; null leaves the bytes out (`deferred`: the decoder's `live` detail). */
export function recordEvent(from: Side, rec: RawRecord, encrypted: boolean, maxHex: number | null, inner?: number): TlsEvent {
  const bytes = maxHex === null
    ? { deferred: true as const }
    : { hex: toHex(rec.header) + toHex(rec.body, maxHex), ...(rec.body.length > maxHex ? { truncated: true } : {}) };
  return {
    type: 'tls:record', from, offset: rec.offset,
    contentType: rec.sslv2 ? SSLV2_CONTENT : contentTypeName(rec.type),
    version: versionName(rec.version), length: rec.body.length,
    ...bytes, encrypted,
    ...(inner !== undefined ? { innerType: contentTypeName(inner) } : {}),
  };
}

/** RFC 8446 §6 / RFC 5246 §7.2: a record holds one or more 2-byte alerts. */
export function alertEvents(from: Side, data: Uint8Array, encrypted: boolean, version: number | null): TlsEvent[] {
  const out: TlsEvent[] = [];
  for (let i = 0; i + 1 < data.length; i += 2) {
    const level = data[i];
    const desc = data[i + 1];
    // RFC 8446 §6: in TLS 1.3 every alert but close_notify and user_canceled is fatal, whatever its level.
    const fatal = level === 2 || (version === 0x0304 && desc !== 0 && desc !== 90);
    const mark = alertLesson(desc);
    out.push({
      type: 'tls:alert', from, ...(mark.step ? { step: mark.step } : {}), level: alertLevelName(level),
      description: alertDescriptionName(desc), encrypted, fatal,
    });
  }
  return out;
}

/** `view`: what the preview shows instead of `data`'s first bytes (the same bytes, masked; see `appDataView`). */
export function appDataEvent(from: Side, data: Uint8Array, decrypted: boolean, preview: number, view?: Uint8Array): TlsEvent {
  return {
    type: 'tls:appdata', from, step: APPDATA_STEP, length: data.length, decrypted,
    ...(decrypted ? { previewHex: toHex(view ?? data, preview) } : {}),
  };
}

export function establishedEvent(from: Side, c: ConnectionFacts): TlsEvent {
  return {
    type: 'tls:established', from, version: versionName(c.version ?? 0), cipherSuite: suiteName(c.cipherSuite ?? 0),
    alpn: c.alpn, sni: c.sni, ...keyExchangeOf(c),
  };
}

/** Key-log labels per side; labels shared by both directions (CLIENT_RANDOM, exporters) go with the client. */
export function keysEvents(labels: string[]): TlsEvent[] {
  const server = labels.filter((l) => l.startsWith('SERVER_'));
  const client = labels.filter((l) => !l.startsWith('SERVER_'));
  const out: TlsEvent[] = [];
  if (client.length > 0) out.push({ type: 'tls:keys', from: 'client', labels: client });
  if (server.length > 0) out.push({ type: 'tls:keys', from: 'server', labels: server });
  return out;
}
