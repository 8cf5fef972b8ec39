// Parser for NSS key-log text (SSLKEYLOGFILE format): one "LABEL <client random> <secret>" line per secret.
// Pure: takes text, returns entries and per-line errors, never throws. The caller reads the file or socket.
// Format: https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/index.html

/** One secret of one connection, keyed by the connection's ClientHello random. */
export interface KeyLogEntry {
  label: string;
  /** The 32-byte ClientHello random, lowercase hex (64 characters). */
  clientRandom: string;
  secret: Buffer;
}

/** What each label holds (TLS 1.2: RFC 5246 §8.1; TLS 1.3: RFC 8446 §7.1), for explanations. */
export const KEYLOG_LABELS: Readonly<Record<string, string>> = {
  CLIENT_RANDOM: 'TLS 1.0–1.2 master secret (48 bytes)',
  CLIENT_EARLY_TRAFFIC_SECRET: 'TLS 1.3 client_early_traffic_secret (0-RTT data)',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'TLS 1.3 client_handshake_traffic_secret',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'TLS 1.3 server_handshake_traffic_secret',
  CLIENT_TRAFFIC_SECRET_0: 'TLS 1.3 client_application_traffic_secret_0',
  SERVER_TRAFFIC_SECRET_0: 'TLS 1.3 server_application_traffic_secret_0',
  EARLY_EXPORTER_SECRET: 'TLS 1.3 early_exporter_master_secret',
  EXPORTER_SECRET: 'TLS 1.3 exporter_master_secret',
};

/** Labels other tools write that this module does not use (listed in `skipped`, not `errors`). */
const UNUSABLE_LABELS: Readonly<Record<string, string>> = {
  RSA: 'RSA lines key a pre-master secret by the encrypted pre-master, not by client random: log CLIENT_RANDOM instead',
  PMS_CLIENT_RANDOM: 'PMS_CLIENT_RANDOM holds a pre-master secret, not a master secret: log CLIENT_RANDOM instead',
  // OpenSSL 3.0 logs each KeyUpdate's new secret under a literal "_N"; decryptors derive it themselves (RFC 8446 §7.2).
  CLIENT_TRAFFIC_SECRET_N: 'a client KeyUpdate secret (OpenSSL); not needed: derived from CLIENT_TRAFFIC_SECRET_0',
  SERVER_TRAFFIC_SECRET_N: 'a server KeyUpdate secret (OpenSSL); not needed: derived from SERVER_TRAFFIC_SECRET_0',
};

const HEX = /^[0-9a-fA-F]+$/;

export interface KeyLogParseResult {
  entries: KeyLogEntry[];
  /** 1-based line numbers with what is wrong with them. */
  errors: { line: number; message: string }[];
  /** Well-formed lines of a kind this module cannot use (e.g. RSA pre-master lines), and why. */
  skipped: { line: number; message: string }[];
}

/**
 * Parses NSS key-log text. Comments (#) and blank lines are ignored; RSA / PMS_CLIENT_RANDOM lines are
 * listed in `skipped`; bad lines are reported in `errors`, never thrown.
 */
export function parseKeyLog(text: string): KeyLogParseResult {
  const entries: KeyLogEntry[] = [];
  const errors: { line: number; message: string }[] = [];
  const skipped: { line: number; message: string }[] = [];
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const label = line.split(/\s/, 1)[0];
    if (Object.hasOwn(UNUSABLE_LABELS, label)) {
      skipped.push({ line: i + 1, message: UNUSABLE_LABELS[label] });
      continue;
    }
    const result = parseLine(line);
    if (typeof result === 'string') errors.push({ line: i + 1, message: result });
    else entries.push(result);
  }
  return { entries, errors, skipped };
}

/**
 * The entries of `text`, the same as `parseKeyLog(text).entries`. A single well-formed line (what a TLS socket's
 * 'keylog' event gives: `LABEL random secret`, single spaces, an optional line feed) is read in one pass over its
 * characters; anything else goes through `parseKeyLog`.
 */
export function keyLogEntries(text: string): KeyLogEntry[] {
  const one = singleLine(text);
  return one === null ? parseKeyLog(text).entries : [one];
}

const SPACE = 0x20;

/** The one entry `parseKeyLog` reads from `text`, or null when the general parser must say what it is. */
function singleLine(text: string): KeyLogEntry | null {
  const end = text.charCodeAt(text.length - 1) === 0x0a ? text.length - 1 : text.length;
  const s1 = text.indexOf(' ');
  if (s1 <= 0) return null;
  const label = text.slice(0, s1);
  if (!Object.hasOwn(KEYLOG_LABELS, label)) return null;
  const randomEnd = s1 + 1 + 64;
  if (randomEnd >= end || text.charCodeAt(randomEnd) !== SPACE || !isHex(text, s1 + 1, randomEnd)) return null;
  const secretLength = end - randomEnd - 1;
  if (secretLength < 32 || secretLength > 128 || secretLength % 2 !== 0 || !isHex(text, randomEnd + 1, end)) return null;
  if (label === 'CLIENT_RANDOM' && secretLength !== 96) return null;
  return { label, clientRandom: text.slice(s1 + 1, randomEnd).toLowerCase(), secret: Buffer.from(text.slice(randomEnd + 1, end), 'hex') };
}

/** Are the characters [from, to) hex digits? */
function isHex(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    const l = c | 0x20; // A-F onto a-f; no other character lands there
    if (l < 0x61 || l > 0x66) return false;
  }
  return true;
}

function parseLine(line: string): KeyLogEntry | string {
  const fields = line.split(/\s+/);
  const label = fields[0];
  if (!Object.hasOwn(KEYLOG_LABELS, label)) return `unknown label ${JSON.stringify(label.slice(0, 64))}`;
  if (fields.length !== 3) return `${label}: expected 3 fields (label, client random, secret), found ${fields.length}`;
  const [, random, secret] = fields;
  if (random.length !== 64 || !HEX.test(random)) return `${label}: client random must be 64 hex digits (32 bytes)`;
  if (secret.length % 2 !== 0 || !HEX.test(secret)) return `${label}: secret must be an even number of hex digits`;
  if (label === 'CLIENT_RANDOM' && secret.length !== 96) return `CLIENT_RANDOM: master secret must be 48 bytes, found ${secret.length / 2}`;
  if (secret.length < 32 || secret.length > 128) return `${label}: secret of ${secret.length / 2} bytes (expected 16 to 64)`;
  return { label, clientRandom: random.toLowerCase(), secret: Buffer.from(secret, 'hex') };
}
