// A leg's key schedule as data, from its handshake messages and key-log lines — or from its raw bytes, decoded here
// with the same decoder as live traffic. Pure: bytes and text in, a KeyScheduleView out; no I/O.
import type { Side } from '../../events/schema';
import { cipherSuite } from '../crypto/cipher-suites';
import { parseKeyLog } from '../crypto/keylog';
import { decodeLeg } from '../decode-leg';
import { suiteName } from '../names/lookup';
import { helloParts, type LegMessage } from './hello-parts';
import { schedule12 } from './schedule12';
import { schedule13 } from './schedule13';
import type { KeyScheduleView, NoKeySchedule } from './types';

export type { KeyScheduleView, NoKeySchedule, ScheduleInput, ScheduleStep, ValueSource } from './types';
export type { LegMessage } from './hello-parts';

export interface KeyScheduleInput {
  /** The leg's handshake messages (header included), each side's in the order it sent them. */
  messages: readonly LegMessage[];
  /** NSS key-log text (lines of any connection; this one's are picked by its ClientHello random). */
  keyLog: string;
  /** Secrets a live connection never gives, for test vectors: the (EC)DHE shared secret, a PSK, a premaster secret. */
  sharedSecret?: Uint8Array;
  psk?: Uint8Array;
  premasterSecret?: Uint8Array;
}

/** The key schedule of one leg, or why there is none. */
export function computeKeySchedule(input: KeyScheduleInput): KeyScheduleView | NoKeySchedule {
  const ch = input.messages.find((m) => m.from === 'client' && m.bytes[0] === 1);
  const sh = input.messages.map((m) => (m.from === 'server' && m.bytes[0] === 2 ? helloParts(m.bytes) : null)).find((p) => p !== null && !p.helloRetryRequest);
  const chParts = ch ? helloParts(ch.bytes) : null;
  if (chParts === null) return { unavailable: 'No ClientHello was seen on this leg.' };
  if (sh === undefined || sh === null) return { unavailable: 'No ServerHello was seen on this leg: no keys were agreed.' };
  const suite = cipherSuite(sh.cipherSuite);
  if (suite === undefined) return { unavailable: `tlslab does not know the key schedule of ${suiteName(sh.cipherSuite).name}.` };
  const secrets = new Map<string, Buffer>();
  for (const e of parseKeyLog(input.keyLog).entries) if (e.clientRandom === chParts.random && !secrets.has(e.label)) secrets.set(e.label, e.secret);
  if (sh.version === 0x0304) {
    return schedule13({ messages: input.messages, secrets, suite, ...(input.sharedSecret ? { sharedSecret: input.sharedSecret } : {}), ...(input.psk ? { psk: input.psk } : {}) });
  }
  if (sh.version >= 0x0301 && sh.version <= 0x0303) {
    return schedule12({ messages: input.messages, secrets, suite, version: sh.version, ...(input.premasterSecret ? { premasterSecret: input.premasterSecret } : {}) });
  }
  return { unavailable: `Protocol version 0x${sh.version.toString(16)} has no key schedule tlslab can show.` };
}

/** Handshake messages decoded (and decrypted with the key log) from one leg's raw bytes, in each side's order. */
export function legMessages(chunks: readonly { from: Side; bytes: Uint8Array }[], keyLog: string): LegMessage[] {
  const out: LegMessage[] = [];
  for (const e of decodeLeg(chunks, keyLog, { appDataRecords: 8, maxRecordHex: 0, appDataPreview: 0 })) {
    if (e.type === 'tls:handshake' && e.hex !== undefined) out.push({ from: e.from, bytes: Buffer.from(e.hex, 'hex') });
  }
  return out;
}

/** The key schedule of one leg from its raw bytes and its key-log lines (what the capture store keeps). */
export function keyScheduleOfLeg(chunks: readonly { from: Side; bytes: Uint8Array }[], keyLogLines: readonly string[]): KeyScheduleView | NoKeySchedule {
  if (chunks.length === 0) return { unavailable: 'No bytes of this leg were kept.' };
  const keyLog = keyLogLines.join('\n');
  return computeKeySchedule({ messages: legMessages(chunks, keyLog), keyLog });
}

/** Both legs' key schedules of one connection, as `GET /api/connections/:id/key-schedule` serves them. */
export function keyScheduleOfConnection(
  id: string,
  legs: Record<'client' | 'upstream', { raw: readonly { from: Side; bytes: Uint8Array }[]; keyLog: readonly string[] }>,
): { conn: string; legs: Record<'client' | 'upstream', KeyScheduleView | NoKeySchedule> } {
  return { conn: id, legs: { client: keyScheduleOfLeg(legs.client.raw, legs.client.keyLog), upstream: keyScheduleOfLeg(legs.upstream.raw, legs.upstream.keyLog) } };
}
