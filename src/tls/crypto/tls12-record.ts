// TLS 1.0–1.2 record protection: AEAD (RFC 5246 §6.2.3.3 with RFC 5288 / RFC 6655 explicit nonces and the
// RFC 7905 ChaCha20 nonce) and CBC with HMAC, MAC-then-encrypt (RFC 5246 §6.2.3.2, RFC 2246 implicit IV)
// or encrypt-then-MAC (RFC 7366). Pure; no I/O.
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { aeadOpen } from './aead';
import type { CipherSuiteParams } from './cipher-suites';
import { decryptOrFail, fail, type DecryptResult, type RecordDecryptor } from './record-types';

/** Writes the 64-bit sequence number big-endian at `at`. */
function writeSeq(into: Buffer, seq: number, at: number): void {
  into.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), at);
  into.writeUInt32BE(seq % 0x1_0000_0000, at + 4);
}

/** Shared by both record kinds: sequence number; KeyUpdate does not exist before TLS 1.3. */
abstract class Tls12Base implements RecordDecryptor {
  protected seqNumber = 0;
  get seq(): number {
    return this.seqNumber;
  }
  get generation(): number {
    return 0;
  }
  keyUpdate(): void {
    // TLS 1.0–1.2 have no KeyUpdate (RFC 8446 §4.6.3 is TLS 1.3 only); nothing to do.
  }
  /** AEAD (explicit or sequence-derived nonce) and TLS 1.1+ CBC (explicit IV): only the sequence number moves. */
  skip(_header: Uint8Array, _body: Uint8Array): void {
    this.seqNumber++;
  }
  abstract decrypt(header: Uint8Array, body: Uint8Array): DecryptResult;
}

/** TLS 1.2 AEAD records: GCM/CCM with an 8-byte explicit nonce, or ChaCha20-Poly1305 with an XORed nonce. */
export class Tls12AeadDecryptor extends Tls12Base {
  private readonly key: Buffer;
  private readonly nonce = Buffer.alloc(12);
  /** RFC 5246 §6.2.3.3: additional_data = seq_num + TLSCompressed.type + TLSCompressed.version + TLSCompressed.length. */
  private readonly aad = Buffer.alloc(13);

  constructor(
    private readonly suite: CipherSuiteParams,
    key: Buffer,
    private readonly iv: Buffer,
  ) {
    super();
    this.key = key;
  }

  decrypt(header: Uint8Array, body: Uint8Array): DecryptResult {
    return decryptOrFail(() => this.open(header, body));
  }

  private open(header: Uint8Array, body: Uint8Array): DecryptResult {
    const { explicitNonceLength, tagLength } = this.suite;
    const plaintextLength = body.length - explicitNonceLength - tagLength;
    if (plaintextLength < 0) {
      return fail('bad-tag', `record of ${body.length} bytes is too short for a ${explicitNonceLength}-byte nonce and a ${tagLength}-byte tag`);
    }
    const nonce = this.nonce;
    const seq = this.seqNumber;
    if (explicitNonceLength > 0) {
      // RFC 5288 §3: nonce = salt (4 bytes from the key block) || nonce_explicit (first 8 bytes of the record).
      this.iv.copy(nonce, 0, 0, 4);
      nonce.set(body.subarray(0, explicitNonceLength), 4);
    } else {
      // RFC 7905 §2: nonce = client/server_write_IV XOR (sequence number left-padded to 12 bytes).
      this.iv.copy(nonce);
      nonce.writeUInt32BE((nonce.readUInt32BE(4) ^ Math.floor(seq / 0x1_0000_0000)) >>> 0, 4);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq % 0x1_0000_0000) >>> 0, 8);
    }
    const aad = this.aad;
    writeSeq(aad, seq, 0);
    aad[8] = header[0];
    aad[9] = header[1];
    aad[10] = header[2];
    aad.writeUInt16BE(plaintextLength, 11);
    const cut = body.length - tagLength;
    const plaintext = aeadOpen(this.suite.cipher, this.key, nonce, aad, body.subarray(explicitNonceLength, cut), body.subarray(cut));
    if (plaintext === null) return fail('bad-tag', `authentication tag did not verify (${this.suite.name}, sequence number ${seq})`);
    this.seqNumber++;
    return { ok: true, plaintext, contentType: header[0] };
  }
}

/** CBC records with HMAC: MAC-then-encrypt by default, encrypt-then-MAC (RFC 7366) when negotiated. */
export class Tls12CbcDecryptor extends Tls12Base {
  private readonly key: Buffer;
  /** TLS 1.0 only: the IV of the next record, i.e. the last ciphertext block of the previous one (RFC 2246 §6.2.3.2). */
  private implicitIv: Buffer | null;
  /** seq_num(8) + type(1) + version(2) + length(2), the MAC's pseudo-header (RFC 5246 §6.2.3.1). */
  private readonly macHeader = Buffer.alloc(13);

  constructor(
    private readonly suite: CipherSuiteParams,
    private readonly version: number,
    key: Buffer,
    private readonly macKey: Buffer,
    iv: Buffer,
    private readonly encryptThenMac: boolean,
  ) {
    super();
    this.key = key;
    this.implicitIv = version <= 0x0301 ? Buffer.from(iv) : null;
  }

  decrypt(header: Uint8Array, body: Uint8Array): DecryptResult {
    try {
      return this.decryptUnsafe(header, body);
    } catch (e) {
      return fail('bad-padding', `CBC decryption failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** TLS 1.0 chains CBC across records: the next IV is this record's last ciphertext block (before an EtM MAC). */
  override skip(header: Uint8Array, body: Uint8Array): void {
    super.skip(header, body);
    if (this.implicitIv === null) return;
    const { blockLength, macLength } = this.suite;
    const end = this.encryptThenMac ? body.length - macLength : body.length;
    if (end >= blockLength) this.implicitIv = Buffer.from(body.subarray(end - blockLength, end));
  }

  private decryptUnsafe(header: Uint8Array, body: Uint8Array): DecryptResult {
    const { blockLength, macLength, name } = this.suite;
    const seq = this.seqNumber;
    let ciphered = body;
    if (this.encryptThenMac) {
      // RFC 7366 §3: MAC(MAC_write_key, seq_num + type + version + length + IV + ENC(content + padding + padding_length)).
      if (body.length < macLength) return fail('bad-mac', `record of ${body.length} bytes is shorter than its ${macLength}-byte MAC`);
      ciphered = body.subarray(0, body.length - macLength);
      const expected = this.mac(header, seq, ciphered);
      if (!timingSafeEqual(expected, body.subarray(ciphered.length))) {
        return fail('bad-mac', `encrypt-then-MAC HMAC did not verify (${name}, sequence number ${seq})`);
      }
    }
    const explicitIv = this.implicitIv === null;
    if (ciphered.length % blockLength !== 0 || ciphered.length < (explicitIv ? 2 : 1) * blockLength) {
      return fail('bad-padding', `ciphertext of ${ciphered.length} bytes is not a whole number of ${blockLength}-byte blocks`);
    }
    const iv = explicitIv ? ciphered.subarray(0, blockLength) : (this.implicitIv as Buffer);
    const ct = explicitIv ? ciphered.subarray(blockLength) : ciphered;
    const d = createDecipheriv(this.suite.cipher, this.key, iv);
    d.setAutoPadding(false);
    const plain = d.update(ct);
    // RFC 5246 §6.2.3.2: padding_length bytes each equal to padding_length, then padding_length itself.
    const padLength = plain[plain.length - 1];
    const contentEnd = plain.length - padLength - 1 - (this.encryptThenMac ? 0 : macLength);
    if (contentEnd < 0) return fail('bad-padding', `padding length ${padLength} is longer than the record (${name}, sequence number ${seq})`);
    for (let i = plain.length - 1 - padLength; i < plain.length - 1; i++) {
      if (plain[i] !== padLength) return fail('bad-padding', `padding bytes are not all ${padLength} (${name}, sequence number ${seq})`);
    }
    const content = plain.subarray(0, contentEnd);
    if (!this.encryptThenMac) {
      const macInRecord = plain.subarray(contentEnd, contentEnd + macLength);
      if (!timingSafeEqual(this.mac(header, seq, content), macInRecord)) {
        return fail('bad-mac', `HMAC did not verify (${name}, sequence number ${seq})`);
      }
    }
    if (!explicitIv) this.implicitIv = Buffer.from(ct.subarray(ct.length - blockLength));
    this.seqNumber++;
    return { ok: true, plaintext: content, contentType: header[0] };
  }

  /** HMAC over the pseudo-header with `fragment`'s length, then the fragment. */
  private mac(header: Uint8Array, seq: number, fragment: Uint8Array): Buffer {
    const h = this.macHeader;
    writeSeq(h, seq, 0);
    h[8] = header[0];
    h[9] = header[1];
    h[10] = header[2];
    h.writeUInt16BE(fragment.length, 11);
    return createHmac(this.suite.mac ?? 'sha256', this.macKey).update(h).update(fragment).digest();
  }
}
