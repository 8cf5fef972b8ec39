// A small DER reader (ITU-T X.690 §8, §10): enough to walk an X.509 certificate and its extensions.
// Pure: takes bytes, returns nodes or throws DerError; no I/O.

/** One TLV: tag byte split into class/constructed/number, and the value's bytes (a view, not a copy). */
export interface DerNode {
  /** The whole identifier octet, e.g. 0x30 SEQUENCE, 0xa3 [3] constructed. */
  tag: number;
  cls: 'universal' | 'application' | 'context' | 'private';
  constructed: boolean;
  /** Tag number within its class (low 5 bits; X.509 never needs the multi-byte form). */
  num: number;
  /** The value octets. */
  value: Buffer;
  /** Header plus value, as encoded. */
  raw: Buffer;
}

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

const CLASSES = ['universal', 'application', 'context', 'private'] as const;

/** Universal tag numbers used here (X.680 §8.6). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  SEQUENCE: 0x30,
  SET: 0x31,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  UniversalString: 0x1c,
  BMPString: 0x1e,
} as const;

/** Reads one TLV at `offset` (X.690 §8.1.2 identifier, §8.1.3 definite length; DER forbids indefinite). */
export function readNode(buf: Buffer, offset = 0): DerNode {
  if (offset + 2 > buf.length) throw new DerError(`truncated header at ${offset}`);
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError(`multi-byte tag at ${offset} is not used in X.509`);
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DerError(`indefinite length at ${offset} is not DER`);
    if (n > 4 || pos + n > buf.length) throw new DerError(`bad length at ${offset}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    pos += n;
  }
  if (pos + len > buf.length) throw new DerError(`value at ${offset} runs past the end (${len} bytes)`);
  return {
    tag,
    cls: CLASSES[tag >> 6],
    constructed: (tag & 0x20) !== 0,
    num: tag & 0x1f,
    value: buf.subarray(pos, pos + len),
    raw: buf.subarray(offset, pos + len),
  };
}

/** The children of a constructed node, in order. */
export function children(node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  let off = 0;
  while (off < node.value.length) {
    const child = readNode(node.value, off);
    out.push(child);
    off += child.raw.length;
  }
  return out;
}

/** Parses a whole buffer that must hold exactly one TLV. */
export function parseDer(buf: Buffer): DerNode {
  const node = readNode(buf, 0);
  if (node.raw.length !== buf.length) throw new DerError(`${buf.length - node.raw.length} trailing bytes`);
  return node;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`missing ${what}`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

/** OBJECT IDENTIFIER to dotted text (X.690 §8.19). */
export function decodeOid(value: Buffer): string {
  if (value.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let acc = 0;
  for (const byte of value) {
    acc = acc * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    }
  }
  const first = arcs[0] < 80 ? Math.floor(arcs[0] / 40) : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

/** Non-negative INTEGER that fits a JS number (pathLenConstraint and the like). */
export function decodeSmallInt(value: Buffer): number {
  let n = 0;
  for (const byte of value) n = n * 256 + byte;
  return n;
}

/** Bit length of a positive INTEGER (an RSA modulus): the leading 0x00 sign octet is not counted. */
export function integerBitLength(value: Buffer): number {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  const first = value[i];
  return (value.length - i - 1) * 8 + (first === 0 ? 0 : 32 - Math.clz32(first));
}

/** BIT STRING (X.690 §8.6): the unused-bits count, then the bits; bit 0 is the MSB of the first byte. */
export function decodeBitString(value: Buffer): { unused: number; bytes: Buffer } {
  if (value.length === 0) throw new DerError('empty BIT STRING');
  return { unused: value[0], bytes: value.subarray(1) };
}

export function bitIsSet(bytes: Buffer, bit: number): boolean {
  const byte = bit >> 3;
  return byte < bytes.length && (bytes[byte] & (0x80 >> (bit & 7))) !== 0;
}

/** UTCTime (YYMMDDHHMMSSZ, RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
export function decodeTime(node: DerNode): Date {
  const s = node.value.toString('latin1');
  const m =
    node.tag === TAG.UTCTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
      : node.tag === TAG.GeneralizedTime
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s)
        : null;
  if (!m) throw new DerError(`bad time ${JSON.stringify(s)}`);
  let year = Number(m[1]);
  if (node.tag === TAG.UTCTime) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/** The directory-string types a Name attribute may use (RFC 5280 §4.1.2.4), as text. */
export function decodeString(node: DerNode): string {
  switch (node.tag) {
    case TAG.BMPString: {
      if (node.value.length % 2 !== 0) throw new DerError('BMPString with an odd length');
      return Buffer.from(node.value).swap16().toString('utf16le');
    }
    case TAG.UniversalString: {
      const cps: number[] = [];
      for (let i = 0; i + 3 < node.value.length; i += 4) cps.push(node.value.readUInt32BE(i));
      return String.fromCodePoint(...cps);
    }
    case TAG.UTF8String:
      return node.value.toString('utf8');
    default:
      return node.value.toString('latin1');
  }
}
