// Puts one leg's handshake messages (each side's in its own order) into transcript order and hashes prefixes of it:
// RFC 8446 §4.4.1 (TLS 1.3, with the message_hash that replaces a first ClientHello after a HelloRetryRequest) and
// RFC 5246 §7.4.9 (TLS 1.2, full and abbreviated handshakes). Pure; node:crypto for the hashes.
import { createHash } from 'node:crypto';
import type { LegMessage } from './hello-parts';
import { HRR_RANDOM } from '../messages/hello';
import { toHex } from '../bytes';

export interface TranscriptEntry {
  /** What the student calls it: `ClientHello`, `server Certificate`, `message_hash (ClientHello 1)`, … */
  name: string;
  bytes: Uint8Array;
}

/** Messages in transcript order, and where the points the key schedule hashes up to are (index of the last one). */
export interface Transcript {
  entries: TranscriptEntry[];
  points: Partial<Record<TranscriptPoint, number>>;
}

export type TranscriptPoint =
  | 'clientHello' | 'serverHello' | 'beforeServerFinished' | 'serverFinished' | 'beforeClientFinished' | 'clientFinished'
  /** TLS 1.2 extended master secret: ClientHello … ClientKeyExchange (RFC 7627 §3). */
  | 'clientKeyExchange';

const NAMES: Readonly<Record<number, string>> = {
  1: 'ClientHello', 2: 'ServerHello', 4: 'NewSessionTicket', 5: 'EndOfEarlyData', 8: 'EncryptedExtensions', 11: 'Certificate',
  12: 'ServerKeyExchange', 13: 'CertificateRequest', 14: 'ServerHelloDone', 15: 'CertificateVerify', 16: 'ClientKeyExchange',
  20: 'Finished', 22: 'CertificateStatus',
};

function nameOf(m: LegMessage): string {
  const type = m.bytes[0];
  const base = NAMES[type] ?? `handshake type ${type}`;
  return type === 1 || type === 2 || type === 8 || type === 12 || type === 14 || type === 16 || type === 5 ? base : `${m.from} ${base}`;
}

const isHrr = (m: LegMessage | undefined): boolean =>
  m !== undefined && m.bytes[0] === 2 && m.bytes.length >= 38 && toHex(m.bytes.subarray(6, 38)) === HRR_RANDOM;

/** RFC 8446 §4.4.1 transcript of a TLS 1.3 handshake. */
export function transcript13(messages: readonly LegMessage[], hash: string): Transcript {
  const c = messages.filter((m) => m.from === 'client');
  const s = messages.filter((m) => m.from === 'server');
  const t: Transcript = { entries: [], points: {} };
  const push = (name: string, bytes: Uint8Array): number => t.entries.push({ name, bytes }) - 1;
  const ch1 = c[0];
  if (ch1 === undefined || ch1.bytes[0] !== 1) return t;
  let ci = 1;
  let si = 0;
  if (isHrr(s[0])) {
    const h = createHash(hash).update(ch1.bytes).digest();
    push('message_hash (hash of ClientHello 1)', Buffer.concat([Buffer.of(254, 0, 0, h.length), h]));
    push('HelloRetryRequest', s[0].bytes);
    si = 1;
    const ch2 = c[1];
    if (ch2 === undefined || ch2.bytes[0] !== 1) return t;
    t.points.clientHello = push('ClientHello 2', ch2.bytes);
    ci = 2;
  } else {
    t.points.clientHello = push('ClientHello', ch1.bytes);
  }
  for (; si < s.length; si++) {
    const m = s[si];
    if (m.bytes[0] === 20) t.points.beforeServerFinished = t.entries.length - 1;
    const at = push(nameOf(m), m.bytes);
    if (m.bytes[0] === 2) t.points.serverHello = at;
    if (m.bytes[0] === 20) {
      t.points.serverFinished = at;
      break;
    }
  }
  if (t.points.serverFinished === undefined) return t;
  for (; ci < c.length; ci++) {
    const m = c[ci];
    if (m.bytes[0] === 20) t.points.beforeClientFinished = t.entries.length - 1;
    const at = push(nameOf(m), m.bytes);
    if (m.bytes[0] === 20) {
      t.points.clientFinished = at;
      break;
    }
  }
  return t;
}

/** RFC 5246 §7.4.9 transcript of a TLS 1.0–1.2 handshake: full (with ServerHelloDone) or abbreviated (resumed). */
export function transcript12(messages: readonly LegMessage[]): Transcript {
  const c = messages.filter((m) => m.from === 'client' && m.bytes[0] !== 0);
  const s = messages.filter((m) => m.from === 'server' && m.bytes[0] !== 0);
  const t: Transcript = { entries: [], points: {} };
  const push = (m: LegMessage): number => t.entries.push({ name: nameOf(m), bytes: m.bytes }) - 1;
  if (c[0]?.bytes[0] !== 1) return t;
  t.points.clientHello = push(c[0]);
  const full = s.some((m) => m.bytes[0] === 14);
  let si = 0;
  const serverUntil = (stop: number): void => {
    for (; si < s.length; si++) {
      const m = s[si];
      if (m.bytes[0] === 20) t.points.beforeServerFinished = t.entries.length - 1;
      const at = push(m);
      if (m.bytes[0] === 2) t.points.serverHello = at;
      if (m.bytes[0] === 20) t.points.serverFinished = at;
      if (m.bytes[0] === stop) {
        si++;
        return;
      }
    }
  };
  const clientFinished = (): void => {
    for (const m of c.slice(1)) {
      if (m.bytes[0] === 20) t.points.beforeClientFinished = t.entries.length - 1;
      const at = push(m);
      if (m.bytes[0] === 16) t.points.clientKeyExchange = at;
      if (m.bytes[0] === 20) {
        t.points.clientFinished = at;
        return;
      }
    }
  };
  if (full) {
    serverUntil(14);
    clientFinished();
    serverUntil(20);
  } else {
    serverUntil(20);
    clientFinished();
  }
  return t;
}

/** Hash of the entries up to and including `point`; null when that point was not reached. */
export function transcriptHash(t: Transcript, point: TranscriptPoint, hash: string): { hex: Buffer; messages: string[] } | null {
  const last = t.points[point];
  if (last === undefined) return null;
  const h = createHash(hash);
  for (const e of t.entries.slice(0, last + 1)) h.update(e.bytes);
  return { hex: h.digest(), messages: t.entries.slice(0, last + 1).map((e) => e.name) };
}

/** TLS 1.0/1.1 Finished hash: MD5(messages) + SHA-1(messages) (RFC 2246 §7.4.9). */
export function transcriptHashMd5Sha1(t: Transcript, point: TranscriptPoint): { hex: Buffer; messages: string[] } | null {
  const md5 = transcriptHash(t, point, 'md5');
  const sha1 = transcriptHash(t, point, 'sha1');
  return md5 && sha1 ? { hex: Buffer.concat([md5.hex, sha1.hex]), messages: md5.messages } : null;
}
