// The TLS 1.0–1.2 pseudo-random function and the key block it expands from the master secret
// (RFC 2246 §5, RFC 4346 §5, RFC 5246 §5 and §6.3). Pure computation over node:crypto; no I/O.
import { createHmac } from 'node:crypto';
import type { HashName } from './hkdf';

/** RFC 5246 §5 P_hash(secret, seed): HMAC chain A(i) = HMAC(secret, A(i-1)), output HMAC(secret, A(i) + seed). */
export function pHash(hash: HashName, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let a: Buffer = createHmac(hash, secret).update(seed).digest();
  let written = 0;
  while (written < length) {
    written += createHmac(hash, secret).update(a).update(seed).digest().copy(out, written);
    a = createHmac(hash, secret).update(a).digest();
  }
  return out;
}

/**
 * The TLS PRF. `hash` 'sha256'/'sha384' is the TLS 1.2 PRF (RFC 5246 §5: P_<hash>(secret, label + seed));
 * `'md5+sha1'` is the TLS 1.0/1.1 PRF (RFC 2246 §5: P_MD5(S1, …) XOR P_SHA-1(S2, …) over the two secret halves).
 */
export function tlsPrf(
  hash: 'sha256' | 'sha384' | 'md5+sha1',
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  if (hash !== 'md5+sha1') return pHash(hash, secret, labelSeed, length);
  const half = Math.ceil(secret.length / 2);
  const s1 = secret.subarray(0, half);
  const s2 = secret.subarray(secret.length - half);
  const md5 = pHash('md5', s1, labelSeed, length);
  const sha1 = pHash('sha1', s2, labelSeed, length);
  for (let i = 0; i < length; i++) md5[i] ^= sha1[i];
  return md5;
}

/** One direction's record-protection keys from the key block. */
export interface DirectionKeys12 {
  macKey: Buffer;
  key: Buffer;
  /** AEAD: the implicit (fixed) nonce part; TLS 1.0 CBC: the first IV; otherwise empty. */
  iv: Buffer;
}

/**
 * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random), cut into
 * client MAC key, server MAC key, client key, server key, client IV, server IV.
 */
export function keyBlock12(
  prfHash: 'sha256' | 'sha384' | 'md5+sha1',
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  macKeyLength: number,
  keyLength: number,
  ivLength: number,
): { client: DirectionKeys12; server: DirectionKeys12 } {
  const total = 2 * (macKeyLength + keyLength + ivLength);
  const block = tlsPrf(prfHash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), total);
  let at = 0;
  const take = (n: number): Buffer => {
    const part = block.subarray(at, at + n);
    at += n;
    return part;
  };
  const clientMac = take(macKeyLength);
  const serverMac = take(macKeyLength);
  const clientKey = take(keyLength);
  const serverKey = take(keyLength);
  const clientIv = take(ivLength);
  const serverIv = take(ivLength);
  return {
    client: { macKey: clientMac, key: clientKey, iv: clientIv },
    server: { macKey: serverMac, key: serverKey, iv: serverIv },
  };
}
