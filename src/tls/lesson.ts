// Where each TLS event sits in the eight-step lesson (docs/eight-steps.md), with a note where TLS 1.3 departs.
// Pure tables and functions, no I/O.
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

type Rule = (c: LessonContext) => LessonMark;

const is13 = (c: LessonContext): boolean => c.version === 0x0304;

/** msg_type → lesson step and note. */
const HANDSHAKE_RULES: Readonly<Record<number, Rule>> = {
  1: (c) => ({
    step: 1,
    note: c.version === 0x0304
      ? 'TLS 1.3: besides its wishes, the client already sends its key shares — its half of the key exchange is in this first message'
      : 'The client says what it can do: versions, cipher suites, extensions, and its random',
  }),
  2: (c) => c.helloRetryRequest
    ? { step: 2, note: 'HelloRetryRequest (TLS 1.3): the server wants a key share for another group, so the client must send a second ClientHello' }
    : is13(c)
      ? { step: 2, note: 'In TLS 1.3 the key exchange happens inside the hellos, in key_share: everything after this message is encrypted' }
      : { step: 2, note: 'The server picks the version and the cipher suite; its certificate follows' },
  8: () => ({ step: 2, note: 'TLS 1.3 only: the rest of the server hello, already encrypted with the handshake keys' }),
  11: (c) => c.from === 'client'
    ? { step: 2, note: 'The client sends its own certificate because the server asked for one' }
    : is13(c)
      ? { step: 2, note: 'In TLS 1.3 the certificate travels encrypted, in its own message; in TLS 1.2 anyone on the path can read it' }
      : { step: 2, note: "The server's certificate chain, in clear text: its public key and the CA signatures that vouch for it" },
  22: () => ({ step: 2, note: "A stapled OCSP response: the CA's recent word that the certificate is not revoked" }),
  13: () => ({ step: 2, note: 'The server asks the client for a certificate too (mutual TLS)' }),
  14: () => ({ step: 2, note: 'The server has sent its whole hello flight and waits for the client' }),
  25: () => ({ step: 2, note: 'The certificate chain, compressed' }),
  15: (c) => c.from === 'client'
    ? { step: 3, note: 'The client proves it holds the private key of its certificate by signing the handshake' }
    : { step: 3, note: "TLS 1.3: the server proves it holds the certificate's private key by signing the handshake transcript — the client checks this signature with the certificate's public key" },
  16: (c) => c.kx === 'rsa'
    ? { step: 4, note: "RSA key transport: the client encrypts the premaster secret with the server's public key — exactly step 4 of the eight-step story (the client's key exchange). TLS 1.3 removed it (no forward secrecy)" }
    : { step: 4, note: "The client's ephemeral public key: no secret travels, each side combines its private key with the other's public key (Diffie-Hellman). TLS 1.3 moved this into the ClientHello's key_share" },
  12: () => ({ step: 5, note: "The server's ephemeral key-exchange parameters, signed with its certificate key. With (EC)DHE the server's half comes before the client's, the reverse of the story's order (there, step 4, the client's key exchange, comes before step 5); TLS 1.3 has no such message (key_share in the ServerHello)" }),
  20: (c) => is13(c)
    ? { step: 6, note: c.from === 'server'
      ? 'TLS 1.3: the server finishes first (a MAC over the whole handshake) and may send data right after it'
      : 'TLS 1.3: the client’s Finished ends the handshake; application keys are in use from here' }
    : { step: 6, note: 'The first message under the new keys: a MAC over the whole handshake proves nobody tampered with it' },
  4: () => ({ step: 7, note: 'After the handshake the server hands out a ticket for resuming later (TLS 1.3 sends it encrypted, post-handshake)' }),
  24: () => ({ step: 7, note: 'TLS 1.3 KeyUpdate: the sender switches to fresh traffic keys without a new handshake' }),
  5: () => ({ step: 7, note: 'TLS 1.3: the client’s 0-RTT early data ends here; the handshake keys take over' }),
};

export function lessonFor(msgType: number, c: LessonContext): LessonMark {
  const rule = HANDSHAKE_RULES[msgType];
  return rule ? rule(c) : {};
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

/** RFC 8446 §6.2 alerts about the peer's certificate: the client's verdict on step 3. */
const CERTIFICATE_ALERTS: ReadonlySet<number> = new Set([42, 43, 44, 45, 46, 48, 111, 113, 114, 116]);

export function alertLesson(description: number): LessonMark {
  if (description === 0) return { step: 8 };
  if (CERTIFICATE_ALERTS.has(description)) return { step: 3 };
  return {};
}

export const CCS_STEP: LessonStep = 6;
export const APPDATA_STEP: LessonStep = 7;
