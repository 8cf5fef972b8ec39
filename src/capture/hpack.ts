// HPACK header-block decoder (RFC 7541): static and dynamic tables, integer and string literals, Huffman.
// Pure: no I/O. One decoder per direction of an HTTP/2 connection; `decode` throws `HpackError` on malformed input.
import { huffmanDecode } from './hpack-huffman';

/** Malformed header block (RFC 7541 §2.4 decoding error). */
export class HpackError extends Error {}

/** RFC 7541 Appendix A: the static table, index 1..61. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/** RFC 7541 §4.1: an entry's size is its name and value lengths in octets plus 32. */
const ENTRY_OVERHEAD = 32;
/** Largest integer accepted (RFC 7541 §5.1 leaves the bound to the implementation). */
const MAX_INT = 2 ** 31 - 1;

export interface HpackOptions {
  /** SETTINGS_HEADER_TABLE_SIZE the peer may use (RFC 7541 §4.2); default 4096. */
  maxTableSize?: number;
  /** Largest decoded header list (sum of entry sizes) before the block is refused; default 256 KiB. */
  maxHeaderListSize?: number;
}

/** One direction's HPACK decoding context (RFC 7541 §2.2). */
export class HpackDecoder {
  /** Newest entry first (RFC 7541 §2.3.3: dynamic index 62 is the newest). */
  private readonly dynamic: [string, string][] = [];
  private size = 0;
  private capacity: number;
  private maxAllowed: number;
  private readonly maxList: number;

  constructor(opts: HpackOptions = {}) {
    this.maxAllowed = opts.maxTableSize ?? 4096;
    this.capacity = this.maxAllowed;
    this.maxList = opts.maxHeaderListSize ?? 256 * 1024;
  }

  /** The limit the encoder may raise the table to (the decoder side's SETTINGS_HEADER_TABLE_SIZE). */
  setMaxTableSize(n: number): void {
    this.maxAllowed = n;
  }

  /** Current dynamic table: size in octets and entries, newest first. */
  get table(): { size: number; capacity: number; entries: readonly (readonly [string, string])[] } {
    return { size: this.size, capacity: this.capacity, entries: this.dynamic };
  }

  /** Decodes one complete header block into [name, value] pairs, updating the dynamic table. */
  decode(block: Uint8Array): [string, string][] {
    const out: [string, string][] = [];
    const r = { pos: 0 };
    let listSize = 0;
    let fieldSeen = false;
    while (r.pos < block.length) {
      const b = block[r.pos];
      let field: readonly [string, string];
      if (b & 0x80) {
        // §6.1 Indexed Header Field
        field = this.lookup(readInt(block, r, 7));
        out.push([field[0], field[1]]);
      } else if ((b & 0xe0) === 0x20) {
        // §6.3 Dynamic Table Size Update: only at the start of a block.
        if (fieldSeen) throw new HpackError('table size update after a header field');
        const n = readInt(block, r, 5);
        if (n > this.maxAllowed) throw new HpackError(`table size ${n} above the allowed ${this.maxAllowed}`);
        this.capacity = n;
        this.evict(0);
        continue;
      } else {
        // §6.2.1 with incremental indexing (01), §6.2.2 without (0000), §6.2.3 never indexed (0001)
        const indexing = (b & 0xc0) === 0x40;
        const idx = readInt(block, r, indexing ? 6 : 4);
        const name = idx === 0 ? readString(block, r) : this.lookup(idx)[0];
        field = [name, readString(block, r)];
        out.push([field[0], field[1]]);
        if (indexing) this.insert(field);
      }
      fieldSeen = true;
      listSize += field[0].length + field[1].length + ENTRY_OVERHEAD;
      if (listSize > this.maxList) throw new HpackError('header list too large');
    }
    return out;
  }

  private lookup(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError('index 0');
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const e = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!e) throw new HpackError(`index ${index} beyond the tables`);
    return e;
  }

  /** §4.4: evict until the new entry fits; an entry larger than the table empties it and is not added. */
  private insert(field: readonly [string, string]): void {
    const s = field[0].length + field[1].length + ENTRY_OVERHEAD;
    this.evict(s);
    if (s <= this.capacity) {
      this.dynamic.unshift([field[0], field[1]]);
      this.size += s;
    }
  }

  private evict(room: number): void {
    while (this.dynamic.length > 0 && this.size + room > this.capacity) {
      const e = this.dynamic.pop() as [string, string];
      this.size -= e[0].length + e[1].length + ENTRY_OVERHEAD;
    }
  }
}

/** §5.1 integer with an N-bit prefix. Strings are latin1, so `.length` is the octet count. */
function readInt(buf: Uint8Array, r: { pos: number }, prefix: number): number {
  if (r.pos >= buf.length) throw new HpackError('truncated integer');
  const max = (1 << prefix) - 1;
  let n = buf[r.pos++] & max;
  if (n < max) return n;
  let m = 0;
  for (;;) {
    if (r.pos >= buf.length) throw new HpackError('truncated integer');
    const b = buf[r.pos++];
    n += (b & 0x7f) * 2 ** m;
    m += 7;
    if (n > MAX_INT) throw new HpackError('integer too large');
    if ((b & 0x80) === 0) return n;
  }
}

/** §5.2 string literal, optionally Huffman-coded (Appendix B). */
function readString(buf: Uint8Array, r: { pos: number }): string {
  if (r.pos >= buf.length) throw new HpackError('truncated string');
  const huffman = (buf[r.pos] & 0x80) !== 0;
  const len = readInt(buf, r, 7);
  if (r.pos + len > buf.length) throw new HpackError('truncated string');
  const raw = buf.subarray(r.pos, r.pos + len);
  r.pos += len;
  if (!huffman) return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
  const d = huffmanDecode(raw);
  if (!d) throw new HpackError('bad Huffman string');
  return d.toString('latin1');
}
