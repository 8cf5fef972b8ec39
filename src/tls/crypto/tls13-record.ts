// TLS 1.3 record protection (RFC 8446 §5.2–5.4, §7.2–7.3): traffic keys from a traffic secret, per-record
// nonce, AEAD open with the record header as AAD, inner content type and padding. Pure; no I/O.
import { aeadOpen } from './aead';
import { TailKeystream, writeRecordNonce } from './aead-tail';
import { cipherSuite, type CipherSuiteParams } from './cipher-suites';
import { HASH_LENGTH, hkdfExpandLabel } from './hkdf';
import { decryptOrFail, fail, type DecryptResult, type RecordDecryptor } from './record-types';

const EMPTY = Buffer.alloc(0);

/**
 * Plaintext bytes read by `peekContentType`: the inner content type is the last non-zero byte (RFC 8446 §5.4), so
 * unpadded records need one byte; a record padded further than this is decrypted in full instead.
 */
export const PEEK_TAIL_BYTES = 32;

/**
 * Bytes at the end of a record body that `peekContentType` may read: the tag (at most 16), `PEEK_TAIL_BYTES` and up
 * to 63 more back to the start of a ChaCha20 block.
 */
export const PEEK_SOURCE_BYTES = 128;

/**
 * RFC 8446 §7.3: [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length), _iv likewise with "iv".
 * `suite` is the suite's parameters or its two-byte code (a TLS 1.3 suite); throws on an unknown code.
 */
export function trafficKeys(suiteOrCode: CipherSuiteParams | number, secret: Uint8Array): { key: Buffer; iv: Buffer } {
  const suite = typeof suiteOrCode === 'number' ? cipherSuite(suiteOrCode) : suiteOrCode;
  if (suite === undefined) throw new RangeError(`unknown cipher suite 0x${Number(suiteOrCode).toString(16)}`);
  return {
    key: hkdfExpandLabel(suite.hash, secret, 'key', EMPTY, suite.keyLength),
    iv: hkdfExpandLabel(suite.hash, secret, 'iv', EMPTY, suite.ivLength),
  };
}

/** RFC 8446 §7.2: application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
export function nextTrafficSecret(suite: CipherSuiteParams, secret: Uint8Array): Buffer {
  return hkdfExpandLabel(suite.hash, secret, 'traffic upd', EMPTY, HASH_LENGTH[suite.hash]);
}

/** Decrypts one direction's TLS 1.3 records under one traffic secret (and its KeyUpdate successors). */
export class Tls13RecordDecryptor implements RecordDecryptor {
  private secret: Buffer;
  private key!: Buffer;
  private iv!: Buffer;
  private readonly nonce = Buffer.alloc(12);
  private seqNumber = 0;
  private gen = 0;
  private tailStream: TailKeystream | null = null;

  /** `keys` lets a caller pass traffic keys it already derived (and cached) for `secret`. */
  constructor(
    private readonly suite: CipherSuiteParams,
    secret: Buffer,
    keys?: { key: Buffer; iv: Buffer },
  ) {
    this.secret = secret;
    this.install(keys ?? derive(suite, secret));
  }

  get seq(): number {
    return this.seqNumber;
  }

  get generation(): number {
    return this.gen;
  }

  keyUpdate(): void {
    this.secret = nextTrafficSecret(this.suite, this.secret);
    this.install(derive(this.suite, this.secret));
    this.seqNumber = 0;
    this.gen++;
  }

  /** RFC 8446 §5.3: the per-record nonce depends only on the sequence number, so skipping is counting. */
  skip(): void {
    this.seqNumber++;
  }

  /**
   * The inner content type of the next record from the keystream of its last bytes (RFC 8446 §5.2, §5.4), without
   * decrypting the rest, authenticating it or advancing the sequence number; null when it cannot tell (a record
   * padded beyond `PEEK_TAIL_BYTES`, too short, or an unusable cipher): decrypt it then. Unauthenticated, so only a
   * hint of which records are worth decrypting. `body` may be only the end of a record body of `bodyLength` bytes:
   * `PEEK_SOURCE_BYTES` of it are enough.
   */
  peekContentType(body: Uint8Array, bodyLength = body.length): number | null {
    const cut = bodyLength - this.suite.tagLength;
    const base = bodyLength - body.length;
    if (cut < 1 || base < 0 || cut - base < 1 || !TailKeystream.supports(this.suite.cipher)) return null;
    try {
      this.tailStream ??= new TailKeystream(this.suite.cipher, this.key, this.iv);
      // Unpadded (the usual case): the last byte is the type, and one keystream byte tells it.
      const last = this.tailStream.lastByte(this.seqNumber, body, base, cut);
      if (last !== 0) return last;
      const tail = this.tailStream.tail(this.setNonce(), body, base, cut, Math.max(0, cut - PEEK_TAIL_BYTES));
      if (tail === null) return null;
      for (let i = tail.length - 1; i >= 0; i--) if (tail[i] !== 0) return tail[i];
      return null;
    } catch {
      return null;
    }
  }

  decrypt(header: Uint8Array, body: Uint8Array): DecryptResult {
    return decryptOrFail(() => this.open(header, body));
  }

  private open(header: Uint8Array, body: Uint8Array): DecryptResult {
    const tagLength = this.suite.tagLength;
    if (body.length < tagLength + 1) {
      return fail('bad-tag', `record of ${body.length} bytes is too short for a ${tagLength}-byte tag and a content type (RFC 8446 §5.2)`);
    }
    const nonce = this.setNonce();
    const seq = this.seqNumber;
    const cut = body.length - tagLength;
    // RFC 8446 §5.2: additional_data = the record header (opaque_type || legacy_record_version || length).
    const inner = aeadOpen(this.suite.cipher, this.key, nonce, header, body.subarray(0, cut), body.subarray(cut));
    if (inner === null) {
      return fail('bad-tag', `authentication tag did not verify (${this.suite.name}, sequence number ${seq}, key generation ${this.gen})`);
    }
    // RFC 8446 §5.4: TLSInnerPlaintext = content || ContentType type || uint8 zeros[length_of_padding].
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) return fail('bad-padding', 'TLSInnerPlaintext is all zeros: no content type (RFC 8446 §5.4)');
    this.seqNumber++;
    return { ok: true, plaintext: inner.subarray(0, end), contentType: inner[end] };
  }

  /** RFC 8446 §5.3: nonce = iv XOR (64-bit sequence number, left-padded with zeros to iv_length). */
  private setNonce(): Buffer {
    writeRecordNonce(this.iv, this.seqNumber, this.nonce, 0);
    return this.nonce;
  }

  private install(keys: { key: Buffer; iv: Buffer }): void {
    this.key = keys.key;
    this.iv = keys.iv;
    this.tailStream = null;
  }
}

function derive(suite: CipherSuiteParams, secret: Uint8Array): { key: Buffer; iv: Buffer } {
  return trafficKeys(suite, secret);
}
