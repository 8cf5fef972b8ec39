// Where each TLS event sits in the eight-step lesson (docs/eight-steps.md), with a note where real TLS departs from
// the story. The notes are one table (LESSON_NOTES, docs/lesson-text.md); the rules only pick one. Pure, no I/O.
import type { HandshakeDetails, LessonStep, Side } from '../events/schema';

export interface LessonContext {
  /** Negotiated version, or null before the ServerHello. */
  version: number | null;
  from: Side;
  helloRetryRequest?: boolean;
  /** For ClientKeyExchange / ServerKeyExchange: how keys are exchanged. */
  kx?: 'ecdhe' | 'dhe' | 'rsa' | 'unknown';
}

export interface LessonMark {
  step?: LessonStep;
  note?: string;
}

/** Every note a handshake message or a ChangeCipherSpec can carry, by the case it is for. */
export const LESSON_NOTES = {
  'client_hello.tls13': 'TLS 1.3: besides its wishes, the client already sends its key shares — its half of the key exchange is in this first message',
  'client_hello.older': 'The client says what it can do: versions, cipher suites, extensions, and its random',
  'server_hello.hello_retry_request': 'HelloRetryRequest (TLS 1.3): the server wants a key share for another group, so the client must send a second ClientHello',
  'server_hello.tls13': 'In TLS 1.3 the key exchange happens inside the hellos, in key_share: everything after this message is encrypted',
  'server_hello.tls12': 'The server picks the version and the cipher suite; its certificate follows',
  encrypted_extensions: 'TLS 1.3 only: the rest of the server hello, already encrypted with the handshake keys',
  'certificate.from_client': 'The client sends its own certificate because the server asked for one',
  'certificate.tls13': 'In TLS 1.3 the certificate travels encrypted, in its own message; in TLS 1.2 anyone on the path can read it',
  'certificate.tls12': "The server's certificate chain, in clear text: its public key and the CA signatures that vouch for it",
  certificate_status: "A stapled OCSP response: the CA's recent word that the certificate is not revoked",
  certificate_request: 'The server asks the client for a certificate too (mutual TLS)',
  server_hello_done: 'The server has sent its whole hello flight and waits for the client',
  compressed_certificate: 'The certificate chain, compressed',
  'certificate_verify.from_client': 'The client proves it holds the private key of its certificate by signing the handshake',
  'certificate_verify.from_server': "TLS 1.3: the server proves it holds the certificate's private key by signing the handshake transcript — the client checks this signature with the certificate's public key",
  'client_key_exchange.rsa': "RSA key transport: the client encrypts the premaster secret with the server's public key — exactly step 4 of the eight-step story (the client's key exchange). TLS 1.3 removed it (no forward secrecy)",
  'client_key_exchange.dh': "The client's ephemeral public key: no secret travels, each side combines its private key with the other's public key (Diffie-Hellman). TLS 1.3 moved this into the ClientHello's key_share",
  server_key_exchange: "The server's ephemeral key-exchange parameters, signed with its certificate key. With (EC)DHE the server's half comes before the client's, the reverse of the story's order (there, step 4, the client's key exchange, comes before step 5); TLS 1.3 has no such message (key_share in the ServerHello)",
  'finished.tls13.from_server': 'TLS 1.3: the server finishes first (a MAC over the whole handshake) and may send data right after it',
  'finished.tls13.from_client': 'TLS 1.3: the client’s Finished ends the handshake; application keys are in use from here',
  'finished.tls12': 'The first message under the new keys: a MAC over the whole handshake proves nobody tampered with it',
  'new_session_ticket.tls13': 'TLS 1.3: after the handshake, encrypted under the application keys, the server hands out a ticket the client can use to resume later without a certificate (RFC 8446 §4.6.1)',
  'new_session_ticket.tls12': "TLS 1.2: the ticket comes inside the handshake, in clear text, just before the server's ChangeCipherSpec (RFC 5077 §3.3); only its contents are encrypted, by the server for itself",
  key_update: 'TLS 1.3 KeyUpdate: the sender switches to fresh traffic keys without a new handshake',
  end_of_early_data: 'TLS 1.3: the client’s 0-RTT early data ends here; the handshake keys take over',
  'change_cipher_spec.tls13': 'TLS 1.3 sends ChangeCipherSpec only so that old middleboxes let the connection through (RFC 8446 Appendix D.4): it changes nothing; the keys changed right after the ServerHello',
  'change_cipher_spec.tls12': 'TLS 1.2: ChangeCipherSpec really switches this sender to the keys just agreed; the Finished right after it is the first message it encrypts (RFC 5246 §7.1)',
} as const satisfies Record<string, string>;

export type LessonNoteKey = keyof typeof LESSON_NOTES;

type Rule = (c: LessonContext) => { step: LessonStep; note: LessonNoteKey };

const is13 = (c: LessonContext): boolean => c.version === 0x0304;

/** msg_type → lesson step and note (RFC 8446 §4, RFC 5246 §7.4, RFC 5077 §3.3). */
const HANDSHAKE_RULES: Readonly<Record<number, Rule>> = {
  1: (c) => ({ step: 1, note: is13(c) ? 'client_hello.tls13' : 'client_hello.older' }),
  2: (c) => ({ step: 2, note: c.helloRetryRequest ? 'server_hello.hello_retry_request' : is13(c) ? 'server_hello.tls13' : 'server_hello.tls12' }),
  8: () => ({ step: 2, note: 'encrypted_extensions' }),
  11: (c) => ({ step: 2, note: c.from === 'client' ? 'certificate.from_client' : is13(c) ? 'certificate.tls13' : 'certificate.tls12' }),
  22: () => ({ step: 2, note: 'certificate_status' }),
  13: () => ({ step: 2, note: 'certificate_request' }),
  14: () => ({ step: 2, note: 'server_hello_done' }),
  25: () => ({ step: 2, note: 'compressed_certificate' }),
  15: (c) => ({ step: 3, note: c.from === 'client' ? 'certificate_verify.from_client' : 'certificate_verify.from_server' }),
  16: (c) => ({ step: 4, note: c.kx === 'rsa' ? 'client_key_exchange.rsa' : 'client_key_exchange.dh' }),
  12: () => ({ step: 5, note: 'server_key_exchange' }),
  20: (c) => ({ step: 6, note: is13(c) ? (c.from === 'server' ? 'finished.tls13.from_server' : 'finished.tls13.from_client') : 'finished.tls12' }),
  // TLS 1.2 sends its ticket before the server's ChangeCipherSpec, inside the handshake: step 6, not 7.
  4: (c) => (is13(c) ? { step: 7, note: 'new_session_ticket.tls13' } : { step: 6, note: 'new_session_ticket.tls12' }),
  24: () => ({ step: 7, note: 'key_update' }),
  5: () => ({ step: 7, note: 'end_of_early_data' }),
};

export function lessonFor(msgType: number, c: LessonContext): LessonMark {
  const rule = HANDSHAKE_RULES[msgType];
  if (!rule) return {};
  const { step, note } = rule(c);
  return { step, note: LESSON_NOTES[note] };
}

/** Step and note of a parsed handshake message, told in the version it belongs to. */
export function handshakeLesson(msgType: number, from: Side, details: HandshakeDetails | undefined, negotiated: number | null): LessonMark {
  // The ClientHello's best offer, the ServerHello's choice, then the negotiated version.
  const version = details?.kind === 'client_hello' ? (details.supportedVersions.some((v) => v.code === 0x0304) ? 0x0304 : null)
    : details?.kind === 'server_hello' ? details.version.code : negotiated;
  const helloRetryRequest = details?.kind === 'server_hello' && details.helloRetryRequest;
  const kx = details?.kind === 'client_key_exchange' || details?.kind === 'server_key_exchange' ? details.method : undefined;
  return lessonFor(msgType, { version, from, helloRetryRequest, kx });
}

/** The note of a ChangeCipherSpec: TLS 1.3's compatibility record changes nothing, TLS 1.2's switches keys. */
export function ccsNote(compatibility: boolean): string {
  return LESSON_NOTES[compatibility ? 'change_cipher_spec.tls13' : 'change_cipher_spec.tls12'];
}

/** RFC 8446 §6.2 alerts about the peer's certificate: the client's verdict on step 3. */
const CERTIFICATE_ALERTS: ReadonlySet<number> = new Set([42, 43, 44, 45, 46, 48, 111, 113, 114, 116]);

export function alertLesson(description: number): LessonMark {
  if (description === 0) return { step: 8 };
  if (CERTIFICATE_ALERTS.has(description)) return { step: 3 };
  return {};
}

export const CCS_STEP: LessonStep = 6;
export const APPDATA_STEP: LessonStep = 7;
