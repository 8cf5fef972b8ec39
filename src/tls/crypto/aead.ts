// One AEAD open (AES-GCM, AES-CCM, ChaCha20-Poly1305) over node:crypto, returning null on a bad tag
// instead of throwing. Pure computation; no I/O.
import { createDecipheriv, type CipherCCMTypes, type CipherGCMTypes, type CipherChaCha20Poly1305Types } from 'node:crypto';
import type { BulkCipherName } from './cipher-suites';

type AeadName = CipherGCMTypes | CipherCCMTypes | CipherChaCha20Poly1305Types;

/** AEAD-decrypts `ciphertext` with `tag`; null when the tag does not verify (or the inputs are unusable). */
export function aeadOpen(
  cipher: BulkCipherName,
  key: Buffer,
  nonce: Buffer,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Buffer | null {
  try {
    const authTagLength = tag.length;
    const name = cipher as AeadName;
    if (name === 'aes-128-ccm' || name === 'aes-256-ccm') {
      const d = createDecipheriv(name, key, nonce, { authTagLength });
      d.setAuthTag(tag);
      d.setAAD(aad, { plaintextLength: ciphertext.length });
      const out = d.update(ciphertext);
      d.final();
      return out;
    }
    const d = createDecipheriv(name as CipherGCMTypes, key, nonce, { authTagLength });
    d.setAAD(aad);
    d.setAuthTag(tag);
    const out = d.update(ciphertext);
    d.final();
    return out;
  } catch {
    return null;
  }
}
