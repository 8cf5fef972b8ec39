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
