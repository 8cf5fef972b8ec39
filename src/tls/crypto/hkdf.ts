// HKDF-Expand and HKDF-Expand-Label (RFC 5869 §2.3, RFC 8446 §7.1) written out with HMAC, because
// Node's hkdfSync always runs Extract first. Pure computation over node:crypto; no I/O.
import { createHmac } from 'node:crypto';

/** Hash functions used by the TLS key schedules and record MACs. */
export type HashName = 'md5' | 'sha1' | 'sha256' | 'sha384';

/** Output length in bytes of each hash. */
export const HASH_LENGTH: Readonly<Record<HashName, number>> = { md5: 16, sha1: 20, sha256: 32, sha384: 48 };

/** RFC 5869 §2.3 HKDF-Expand: T(1) | T(2) | … truncated to `length` bytes. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const hashLen = HASH_LENGTH[hash];
  if (length > 255 * hashLen) throw new RangeError(`HKDF-Expand: ${length} bytes is more than 255 × ${hashLen}`);
  const out = Buffer.allocUnsafe(length);
  let previous: Buffer = Buffer.alloc(0);
  let written = 0;
  for (let i = 1; written < length; i++) {
    previous = createHmac(hash, prk).update(previous).update(info).update(Buffer.of(i)).digest();
    written += previous.copy(out, written);
  }
  return out;
}

/**
 * RFC 8446 §7.1 HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length),
 * where HkdfLabel = uint16 length || opaque label<7..255> = "tls13 " + Label || opaque context<0..255>.
 */
export function hkdfExpandLabel(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Buffer {
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.allocUnsafe(2 + 1 + fullLabel.length + 1 + context.length);
  info.writeUInt16BE(length, 0);
  info[2] = fullLabel.length;
  fullLabel.copy(info, 3);
  info[3 + fullLabel.length] = context.length;
  Buffer.from(context.buffer, context.byteOffset, context.byteLength).copy(info, 4 + fullLabel.length);
  return hkdfExpand(hash, secret, info, length);
}
