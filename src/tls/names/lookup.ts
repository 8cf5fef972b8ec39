// Turns protocol numbers into `Named` values and display strings; GREASE values are called GREASE.
// Pure functions over the tables in this folder, no I/O.
import type { Named } from '../../events/schema';
import { CIPHER_SUITES } from './cipher-suites';
import {
  ALERT_DESCRIPTIONS, ALERT_LEVELS, CONTENT_TYPES, EXTENSION_TYPES, GROUPS, HANDSHAKE_TYPES, SIGNATURE_SCHEMES, VERSIONS,
} from './registries';

/** RFC 8701: 16-bit GREASE values are 0x0A0A, 0x1A1A, … 0xFAFA. */
export function isGrease16(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** RFC 8701 §2: one-byte GREASE values (PSK modes) are 0x0B, 0x2A, 0x49, … (0x0B + 0x1F·n). */
export function isGrease8(v: number): boolean {
  return v <= 0xff && (v - 0x0b) % 0x1f === 0 && v >= 0x0b;
}

export const GREASE_NOTE = 'GREASE (RFC 8701): a reserved random value that keeps servers tolerant of values they do not know';

/**
 * `0x…` of the 8- and 16-bit codes already shown, by width: every field of every hello names dozens of them. At most
 * HEX_SHOWN_MAX per width are kept (hellos full of random codes are computed, not remembered).
 */
const HEX_SHOWN: Readonly<Record<number, Map<number, string>>> = { 2: new Map(), 4: new Map() };
const HEX_SHOWN_MAX = 4096;

export function hex(n: number, digits = 4): string {
  const shown = n >= 0 && n <= 0xffff && Number.isInteger(n) ? HEX_SHOWN[digits] : undefined;
  if (shown === undefined) return '0x' + n.toString(16).padStart(digits, '0');
  let h = shown.get(n);
  if (h === undefined) {
    h = '0x' + n.toString(16).padStart(digits, '0');
    if (shown.size < HEX_SHOWN_MAX) shown.set(n, h);
  }
  return h;
}

/**
 * The `Named` values already made, per table, by code, GREASE rule and width: every hello names dozens of suites,
 * groups, algorithms and extensions, and every record its content type and version. The same object is handed out
 * again (events are read-only once made); at most NAMED_MAX per table are kept (hellos full of random codes are made
 * afresh).
 */
const NAMED = new WeakMap<Readonly<Record<number, string>>, Map<number, Named>>();
const NAMED_MAX = 4096;
const GREASE_RULES = { none: 0, grease8: 1, grease16: 2 } as const;

/** `{ code, name }` from a table; unknown codes get `unknown (0x…)`, GREASE codes (if `grease`) `GREASE`. */
export function named(table: Readonly<Record<number, string>>, code: number, grease: 'grease16' | 'grease8' | 'none' = 'none', digits = 4): Named {
  const cacheable = Number.isInteger(code) && code >= 0 && code <= 0xffffff && digits >= 0 && digits < 8;
  if (!cacheable) return makeNamed(table, code, grease, digits);
  const key = code * 32 + GREASE_RULES[grease] * 8 + digits;
  let made = NAMED.get(table);
  if (made === undefined) {
    made = new Map();
    NAMED.set(table, made);
  }
  let n = made.get(key);
  if (n === undefined) {
    n = makeNamed(table, code, grease, digits);
    if (made.size < NAMED_MAX) made.set(key, n);
  }
  return n;
}

function makeNamed(table: Readonly<Record<number, string>>, code: number, grease: 'grease16' | 'grease8' | 'none', digits: number): Named {
  const name = table[code];
  if (name !== undefined) return { code, name };
  if (grease === 'grease16' && isGrease16(code)) return { code, name: 'GREASE' };
  if (grease === 'grease8' && isGrease8(code)) return { code, name: 'GREASE' };
  return { code, name: `unknown (${hex(code, digits)})` };
}

/** `TLS_AES_128_GCM_SHA256 (0x1301)`: the value string a `Field` shows. */
export function show(n: Named, digits = 4): string {
  return `${n.name} (${hex(n.code, digits)})`;
}

export function versionName(v: number): Named {
  if (v >= 0x7f00 && v <= 0x7fff) return { code: v, name: `TLS 1.3 draft ${v & 0xff}` };
  return named(VERSIONS, v, 'grease16');
}
export const suiteName = (v: number): Named => named(CIPHER_SUITES, v, 'grease16');
export const groupName = (v: number): Named => named(GROUPS, v, 'grease16');
export const sigSchemeName = (v: number): Named => named(SIGNATURE_SCHEMES, v, 'grease16');
export const extensionName = (v: number): Named => named(EXTENSION_TYPES, v, 'grease16');
export const contentTypeName = (v: number): Named => named(CONTENT_TYPES, v, 'none', 2);
export const handshakeTypeName = (v: number): Named => named(HANDSHAKE_TYPES, v, 'none', 2);
export const alertLevelName = (v: number): Named => named(ALERT_LEVELS, v, 'none', 2);
export const alertDescriptionName = (v: number): Named => named(ALERT_DESCRIPTIONS, v, 'none', 2);

export type SuiteKeyExchange = 'ecdhe' | 'dhe' | 'rsa' | 'psk' | 'tls13' | 'unknown';

/** How a TLS 1.2 suite exchanges keys, read from its IANA name (`TLS_ECDHE_RSA_WITH_…` → ecdhe). */
export function suiteKeyExchange(code: number): SuiteKeyExchange {
  const name = CIPHER_SUITES[code];
  if (name === undefined) return 'unknown';
  if (!name.includes('_WITH_')) return code >> 8 === 0x13 ? 'tls13' : 'unknown';
  const kx = name.slice(4, name.indexOf('_WITH_'));
  if (kx.startsWith('ECDHE_PSK') || kx.startsWith('DHE_PSK') || kx === 'PSK' || kx.startsWith('RSA_PSK')) return 'psk';
  if (kx.startsWith('ECDHE')) return 'ecdhe';
  if (kx.startsWith('DHE')) return 'dhe';
  if (kx === 'RSA' || kx.startsWith('RSA_EXPORT')) return 'rsa';
  return 'unknown';
}
