// The last bytes of an AEAD record's plaintext without decrypting (or authenticating) the rest: the three TLS 1.3
// AEADs encrypt with a counter-mode keystream, so the tail needs only its own keystream blocks. Pure; no I/O.
import { createCipheriv, type Cipher, type KeyObject } from 'node:crypto';
import type { BulkCipherName } from './cipher-suites';

/**
 * Keystream for one key: AES-GCM and AES-CCM through one reusable AES-ECB context (a counter block in, a keystream
 * block out), ChaCha20 through a context per call (its block counter is part of the IV).
 */
export class TailKeystream {
  private ecb: Cipher | null = null;

  constructor(
    private readonly cipher: BulkCipherName,
    private readonly key: KeyObject,
  ) {}

  /** Can this cipher be read this way? (TLS 1.3's five suites: yes; CBC: no.) */
  static supports(cipher: BulkCipherName): boolean {
    return cipher.endsWith('-gcm') || cipher.endsWith('-ccm') || cipher === 'chacha20-poly1305';
  }

  /**
   * Plaintext of `ciphertext[from..]` (the tag already cut off) under the 12-byte per-record `nonce`. NOT
   * authenticated: a caller may use it only to decide whether to decrypt the record properly.
   */
  tail(nonce: Buffer, ciphertext: Uint8Array, from: number): Buffer {
    if (this.cipher === 'chacha20-poly1305') return this.chachaTail(nonce, ciphertext, from);
    const first = Math.floor(from / 16);
    const last = Math.ceil(ciphertext.length / 16); // exclusive
    const counters = Buffer.alloc((last - first) * 16);
    for (let b = first; b < last; b++) {
      const at = (b - first) * 16;
      if (this.cipher.endsWith('-gcm')) {
        // NIST SP 800-38D §7.1: with a 96-bit IV, J0 = IV || 0^31 || 1, and plaintext block i (from 0) uses
        // inc32^(i+1)(J0), i.e. the 32-bit counter 2 + i.
        nonce.copy(counters, at);
        counters.writeUInt32BE(2 + b, at + 12);
      } else {
        // NIST SP 800-38C §A.3 / RFC 3610 §2.3: with a 12-byte nonce L = 3, counter block A_i = (L - 1) || nonce || i
        // (3 bytes), and plaintext block i (from 0) uses A_(i+1); A_0 encrypts the tag.
        counters[at] = 2;
        nonce.copy(counters, at + 1);
        counters.writeUIntBE(1 + b, at + 13, 3);
      }
    }
    const stream = this.aesEcb().update(counters);
    return xorFrom(ciphertext, from, stream, from - first * 16);
  }

  /** RFC 8439 §2.8: ChaCha20 with the block counter at 1 for the plaintext (0 makes the Poly1305 key). */
  private chachaTail(nonce: Buffer, ciphertext: Uint8Array, from: number): Buffer {
    const first = Math.floor(from / 64);
    // node:crypto's chacha20 IV is the 32-bit block counter (little-endian) followed by the 96-bit nonce.
    const iv = Buffer.alloc(16);
    iv.writeUInt32LE(1 + first, 0);
    nonce.copy(iv, 4);
    const c = createCipheriv('chacha20', this.key, iv);
    const stream = c.update(ciphertext.subarray(first * 64));
    return stream.subarray(from - first * 64);
  }

  private aesEcb(): Cipher {
    if (this.ecb === null) {
      const name = this.key.symmetricKeySize === 32 ? 'aes-256-ecb' : 'aes-128-ecb';
      this.ecb = createCipheriv(name, this.key, null).setAutoPadding(false);
    }
    return this.ecb;
  }
}

function xorFrom(ciphertext: Uint8Array, from: number, stream: Buffer, streamAt: number): Buffer {
  const out = Buffer.alloc(ciphertext.length - from);
  for (let i = 0; i < out.length; i++) out[i] = ciphertext[from + i] ^ stream[streamAt + i];
  return out;
}
