// Every stable error code of tlslab, in one table with a sentence each: the proxy, CA, lab and CLI; the TLS decoder; the
// capture files. A leaf module any layer may import (the sans-IO decoder and pcap layer too): no imports, no I/O.
// docs/errors.md is generated from it (scripts/gen-errors-doc.js). Certificate findings are not errors: src/x509/findings.ts.

/** Errors of the proxy, the CA, the lab and the CLI: thrown as `TlslabError`, sent in `conn:error` and `X-Tlslab-Error`. */
export const ERRORS = {
  TLSLAB_ERR_CA_UNREADABLE: 'A CA file exists but cannot be read',
  TLSLAB_ERR_CA_CORRUPT: 'A CA file exists but does not hold a valid certificate or key',
  TLSLAB_ERR_CA_MISMATCH: 'The CA certificate and its private key do not belong together',
  TLSLAB_ERR_CA_EXISTS: 'A CA already exists (use --force to replace it)',
  TLSLAB_ERR_CA_MISSING: 'No CA exists yet in the certificates folder',
  TLSLAB_ERR_CA_LOCKED: "Another running tlslab holds the CA folder's creation lock (a lock left by a process that is no longer running is taken over)",
  TLSLAB_ERR_LEAF_ISSUE: 'A leaf certificate could not be issued',
  TLSLAB_ERR_UPSTREAM_CA_FILE: 'An --upstream-ca file could not be read or holds no certificate',
  TLSLAB_ERR_UPSTREAM_CONNECT: 'The real server could not be reached',
  TLSLAB_ERR_UPSTREAM_TIMEOUT: 'The real server did not answer in time',
  TLSLAB_ERR_UPSTREAM_TLS: 'The TLS handshake with the real server failed',
  TLSLAB_ERR_UPSTREAM_CERT: "The real server's certificate failed verification",
  TLSLAB_ERR_CLIENT_HELLO: 'The client sent bytes that are not a readable ClientHello',
  TLSLAB_ERR_CLIENT_HELLO_RECORDS: 'A ClientHello was split over more TLS records than tlslab reads (64)',
  TLSLAB_ERR_NOT_TLS: 'A CONNECT tunnel carried bytes that are not TLS',
  TLSLAB_ERR_CLIENT_TIMEOUT: 'The client did not finish its TLS handshake within the handshake timeout',
  TLSLAB_ERR_HTTP_LIMIT: 'An HTTP/1.x head, chunk-size line or trailer (or an HTTP/2 frame or header block) was larger than tlslab reads: its HTTP is no longer shown, the bytes are still relayed',
  TLSLAB_ERR_BAD_CONNECT: 'A CONNECT request named no valid host and port',
  TLSLAB_ERR_UPSTREAM_HTTP: "The real server's answer to a plain-HTTP request was not valid HTTP (a malformed head, or a status outside 200–599)",
  TLSLAB_ERR_BAD_TARGET: 'A plain-HTTP request or WebSocket upgrade named no valid host and port',
  TLSLAB_ERR_PROXY_LOOP: 'A request had already passed through this tlslab (its Via header says so): forwarding it would loop',
  TLSLAB_ERR_BAD_UPGRADE: 'An Upgrade request sent to the proxy asked for a protocol other than WebSocket',
  TLSLAB_ERR_WS_MESSAGE_TOO_BIG: "A WebSocket message relayed by the proxy went past tlslab's size limit",
  TLSLAB_ERR_IDLE_TIMEOUT: 'Nothing moved on a CONNECT tunnel, a plain-HTTP exchange or a WebSocket relay for longer than its idle timeout',
  TLSLAB_ERR_CLIENT_REFUSED: 'Classroom address guard: a client from a public address may not use the proxy (--allow-client widens it)',
  TLSLAB_ERR_TARGET_REFUSED: "Address guard: the target is the computer tlslab runs on (loopback, link-local, one of its addresses) or tlslab's own port",
  TLSLAB_ERR_SIGN_IN: 'Classroom mode: a proxy sign-in was refused (a wrong class code, an empty or unreadable name, or a name signed in from another address) (407)',
  TLSLAB_ERR_SIGN_IN_LIMIT: 'Classroom mode: too many failed proxy sign-ins came from one address; new ones are not checked for a while (429)',
  TLSLAB_ERR_FAIR_SHARE: "Classroom mode: a student went past their fair share of the proxy (open tunnels or new connections a second) (429)",
  TLSLAB_ERR_LISTEN: 'A port could not be opened',
  TLSLAB_ERR_AUTH: 'A request lacked the access token',
  TLSLAB_ERR_USAGE: 'A command-line option is invalid',
  TLSLAB_ERR_CAPTURE_FILE: 'A capture or key-log file given to `tlslab decode` or `tlslab open` cannot be read or is not pcap/pcapng',
  TLSLAB_ERR_RECORD_FILE: 'A --record or --keylog file (or SSLKEYLOGFILE) cannot be written',
  TLSLAB_ERR_LAB: 'A lab origin could not be started',
  TLSLAB_ERR_LESSONS: 'A lesson folder given with --lessons cannot be read or has lesson files with errors (`tlslab lessons --check DIR` lists them with file and line)',
  TLSLAB_ERR_BROWSER: '`tlslab browser` found no browser (Chromium or Firefox) or no certutil, no tlslab CA or no tlslab listening, or the browser could not be started',
  TLSLAB_ERR_INTERNAL: 'An unexpected internal error',
} as const;

export type ErrorCode = keyof typeof ERRORS;

/**
 * What the TLS decoder (src/tls) can find wrong in a byte stream. The decoder never throws these: each travels as a
 * `tls:decode-error` event with the byte offset in that direction's stream.
 */
export const DECODE_ERRORS = {
  TLSLAB_ERR_DECODE_NOT_TLS: 'The stream does not start with a TLS record',
  TLSLAB_ERR_DECODE_RECORD_HEADER: 'A record header has an unknown content type or version: the record framing is lost',
  TLSLAB_ERR_DECODE_RECORD_OVERFLOW: 'A record is longer than TLS allows (2^14 + 2048 bytes)',
  TLSLAB_ERR_DECODE_RECORD_EMPTY: 'A handshake, alert or ChangeCipherSpec record has no content',
  TLSLAB_ERR_DECODE_TRUNCATED: 'The stream ended in the middle of a record',
  TLSLAB_ERR_DECODE_RESYNC_GAVE_UP: 'Too many framing errors: the rest of this direction is only counted',
  TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE: 'A handshake message announces more bytes than the decoder will buffer',
  TLSLAB_ERR_DECODE_HANDSHAKE_TRUNCATED: 'The stream ended in the middle of a handshake message',
  TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED: 'A handshake message does not match its structure in the RFC',
  TLSLAB_ERR_DECODE_SSLV2_MALFORMED: 'An SSLv2-compatible ClientHello does not match its structure',
  TLSLAB_ERR_DECODE_ALERT_MALFORMED: 'An alert record is not a whole number of 2-byte alerts',
  TLSLAB_ERR_DECODE_CCS_MALFORMED: 'A ChangeCipherSpec record is not the single byte 0x01',
  TLSLAB_ERR_DECODE_INNER_TYPE: 'A decrypted TLS 1.3 record carries an unknown inner content type',
  TLSLAB_ERR_DECODE_NOT_CLIENT_HELLO: 'The first handshake message is not a ClientHello',
  TLSLAB_ERR_DECODE_INTERNAL: 'The decoder hit an internal error; the rest of this direction is only counted',
} as const;

export type DecodeErrorCode = keyof typeof DECODE_ERRORS;

/** Problems of a capture file (src/pcap): values with the byte offset in the file, never thrown. */
export const PCAP_ERRORS = {
  TLSLAB_ERR_PCAP_EMPTY: 'The file is empty',
  TLSLAB_ERR_PCAP_FORMAT: 'The file is neither pcap nor pcapng (unknown magic number)',
  TLSLAB_ERR_PCAP_TRUNCATED: 'The file ends in the middle of a header, block or packet',
  TLSLAB_ERR_PCAP_BAD_BLOCK: 'A pcapng block has an impossible length or trailer',
  TLSLAB_ERR_PCAP_BAD_SECTION: 'A pcapng section header is malformed (byte-order magic or version)',
  TLSLAB_ERR_PCAP_NO_INTERFACE: 'A pcapng packet names an interface that was never described',
  TLSLAB_ERR_PCAP_SNAPLEN: 'A packet is longer than the capture allows (corrupt length)',
  TLSLAB_ERR_PCAP_WRITE: 'A packet could not be synthesized (addresses must be literal IPv4 or IPv6, not mixed)',
} as const;

export type PcapErrorCode = keyof typeof PCAP_ERRORS;

/** The whole table by section, as docs/errors.md shows it. A code belongs to one section only (checked below). */
export const ERROR_SECTIONS = { proxy: ERRORS, decoder: DECODE_ERRORS, captureFile: PCAP_ERRORS } as const;

/** Any code of the table. */
export type AnyErrorCode = ErrorCode | DecodeErrorCode | PcapErrorCode;

// Compile-time: no code is in two sections (each intersection must be empty).
type Shared<A, B> = Extract<A, B>;
const _disjoint: [Shared<ErrorCode, DecodeErrorCode>, Shared<ErrorCode, PcapErrorCode>, Shared<DecodeErrorCode, PcapErrorCode>] extends [never, never, never] ? true : false = true;
void _disjoint;

/** An error with a stable code; `message` says what happened in this instance. */
export class TlslabError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code], options);
    this.name = 'TlslabError';
    this.code = code;
  }
}

export function isTlslabError(e: unknown): e is TlslabError {
  return e instanceof TlslabError;
}
