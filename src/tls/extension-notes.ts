// What the hex view says about extensions and the fields inside them: one table per kind, read by the extension
// parsers and printed in docs/lesson-text.md. Pure data, no I/O.

/** Notes on whole extensions, by extension type (RFC 8446 §4.2 and the documents cited). */
export const EXTENSION_NOTES: Readonly<Record<number, string>> = {
  0: 'Server Name Indication: the host name the client wants, in clear text',
  16: 'ALPN: the application protocols the client speaks (h2, http/1.1)',
  43: 'supported_versions: how TLS 1.3 is really negotiated (legacy_version stays 0x0303)',
  51: 'key_share: the ephemeral public key(s), so TLS 1.3 needs no separate key-exchange messages',
  21: 'padding: zero bytes that only change the ClientHello length',
  65037:
    'Encrypted Client Hello (draft-ietf-tls-esni): real ECH carries a second, inner ClientHello encrypted to a key the server publishes in DNS (an HTTPS record); ' +
    'GREASE ECH is random bytes of the same shape, which Chromium and Firefox send when they have no ECH key for the server, so that servers and middleboxes keep accepting the extension. ' +
    'The bytes cannot tell the two apart. A browser that goes through a proxy, as through tlslab, leaves name lookups to the proxy and so has no ECH key for the server: this one is almost certainly GREASE, and the server_name above, in clear, is the real name',
};

/** Notes on the fields of an outer encrypted_client_hello (draft-ietf-tls-esni §5). */
export const ECH_FIELD_NOTES = {
  config_id: "Which of the server's published ECH keys was used (GREASE ECH: a random value)",
  enc: "The client's HPKE public key for this ClientHello (GREASE ECH: random bytes as long as a real key)",
  payload: 'The inner ClientHello, encrypted to the server — or, for GREASE ECH, random bytes: without the server’s ECH key nobody can tell which',
} as const satisfies Record<string, string>;

/** A key_share entry's key_exchange field, by who sends it (RFC 8446 §4.2.8). */
export interface KeyShareNote {
  client: string;
  server: string;
}

const CLASSIC: KeyShareNote = {
  client: "The client's ephemeral public key: TLS 1.3 does its key exchange right here, inside the hellos",
  server: "The server's ephemeral public key: combined with the client's, it gives both sides the same secret, which never travels",
};

/**
 * Hybrid post-quantum groups (draft-ietf-tls-ecdhe-mlkem; ML-KEM is FIPS 203): the client's share is an ML-KEM
 * encapsulation key next to an elliptic-curve public key, the server's an ML-KEM ciphertext next to its own.
 */
export const KEY_SHARE_NOTES: Readonly<Record<number, KeyShareNote>> = {
  4588: {
    client:
      'X25519MLKEM768, a hybrid post-quantum key exchange: an ML-KEM-768 encapsulation key (1,184 bytes, FIPS 203) followed by an X25519 public key (32 bytes), 1,216 bytes in all. ' +
      'The server answers with an ML-KEM ciphertext (1,088 bytes) and its own X25519 key (32 bytes). The secret combines both results, so it stays safe as long as either holds: ML-KEM against a future quantum computer, X25519 against a flaw in the younger ML-KEM',
    server:
      "X25519MLKEM768: the ML-KEM-768 ciphertext (1,088 bytes) — a fresh secret encapsulated to the client's ML-KEM key, which only the client can open — followed by the server's X25519 public key (32 bytes), 1,120 bytes in all",
  },
  4587: {
    client: 'SecP256r1MLKEM768, a hybrid post-quantum key exchange: a P-256 public key (65 bytes) followed by an ML-KEM-768 encapsulation key (1,184 bytes, FIPS 203), 1,249 bytes in all; the secret combines both, so it stays safe as long as either holds',
    server: "SecP256r1MLKEM768: the server's P-256 public key (65 bytes) followed by the ML-KEM-768 ciphertext (1,088 bytes) that only the client can open, 1,153 bytes in all",
  },
  4589: {
    client: 'SecP384r1MLKEM1024, a hybrid post-quantum key exchange: a P-384 public key (97 bytes) followed by an ML-KEM-1024 encapsulation key (1,568 bytes, FIPS 203), 1,665 bytes in all; the secret combines both, so it stays safe as long as either holds',
    server: "SecP384r1MLKEM1024: the server's P-384 public key (97 bytes) followed by the ML-KEM-1024 ciphertext (1,568 bytes) that only the client can open, 1,665 bytes in all",
  },
};

/** The note of a key_share entry's key_exchange field for `group`, sent by the client or by the server. */
export function keyShareNote(group: number, fromClient: boolean): string {
  const n = KEY_SHARE_NOTES[group] ?? CLASSIC;
  return fromClient ? n.client : n.server;
}

export const DEFAULT_KEY_SHARE_NOTE = CLASSIC;
