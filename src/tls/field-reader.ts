// A bounds-checked reader over one handshake message that records a `Field` (name, value, byte range) per read.
// Pure: reads a Uint8Array, never past `end`; a short read throws DecodeFailure, caught at the message boundary.
import type { Field, Named } from '../events/schema';
import { toHex } from './bytes';
import { DecodeFailure } from './errors';
import { show } from './names/lookup';

/**
 * What a `lean` reader's field-producing reads return instead of a Field: one shared placeholder, never shown (the
 * decoder's `live` detail drops field trees, so they are not built). Parsers leave it alone (`r.lean` guards).
 */
export const UNBUILT: Field = { name: '', range: [0, 0] };

export class FieldReader {
  /**
   * `lean`: read exactly as usual (the same bytes, checks and failures) but build no Field: `num`, `raw`, `opaque` and
   * `vector` return `UNBUILT` without naming or formatting their values, and parsers skip their own field work.
   */
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    readonly end = buf.length,
    readonly lean = false,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new DecodeFailure('TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED', `${what}: needs ${n} byte(s), ${this.end - this.pos} left`, this.pos);
    }
  }

  u8(what = 'uint8'): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }
  u16(what = 'uint16'): number {
    this.need(2, what);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }
  u24(what = 'uint24'): number {
    this.need(3, what);
    const v = (this.buf[this.pos] << 16) | (this.buf[this.pos + 1] << 8) | this.buf[this.pos + 2];
    this.pos += 3;
    return v;
  }
  u32(what = 'uint32'): number {
    this.need(4, what);
    const v = this.buf[this.pos] * 0x1000000 + ((this.buf[this.pos + 1] << 16) | (this.buf[this.pos + 2] << 8) | this.buf[this.pos + 3]);
    this.pos += 4;
    return v;
  }
  uint(size: 1 | 2 | 3 | 4, what?: string): number {
    return size === 1 ? this.u8(what) : size === 2 ? this.u16(what) : size === 3 ? this.u24(what) : this.u32(what);
  }
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A reader over the next `len` bytes; the parent moves past them. */
  sub(len: number, what: string): FieldReader {
    this.need(len, what);
    const r = new FieldReader(this.buf, this.pos, this.pos + len, this.lean);
    this.pos += len;
    return r;
  }

  /** Fails unless every byte was read. */
  done(what: string): void {
    if (this.pos !== this.end) {
      throw new DecodeFailure('TLSLAB_ERR_DECODE_HANDSHAKE_MALFORMED', `${what}: ${this.end - this.pos} unexpected trailing byte(s)`, this.pos);
    }
  }

  // ----- field-producing reads -----

  /** A fixed-size integer field; `describe` turns it into a `Named` for the value string. */
  num(name: string, size: 1 | 2 | 3 | 4, describe?: (v: number) => Named | string, note?: string): [number, Field] {
    const start = this.pos;
    const v = this.uint(size, name);
    if (this.lean) return [v, UNBUILT];
    const d = describe ? describe(v) : String(v);
    return [v, field(name, start, this.pos, typeof d === 'string' ? d : show(d, size * 2), note)];
  }

  /** Fixed-size opaque bytes shown as hex. */
  raw(name: string, n: number, note?: string): [Uint8Array, Field] {
    const start = this.pos;
    const b = this.bytes(n, name);
    if (this.lean) return [b, UNBUILT];
    return [b, field(name, start, this.pos, hexValue(b), note)];
  }

  /** `opaque name<0..2^(8·lenSize)-1>`: the length prefix is a child field, the bytes shown as hex. */
  opaque(name: string, lenSize: 1 | 2 | 3, note?: string, display?: (b: Uint8Array) => string): [Uint8Array, Field] {
    const start = this.pos;
    const [len, lenField] = this.num(`${name} length`, lenSize);
    const b = this.bytes(len, name);
    if (this.lean) return [b, UNBUILT];
    const f = field(name, start, this.pos, display ? display(b) : hexValue(b), note);
    f.children = [lenField];
    return [b, f];
  }

  /** A length-prefixed list: `item` reads one element from the sub-reader until it is exhausted. */
  vector(name: string, lenSize: 1 | 2 | 3, item: (r: FieldReader, i: number) => Field | Field[], note?: string): Field {
    const start = this.pos;
    const [len, lenField] = this.num(`${name} length`, lenSize);
    const r = this.sub(len, name);
    const children: Field[] | null = this.lean ? null : [lenField];
    for (let i = 0; r.remaining > 0; i++) {
      const before = r.pos;
      const got = item(r, i);
      // A lean reader still reads every item (parsers note facts as they go) but keeps no field.
      if (children !== null) {
        if (Array.isArray(got)) children.push(...got);
        else children.push(got);
      }
      if (r.pos === before) r.bytes(r.remaining, name); // an item parser that reads nothing must not loop
    }
    if (children === null) return UNBUILT;
    return { name, range: [start, this.pos], value: `${children.length - 1} item(s)`, note, children };
  }
}

export function field(name: string, start: number, end: number, value?: string, note?: string, children?: Field[]): Field {
  const f: Field = { name, range: [start, end] };
  if (value !== undefined) f.value = value;
  if (note !== undefined) f.note = note;
  if (children !== undefined && children.length > 0) f.children = children;
  return f;
}

/** Hex of a byte string, shortened past 64 bytes (the range still covers every byte). */
export function hexValue(b: Uint8Array): string {
  return b.length <= 64 ? toHex(b) : `${toHex(b, 32)}… (${b.length} bytes)`;
}

/** Printable ASCII or hex: SNI, ALPN ids. */
export function asciiOrHex(b: Uint8Array): string {
  for (const c of b) if (c < 0x20 || c > 0x7e) return toHex(b);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
