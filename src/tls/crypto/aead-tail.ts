// The last bytes of an AEAD record's plaintext without decrypting (or authenticating) the rest: the three TLS 1.3
// AEADs encrypt with a counter-mode keystream, so the tail needs only its own keystream blocks. Pure; no I/O.
import { createCipheriv, type Cipher } from 'node:crypto';
import type { BulkCipherName } from './cipher-suites';

/** Most records whose last-byte keystream blocks one AES call computes ahead (one 16-byte block each). */
const MAX_BATCH = 64;

/** RFC 8446 §5.3: nonce = iv XOR (64-bit sequence number, left-padded with zeros to iv_length), written at `at`. */
export function writeRecordNonce(iv: Buffer, seq: number, into: Buffer, at: number): void {
  iv.copy(into, at, 0, 12);
  into.writeUInt32BE((into.readUInt32BE(at + 4) ^ Math.floor(seq / 0x1_0000_0000)) >>> 0, at + 4);
  into.writeUInt32BE((into.readUInt32BE(at + 8) ^ seq % 0x1_0000_0000) >>> 0, at + 8);
}

/**
 * Keystream for one key and IV: AES-GCM and AES-CCM through one reusable AES-ECB context (counter blocks in,
 * keystream blocks out), ChaCha20 through a context per call (its block counter is part of the IV).
 */
export class TailKeystream {
  private ecb: Cipher | null = null;
  /** `lastByte`'s AES keystream blocks: one per sequence number from `batchSeq`, all for block `batchBlock`. */
  private batch: Buffer | null = null;
  private batchSeq = 0;
  private batchCount = 0;
  private batchBlock = -1;
  private counters: Buffer | null = null;
  private chachaIv: Buffer | null = null;
  private readonly nonce = Buffer.alloc(12);

  constructor(
    private readonly cipher: BulkCipherName,
    private readonly key: Buffer,
    private readonly iv: Buffer,
  ) {}

  /** Can this cipher be read this way? (TLS 1.3's five suites: yes; CBC: no.) */
  static supports(cipher: BulkCipherName): boolean {
    return cipher.endsWith('-gcm') || cipher.endsWith('-ccm') || cipher === 'chacha20-poly1305';
  }

  /**
   * The last plaintext byte of record `seq` whose ciphertext (tag cut off) is `length` ≥ 1 bytes long, of which `src`
   * holds the end: ciphertext byte i is `src[i - base]` (at least the last 64 bytes). NOT authenticated. In AES a run
   * of same-length records (a bulk download's full records) shares one ECB call: the keystream block of each next
   * record's last byte is computed ahead, up to `MAX_BATCH` records at a time.
   */
  lastByte(seq: number, src: Uint8Array, base: number, length: number): number {
    const last = length - 1;
    if (this.cipher === 'chacha20-poly1305') {
      const first = Math.floor(last / 64) * 64;
      return lastOf(this.chacha(seq, first / 64).update(src.subarray(first - base, length - base)));
    }
    const block = Math.floor(last / 16);
    if (block !== this.batchBlock || seq < this.batchSeq || seq >= this.batchSeq + this.batchCount) this.fill(seq, block);
    return src[last - base] ^ (this.batch as Buffer)[(seq - this.batchSeq) * 16 + (last % 16)];
  }

  /**
   * Plaintext of ciphertext bytes `from` to `length` (the tag already cut off) under the 12-byte per-record `nonce`,
   * ciphertext byte i being `src[i - base]`; null when `src` does not reach back far enough. NOT authenticated: a
   * caller may use it only to decide whether to decrypt the record properly.
   */
  tail(nonce: Buffer, src: Uint8Array, base: number, length: number, from: number): Buffer | null {
    if (this.cipher === 'chacha20-poly1305') return this.chachaTail(nonce, src, base, length, from);
    if (from < base) return null;
    const first = Math.floor(from / 16);
    const last = Math.ceil(length / 16); // exclusive
    const counters = Buffer.alloc((last - first) * 16);
    for (let b = first; b < last; b++) this.counterBlock(nonce, 0, b, counters, (b - first) * 16);
    const stream = this.aesEcb().update(counters);
    return xorFrom(src.subarray(from - base, length - base), stream, from - first * 16);
  }

  /** Computes the keystream blocks `block` of records seq, seq + 1, …: twice as many as last time when the run goes on. */
  private fill(seq: number, block: number): void {
    const goesOn = block === this.batchBlock && seq === this.batchSeq + this.batchCount;
    const count = goesOn ? Math.min(MAX_BATCH, this.batchCount * 2) : 1;
    this.counters ??= Buffer.alloc(MAX_BATCH * 16);
    const counters = this.counters;
    for (let k = 0; k < count; k++) {
      writeRecordNonce(this.iv, seq + k, this.nonce, 0);
      this.counterBlock(this.nonce, 0, block, counters, k * 16);
    }
    // Reset first: should the call throw, no stale batch is left behind.
    this.batchBlock = -1;
    this.batch = this.aesEcb().update(counters.subarray(0, count * 16));
    this.batchSeq = seq;
    this.batchCount = count;
    this.batchBlock = block;
  }

  /** The AES counter block of plaintext block `b` (from 0) of a record under `nonce[at..at+12)`, written at `to`. */
  private counterBlock(nonce: Buffer, at: number, b: number, into: Buffer, to: number): void {
    if (this.cipher.endsWith('-gcm')) {
      // NIST SP 800-38D §7.1: with a 96-bit IV, J0 = IV || 0^31 || 1, and plaintext block i (from 0) uses
      // inc32^(i+1)(J0), i.e. the 32-bit counter 2 + i.
      nonce.copy(into, to, at, at + 12);
      into.writeUInt32BE(2 + b, to + 12);
    } else {
      // NIST SP 800-38C §A.3 / RFC 3610 §2.3: with a 12-byte nonce L = 3, counter block A_i = (L - 1) || nonce || i
      // (3 bytes), and plaintext block i (from 0) uses A_(i+1); A_0 encrypts the tag.
      into[to] = 2;
      nonce.copy(into, to + 1, at, at + 12);
      into.writeUIntBE(1 + b, to + 13, 3);
    }
  }

  /** RFC 8439 §2.8: ChaCha20 with the block counter at 1 for the plaintext (0 makes the Poly1305 key). */
  private chachaTail(nonce: Buffer, src: Uint8Array, base: number, length: number, from: number): Buffer | null {
    const first = Math.floor(from / 64);
    if (first * 64 < base) return null;
    // node:crypto's chacha20 IV is the 32-bit block counter (little-endian) followed by the 96-bit nonce.
    const iv = Buffer.alloc(16);
    iv.writeUInt32LE(1 + first, 0);
    nonce.copy(iv, 4);
    const c = createCipheriv('chacha20', this.key, iv);
    const stream = c.update(src.subarray(first * 64 - base, length - base));
    return stream.subarray(from - first * 64);
  }

  /** A ChaCha20 context at plaintext block `block` of record `seq` (RFC 8439 §2.8, as in `chachaTail`). */
  private chacha(seq: number, block: number): Cipher {
    const iv = (this.chachaIv ??= Buffer.alloc(16));
    iv.writeUInt32LE(1 + block, 0);
    writeRecordNonce(this.iv, seq, iv, 4);
    return createCipheriv('chacha20', this.key, iv);
  }

  private aesEcb(): Cipher {
    if (this.ecb === null) {
      const name = this.key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb';
      this.ecb = createCipheriv(name, this.key, null).setAutoPadding(false);
    }
    return this.ecb;
  }
}

function lastOf(b: Buffer): number {
  return b.length > 0 ? b[b.length - 1] : 0;
}

function xorFrom(ciphertext: Uint8Array, stream: Buffer, streamAt: number): Buffer {
  const out = Buffer.alloc(ciphertext.length);
  for (let i = 0; i < out.length; i++) out[i] = ciphertext[i] ^ stream[streamAt + i];
  return out;
}
