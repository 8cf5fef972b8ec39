// Reader for pcapng (draft-ietf-opsawg-pcapng): SHB, IDB, EPB, SPB, the obsolete PB, and Decryption Secrets Blocks.
// Pure: bytes in, packets out (views into the input); problems become PcapError values, never throws.
import { u16, u32 } from './bytes';
import { pcapError, type Result } from './errors';
import type { Capture, CaptureInterface } from './types';

/** Block types, draft-ietf-opsawg-pcapng §10.1. */
export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PB: 0x00000002,
  SPB: 0x00000003,
  EPB: 0x00000006,
  DSB: 0x0000000a,
} as const;

/** Decryption Secrets Block secrets types (§4.7): only the TLS key log is collected. */
export const SECRETS_TLS_KEY_LOG = 0x544c534b;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** IDB options (§4.2). */
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;
const MAX_BLOCK = 128 * 1024 * 1024;

export function isPcapng(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && u32(bytes, 0, false) === BLOCK.SHB;
}

interface Section {
  le: boolean;
  /** Interfaces of this section, by section-local id → global interface. */
  interfaces: CaptureInterface[];
  tsOffset: number[];
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function readPcapng(bytes: Uint8Array): Result<Capture> {
  if (!isPcapng(bytes)) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_FORMAT', 0) };
  if (bytes.length < 28) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_TRUNCATED', 0, 'section header cut short') };
  const capture: Capture = {
    format: 'pcapng',
    littleEndian: true,
    nanosecond: false,
    interfaces: [],
    packets: [],
    keyLogs: [],
    errors: [],
  };
  let section: Section | null = null;
  let lastSec = 0;
  let lastNsec = 0;
  let o = 0;
  while (o < bytes.length) {
    if (o + 12 > bytes.length) {
      capture.errors.push(pcapError('TLSLAB_ERR_PCAP_TRUNCATED', o, 'block header'));
      break;
    }
    // §3.1: the SHB's byte-order magic decides how every block of the section is read.
    if (u32(bytes, o, false) === BLOCK.SHB) {
      const magic = u32(bytes, o + 8, true);
      const le = magic === BYTE_ORDER_MAGIC ? true : magic === 0x4d3c2b1a ? false : null;
      if (le === null) {
        capture.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_SECTION', o, 'byte-order magic'));
        break;
      }
      if (section === null) capture.littleEndian = le;
      section = { le, interfaces: [], tsOffset: [] };
    }
    if (section === null) break;
    const le = section.le;
    const type = u32(bytes, o, le);
    const total = u32(bytes, o + 4, le);
    if (total < 12 || total % 4 !== 0 || total > MAX_BLOCK) {
      capture.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', o, `block length ${total}`));
      break;
    }
    if (o + total > bytes.length) {
      capture.errors.push(pcapError('TLSLAB_ERR_PCAP_TRUNCATED', o, `block of type 0x${type.toString(16)} needs ${total} bytes`));
      break;
    }
    if (u32(bytes, o + total - 4, le) !== total) {
      capture.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', o, 'trailing length differs from leading length'));
      break;
    }
    const body = bytes.subarray(o + 8, o + total - 4);
    if (type === BLOCK.SHB) {
      if (body.length < 16 || u16(body, 4, le) !== 1) {
        capture.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_SECTION', o, `unsupported version ${body.length >= 8 ? u16(body, 4, le) : '?'}`));
        break;
      }
    } else if (type === BLOCK.IDB) {
      if (body.length < 8) {
        capture.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', o, 'interface description too short'));
      } else {
        const iface: CaptureInterface = {
          id: capture.interfaces.length,
          linkType: u16(body, 0, le),
          snapLen: u32(body, 4, le),
          unitsPerSecond: 1e6,
        };
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
          }
        });
        if (iface.unitsPerSecond === 1e9) capture.nanosecond = true;
        capture.interfaces.push(iface);
        section.interfaces.push(iface);
        section.tsOffset.push(tsOffset);
      }
    } else if (type === BLOCK.EPB || type === BLOCK.PB) {
      // §4.3 EPB: interface id (4), timestamp high (4), low (4), captured length (4), original length (4), data.
      // Appendix: the obsolete PB has a 2-byte interface id and a 2-byte drops count in place of the 4-byte id.
      const headerLen = 20;
      if (body.length < headerLen) {
        capture.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', o, 'packet block too short'));
      } else {
        const ifId = type === BLOCK.EPB ? u32(body, 0, le) : u16(body, 0, le);
        const capLen = u32(body, 12, le);
        const origLen = u32(body, 16, le);
        const iface = section.interfaces[ifId];
        if (!iface) {
          capture.errors.push(pcapError('TLSLAB_ERR_PCAP_NO_INTERFACE', o, `interface ${ifId}`));
        } else if (headerLen + capLen > body.length) {
          capture.errors.push(pcapError('TLSLAB_ERR_PCAP_SNAPLEN', o, `captured length ${capLen} exceeds the block`));
        } else {
          const ts = timestamp(u32(body, 4, le), u32(body, 8, le), iface.unitsPerSecond);
          lastSec = ts.sec + section.tsOffset[ifId];
          lastNsec = ts.nsec;
          capture.packets.push({
            index: capture.packets.length,
            offset: o,
            sec: lastSec,
            nsec: lastNsec,
            interfaceId: iface.id,
            linkType: iface.linkType,
            data: body.subarray(headerLen, headerLen + capLen),
            originalLength: origLen,
          });
        }
      }
    } else if (type === BLOCK.SPB) {
      // §4.4 SPB: original length, then data; always interface 0, no timestamp (we reuse the last one seen).
      const iface = section.interfaces[0];
      if (!iface || body.length < 4) {
        capture.errors.push(pcapError(iface ? 'TLSLAB_ERR_PCAP_BAD_BLOCK' : 'TLSLAB_ERR_PCAP_NO_INTERFACE', o, 'simple packet block'));
      } else {
        const origLen = u32(body, 0, le);
        let capLen = Math.min(origLen, body.length - 4);
        if (iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
        capture.packets.push({
          index: capture.packets.length,
          offset: o,
          sec: lastSec,
          nsec: lastNsec,
          interfaceId: iface.id,
          linkType: iface.linkType,
          data: body.subarray(4, 4 + capLen),
          originalLength: origLen,
        });
      }
    } else if (type === BLOCK.DSB) {
      // §4.7 DSB: secrets type (4), secrets length (4), secrets data (padded), options.
      if (body.length >= 8) {
        const secretsType = u32(body, 0, le);
        const len = u32(body, 4, le);
        if (8 + len > body.length) {
          capture.errors.push(pcapError('TLSLAB_ERR_PCAP_BAD_BLOCK', o, 'decryption secrets longer than the block'));
        } else if (secretsType === SECRETS_TLS_KEY_LOG) {
          capture.keyLogs.push(utf8.decode(body.subarray(8, 8 + len)));
        }
      }
    }
    // Other blocks (name resolution, statistics, custom…) carry nothing we need: skipped by their length.
    o += total;
  }
  return { ok: true, value: capture };
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
