// Minimal DER writing (ITU-T X.690 §8, §10) for assembling a signed certificate from its TBS bytes.
// Pure: Buffers in, Buffers out; no I/O.

/** DER length octets (X.690 §8.1.3: short form below 128, long form otherwise). */
function lengthOctets(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One TLV with a given tag byte. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOctets(content.length), content]);
}

/** SEQUENCE (tag 0x30) of already-encoded elements. */
export function sequence(...elements: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(elements));
}

/** BIT STRING (tag 0x03) with zero unused bits, as a signature value is encoded (RFC 5280 §4.1.1.3). */
export function bitString(bytes: Buffer): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([0x00]), bytes]));
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1).
 * `algorithmDer` must be the same AlgorithmIdentifier the TBS carries in its `signature` field (§4.1.1.2).
 */
export function assembleCertificate(tbsDer: Buffer, algorithmDer: Buffer, signature: Buffer): Buffer {
  return sequence(tbsDer, algorithmDer, bitString(signature));
}

/** PEM armour (RFC 7468 §2): base64 in 64-character lines. */
export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
