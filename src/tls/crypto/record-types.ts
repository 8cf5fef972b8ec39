// The shapes shared by every record decryptor: the three outcomes of decrypting one record and the
// decryptor interface the decoder calls. Types only; no I/O.

/** TLS 1.3 key epochs. TLS 1.0–1.2 use 'application' for everything after ChangeCipherSpec. */
export type Epoch = 'early' | 'handshake' | 'application';

/** Outcome of decrypting one record. Decryptors never throw. */
export type DecryptResult =
  | {
      ok: true;
      /** Plaintext content: TLS 1.3 with the content-type byte and zero padding removed. */
      plaintext: Uint8Array;
      /** TLS 1.3: the inner content type (RFC 8446 §5.2); TLS 1.0–1.2: the record header's type. */
      contentType: number;
    }
  | { ok: false; reason: DecryptFailure; message: string };

/**
 * Why a record did not decrypt: the AEAD tag did not verify, the CBC padding (or TLS 1.3 inner plaintext)
 * is malformed, or the CBC record's HMAC did not verify.
 */
export type DecryptFailure = 'bad-tag' | 'bad-padding' | 'bad-mac';

/** Decrypts the records one side sent under one key set, in order. */
export interface RecordDecryptor {
  /**
   * Decrypts the next record. `header` is the 5-byte record header, `body` the record fragment after it.
   * The sequence number advances only on success, so a failed record can be retried with another
   * decryptor (e.g. rejected 0-RTT data under the handshake keys) without disturbing this one.
   * The returned plaintext may share memory with a buffer the decryptor allocated, never with `body`.
   */
  decrypt(header: Uint8Array, body: Uint8Array): DecryptResult;
  /**
   * Passes over the next record without decrypting or authenticating it, leaving the decryptor where
   * decrypting it would have: the sequence number advances (RFC 5246 §6.1, RFC 8446 §5.3) and TLS 1.0 CBC
   * takes the record's last ciphertext block as the next record's IV (RFC 2246 §6.2.3.2). For bulk
   * application data nobody will read. Never throws; a record too short to hold a block leaves that IV as is. Reads
   * at most the body's last 64 bytes, so a caller may pass only the end of a body (`PEEK_SOURCE_BYTES` of it, or all).
   */
  skip(header: Uint8Array, body: Uint8Array): void;
  /**
   * TLS 1.3 only: the next record's inner content type read from the keystream of its last bytes, without
   * authenticating it or advancing the sequence number; null when that cannot tell. A hint for bulk mode (which
   * records to decrypt), never a result. `body` may hold only the end of a record body of `bodyLength` bytes (the
   * last `PEEK_SOURCE_BYTES`); by default it is the whole body.
   */
  peekContentType?(body: Uint8Array, bodyLength?: number): number | null;
  /** TLS 1.3 KeyUpdate (RFC 8446 §4.6.3, §7.2): next traffic secret generation, sequence number back to 0. No-op before TLS 1.3. */
  keyUpdate(): void;
  /** Sequence number of the next record to decrypt (RFC 5246 §6.1, RFC 8446 §5.3). */
  readonly seq: number;
  /** How many KeyUpdates have been applied (0 = traffic secret _0). */
  readonly generation: number;
}

/** A failure result. */
export function fail(reason: DecryptFailure, message: string): DecryptResult {
  return { ok: false, reason, message };
}

/** Runs a record's decryption; whatever node:crypto throws (a tag that does not verify, mostly) is a `bad-tag` failure. */
export function decryptOrFail(open: () => DecryptResult): DecryptResult {
  try {
    return open();
  } catch (e) {
    return fail('bad-tag', `record could not be decrypted: ${e instanceof Error ? e.message : String(e)}`);
  }
}
