// Streaming reader for pcap and pcapng: bytes pushed in chunks of any size, items (packets, key logs, custom blocks)
// out, each with its byte offset in the file. Pure: the caller reads the file; readPcap and readPcapng use this too.
import { u16, u32 } from './bytes';
import { pcapError, type PcapError } from './errors';
import type { CaptureFormat, CaptureInterface, CapturedPacket } from './types';

/** pcapng block types, draft-ietf-opsawg-pcapng §10.1. */
export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PB: 0x00000002,
  SPB: 0x00000003,
  EPB: 0x00000006,
  DSB: 0x0000000a,
  /** §4.8 Custom Block that may be copied to a new file; 0x40000bad is the one that may not. */
  CB: 0x00000bad,
  CB_NO_COPY: 0x40000bad,
} as const;

/** Decryption Secrets Block secrets types (§4.7): only the TLS key log is collected. */
export const SECRETS_TLS_KEY_LOG = 0x544c534b;
/** §3.5 opt_comment, valid in every block. */
export const OPT_COMMENT = 1;
/** IDB options (§4.2). */
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const PCAPNG_MAX_BLOCK = 128 * 1024 * 1024;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Why a file that ended before its header was whole is not a capture we can read. */
function headerProblem(c: Uint8Array, base: number): PcapError {
  if (c.length === 0 && base === 0) return pcapError('TLSLAB_ERR_PCAP_EMPTY', 0);
  if (c.length < 4) return pcapError('TLSLAB_ERR_PCAP_TRUNCATED', 0, 'no file header');
  if (isPcapng(c)) return pcapError('TLSLAB_ERR_PCAP_TRUNCATED', 0, 'section header cut short');
  if (isPcap(c)) return pcapError('TLSLAB_ERR_PCAP_TRUNCATED', 0, 'file header cut short');
  return pcapError('TLSLAB_ERR_PCAP_FORMAT', 0);
}

/** pcap magic numbers as read big-endian: [little-endian file?, nanosecond?] (draft-ietf-opsawg-pcap §4). */
const PCAP_MAGICS: Readonly<Record<number, readonly [le: boolean, nano: boolean]>> = {
  0xa1b2c3d4: [false, false],
  0xd4c3b2a1: [true, false],
  0xa1b23c4d: [false, true],
  0x4d3cb2a1: [true, true],
};
const PCAP_FILE_HEADER = 24;
const PCAP_RECORD_HEADER = 16;
/** A pcap record longer than this is treated as corruption (libpcap's own ceiling is 256 KiB; we allow more). */
const PCAP_MAX_RECORD = 64 * 1024 * 1024;

export type CaptureItem =
  | { kind: 'packet'; packet: CapturedPacket }
  | { kind: 'key-log'; text: string; offset: number }
  /** A pcapng Custom Block: the Private Enterprise Number that owns it, and its data (options not included). */
  | { kind: 'custom'; pen: number; data: Uint8Array; offset: number };

export interface CaptureReaderOptions {
  /**
   * Copy each packet's bytes out of the pushed chunk (default false: views into it). A streaming caller that pushes
   * chunk after chunk sets it, so that a packet kept for a while does not keep its whole chunk alive.
   */
  copy?: boolean;
}

interface Section {
  le: boolean;
  /** Interfaces of this section, by section-local id → global interface. */
  interfaces: CaptureInterface[];
  tsOffset: number[];
}

type Step = { kind: 'need'; bytes: number } | { kind: 'took'; bytes: number } | { kind: 'stop' };

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && u32(bytes, 0, false) === BLOCK.SHB;
}

export function isPcap(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && PCAP_MAGICS[u32(bytes, 0, false)] !== undefined;
}

/**
 * A push parser over a capture file. `fatal` is set when the file is not a capture at all (or its header cannot be
 * read): nothing was read. Problems after that are in `errors` (each with its offset); reading stops at the first one
 * that makes the rest unreadable, and everything before it has been returned.
 */
export class CaptureReader {
  format: CaptureFormat | null = null;
  /** Byte order of the first section (pcap: of the file). */
  littleEndian = true;
  /** pcap: the nanosecond variant; pcapng: some interface has nanosecond resolution. */
  nanosecond = false;
  readonly interfaces: CaptureInterface[] = [];
  readonly errors: PcapError[] = [];
  fatal: PcapError | null = null;
  /** Packets returned so far. */
  packets = 0;
  private stopped = false;
  /** File offset of `carry[0]`. */
  private base = 0;
  private carry: Uint8Array = new Uint8Array(0);
  private section: Section | null = null;
  private pcap: { le: boolean; nano: boolean; linkType: number; limit: number } | null = null;
  private lastSec = 0;
  private lastNsec = 0;
  private readonly copy: boolean;

  constructor(opts: CaptureReaderOptions = {}) {
    this.copy = opts.copy ?? false;
  }

  /** Bytes consumed so far (the offset of the next unit to read). */
  get offset(): number {
    return this.base;
  }

  /** Reading stopped (a fatal problem or an unreadable block): further pushes are ignored. */
  get done(): boolean {
    return this.stopped;
  }

  /** Bytes held waiting for the rest of a block. */
  get buffered(): number {
    return this.carry.length;
  }

  push(chunk: Uint8Array): CaptureItem[] {
    const out: CaptureItem[] = [];
    if (this.stopped || chunk.length === 0) return out;
    let bytes: Uint8Array;
    if (this.carry.length === 0) bytes = chunk;
    else {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry, 0);
      bytes.set(chunk, this.carry.length);
    }
    let o = 0;
    while (!this.stopped) {
      const step = this.format === null ? this.detect(bytes, o) : this.format === 'pcap' ? this.pcapRecord(bytes, o, out) : this.pcapngBlock(bytes, o, out);
      if (step.kind === 'took') o += step.bytes;
      else break;
    }
    this.base += o;
    const rest = bytes.subarray(o);
    // A partial block is kept for the next push; copied, so the caller's chunk can be released.
    this.carry = this.stopped ? new Uint8Array(0) : rest.length === 0 ? rest : Uint8Array.from(rest);
    return out;
  }

  /** End of the file: a block cut short is reported (what came before it was already returned). */
  end(): CaptureItem[] {
    if (this.stopped) return [];
    this.stopped = true;
    const c = this.carry;
    this.carry = new Uint8Array(0);
    if (this.format === null) this.fatal = headerProblem(c, this.base);
    else if (c.length > 0) this.errors.push(pcapError('TLSLAB_ERR_PCAP_TRUNCATED', this.base, this.cutShort(c)));
    return [];
  }

  /** What the last, incomplete unit was. */
  private cutShort(c: Uint8Array): string {
    if (this.format === 'pcap') return c.length < PCAP_RECORD_HEADER ? `record header of packet ${this.packets + 1}` : `packet ${this.packets + 1} cut short`;
    if (c.length < 12) return 'block header';
    const le = this.section?.le ?? true;
    return `block of type 0x${u32(c, 0, le).toString(16)} needs ${u32(c, 4, le)} bytes`;
  }

  private stop(error: PcapError): Step {
    this.errors.push(error);
    this.stopped = true;
    return { kind: 'stop' };
  }

  /** The magic number decides the format; the headers must be whole before anything else is read. */
  private detect(b: Uint8Array, o: number): Step {
    if (b.length - o < 4) return { kind: 'need', bytes: 4 };
    if (isPcapng(b.subarray(o))) {
      if (b.length - o < 28) return { kind: 'need', bytes: 28 };
      this.format = 'pcapng';
      return { kind: 'took', bytes: 0 };
    }
    const magic = PCAP_MAGICS[u32(b, o, false)];
    if (!magic) {
      this.fatal = pcapError('TLSLAB_ERR_PCAP_FORMAT', 0);
      this.stopped = true;
      return { kind: 'stop' };
    }
    if (b.length - o < PCAP_FILE_HEADER) return { kind: 'need', bytes: PCAP_FILE_HEADER };
    const [le, nano] = magic;
    const snapLen = u32(b, o + 16, le);
    // The link type is the low 16 bits; the high bits carry FCS information (§4, LinkType and additional information).
    const linkType = u32(b, o + 20, le) & 0xffff;
    this.format = 'pcap';
    this.littleEndian = le;
    this.nanosecond = nano;
    this.pcap = { le, nano, linkType, limit: Math.max(snapLen, PCAP_MAX_RECORD) };
    this.interfaces.push({ id: 0, linkType, snapLen, unitsPerSecond: nano ? 1e9 : 1e6 });
    return { kind: 'took', bytes: PCAP_FILE_HEADER };
  }

  /** draft-ietf-opsawg-pcap §5: one packet record. */
  private pcapRecord(b: Uint8Array, o: number, out: CaptureItem[]): Step {
    const p = this.pcap as NonNullable<CaptureReader['pcap']>;
    const at = this.base + o;
    if (b.length - o < PCAP_RECORD_HEADER) return { kind: 'need', bytes: PCAP_RECORD_HEADER };
    const inclLen = u32(b, o + 8, p.le);
    if (inclLen > p.limit) return this.stop(pcapError('TLSLAB_ERR_PCAP_SNAPLEN', at, `packet ${this.packets + 1} claims ${inclLen} bytes`));
    if (b.length - o < PCAP_RECORD_HEADER + inclLen) return { kind: 'need', bytes: PCAP_RECORD_HEADER + inclLen };
    const frac = u32(b, o + 4, p.le);
    out.push({
      kind: 'packet',
      packet: {
        index: this.packets++,
        offset: at,
        sec: u32(b, o, p.le),
        nsec: p.nano ? frac : frac * 1000,
        interfaceId: 0,
        linkType: p.linkType,
        data: this.take(b, o + PCAP_RECORD_HEADER, inclLen),
        originalLength: u32(b, o + 12, p.le),
      },
    });
    return { kind: 'took', bytes: PCAP_RECORD_HEADER + inclLen };
  }

  private take(b: Uint8Array, start: number, length: number): Uint8Array {
    const v = b.subarray(start, start + length);
    return this.copy ? Uint8Array.from(v) : v;
  }

  /** One pcapng block (§3.1): type, total length, body, total length again. */
  private pcapngBlock(b: Uint8Array, o: number, out: CaptureItem[]): Step {
    const at = this.base + o;
    if (b.length - o < 12) return { kind: 'need', bytes: 12 };
    // §3.1: the SHB's byte-order magic decides how every block of the section is read.
    if (u32(b, o, false) === BLOCK.SHB) {
      const magic = u32(b, o + 8, true);
      const le = magic === BYTE_ORDER_MAGIC ? true : magic === 0x4d3c2b1a ? false : null;
      if (le === null) return this.stop(pcapError('TLSLAB_ERR_PCAP_BAD_SECTION', at, 'byte-order magic'));
      if (this.section === null) this.littleEndian = le;
      this.section = { le, interfaces: [], tsOffset: [] };
    }
    const section = this.section;
    if (section === null) return this.stop(pcapError('TLSLAB_ERR_PCAP_BAD_SECTION', at, 'no section header first'));
    const le = section.le;
    const type = u32(b, o, le);
    const total = u32(b, o + 4, le);
    if (total < 12 || total % 4 !== 0 || total > PCAPNG_MAX_BLOCK) return this.stop(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', at, `block length ${total}`));
    if (b.length - o < total) return { kind: 'need', bytes: total };
    if (u32(b, o + total - 4, le) !== total) return this.stop(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', at, 'trailing length differs from leading length'));
    const body = b.subarray(o + 8, o + total - 4);
    if (type === BLOCK.SHB) {
      if (body.length < 16 || u16(body, 4, le) !== 1) {
        return this.stop(pcapError('TLSLAB_ERR_PCAP_BAD_SECTION', at, `unsupported version ${body.length >= 8 ? u16(body, 4, le) : '?'}`));
      }
    } else if (type === BLOCK.IDB) {
      this.interfaceBlock(section, body, at);
    } else if (type === BLOCK.EPB || type === BLOCK.PB) {
      this.packetBlock(section, type, body, at, out);
    } else if (type === BLOCK.SPB) {
      this.simplePacketBlock(section, body, at, out);
    } else if (type === BLOCK.DSB) {
      // §4.7 DSB: secrets type (4), secrets length (4), secrets data (padded), options.
      if (body.length >= 8) {
        const secretsType = u32(body, 0, le);
        const len = u32(body, 4, le);
        if (8 + len > body.length) this.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', at, 'decryption secrets longer than the block'));
        else if (secretsType === SECRETS_TLS_KEY_LOG) out.push({ kind: 'key-log', text: utf8.decode(body.subarray(8, 8 + len)), offset: at });
      }
    } else if (type === BLOCK.CB || type === BLOCK.CB_NO_COPY) {
      // §4.8 Custom Block: Private Enterprise Number (4), custom data, options. The data's length is not stored:
      // writers that want to be read back (tlslab does) put no options after it.
      if (body.length >= 4) out.push({ kind: 'custom', pen: u32(body, 0, le), data: Uint8Array.from(body.subarray(4)), offset: at });
    }
    // Other blocks (name resolution, statistics…) carry nothing we need: skipped by their length.
    return { kind: 'took', bytes: total };
  }

  /** §4.2 IDB. */
  private interfaceBlock(section: Section, body: Uint8Array, at: number): void {
    const le = section.le;
    if (body.length < 8) {
      this.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', at, 'interface description too short'));
      return;
    }
    const iface: CaptureInterface = { id: this.interfaces.length, linkType: u16(body, 0, le), snapLen: u32(body, 4, le), unitsPerSecond: 1e6 };
    let tsOffset = 0;
    forEachOption(body, 8, le, (code, value) => {
      if (code === IF_TSRESOL && value.length >= 1) {
        // §4.2 if_tsresol: high bit clear → 10^-n seconds, set → 2^-n seconds.
        const n = value[0] & 0x7f;
        iface.unitsPerSecond = value[0] & 0x80 ? 2 ** n : 10 ** n;
      } else if (code === IF_TSOFFSET && value.length >= 8) {
        const hi = u32(value, le ? 4 : 0, le) | 0;
        const lo = u32(value, le ? 0 : 4, le);
        tsOffset = hi * 2 ** 32 + lo;
      } else if (code === IF_NAME) {
        iface.name = utf8.decode(value);
      } else if (code === IF_DESCRIPTION) {
        iface.description = utf8.decode(value);
      }
    });
    if (iface.unitsPerSecond === 1e9) this.nanosecond = true;
    this.interfaces.push(iface);
    section.interfaces.push(iface);
    section.tsOffset.push(tsOffset);
  }

  /**
   * §4.3 EPB: interface id (4), timestamp high (4), low (4), captured length (4), original length (4), data, options.
   * Appendix: the obsolete PB has a 2-byte interface id and a 2-byte drops count in place of the 4-byte id.
   */
  private packetBlock(section: Section, type: number, body: Uint8Array, at: number, out: CaptureItem[]): void {
    const le = section.le;
    const headerLen = 20;
    if (body.length < headerLen) {
      this.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', at, 'packet block too short'));
      return;
    }
    const ifId = type === BLOCK.EPB ? u32(body, 0, le) : u16(body, 0, le);
    const capLen = u32(body, 12, le);
    const iface = section.interfaces[ifId];
    if (!iface) {
      this.errors.push(pcapError('TLSLAB_ERR_PCAP_NO_INTERFACE', at, `interface ${ifId}`));
      return;
    }
    if (headerLen + capLen > body.length) {
      this.errors.push(pcapError('TLSLAB_ERR_PCAP_SNAPLEN', at, `captured length ${capLen} exceeds the block`));
      return;
    }
    const ts = timestamp(u32(body, 4, le), u32(body, 8, le), iface.unitsPerSecond);
    this.lastSec = ts.sec + (section.tsOffset[ifId] ?? 0);
    this.lastNsec = ts.nsec;
    let comment: string | undefined;
    forEachOption(body, headerLen + ((capLen + 3) & ~3), le, (code, value) => {
      if (code === OPT_COMMENT && comment === undefined) comment = utf8.decode(value);
    });
    out.push(this.packet(at, iface, this.take(body, headerLen, capLen), u32(body, 16, le), comment));
  }

  /** One packet of the file, numbered in file order, at the last timestamp read. */
  private packet(at: number, iface: CaptureInterface, data: Uint8Array, originalLength: number, comment?: string): CaptureItem {
    return {
      kind: 'packet',
      packet: { index: this.packets++, offset: at, sec: this.lastSec, nsec: this.lastNsec, interfaceId: iface.id, linkType: iface.linkType, data, originalLength, ...(comment !== undefined ? { comment } : {}) },
    };
  }

  /** §4.4 SPB: original length, then data; always interface 0, no timestamp (the last one seen is reused). */
  private simplePacketBlock(section: Section, body: Uint8Array, at: number, out: CaptureItem[]): void {
    const iface = section.interfaces[0];
    if (!iface || body.length < 4) {
      this.errors.push(pcapError(iface ? 'TLSLAB_ERR_PCAP_BAD_BLOCK' : 'TLSLAB_ERR_PCAP_NO_INTERFACE', at, 'simple packet block'));
      return;
    }
    const origLen = u32(body, 0, section.le);
    let capLen = Math.min(origLen, body.length - 4);
    if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
    out.push(this.packet(at, iface, this.take(body, 4, capLen), origLen));
  }
}

/** §3.5 options: code (2), length (2), value padded to 4; opt_endofopt (0) ends the list. */
function forEachOption(body: Uint8Array, start: number, le: boolean, fn: (code: number, value: Uint8Array) => void): void {
  let o = start;
  while (o + 4 <= body.length) {
    const code = u16(body, o, le);
    const len = u16(body, o + 2, le);
    if (code === 0 || o + 4 + len > body.length) return;
    fn(code, body.subarray(o + 4, o + 4 + len));
    o += 4 + len + ((4 - (len % 4)) % 4);
  }
}

/** 64-bit timestamp in `units` per second → seconds and nanoseconds, exact for every resolution. */
function timestamp(hi: number, lo: number, units: number): { sec: number; nsec: number } {
  const v = hi * 2 ** 32 + lo;
  if (Number.isSafeInteger(v) && Number.isSafeInteger(units)) {
    let sec = Math.floor(v / units);
    let rest = v - sec * units;
    if (rest < 0) {
      sec -= 1;
      rest += units;
    } else if (rest >= units) {
      sec += 1;
      rest -= units;
    }
    const nsec = units <= 1e9 && 1e9 % units === 0 ? rest * (1e9 / units) : Math.floor((rest * 1e9) / units);
    return { sec, nsec };
  }
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  const u = BigInt(units);
  const sec = big / u;
  return { sec: Number(sec), nsec: Number(((big - sec * u) * 1_000_000_000n) / u) };
}
