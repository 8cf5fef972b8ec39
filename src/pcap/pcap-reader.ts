// Reader for classic libpcap files (draft-ietf-opsawg-pcap): both byte orders, micro- and nanosecond variants.
// Pure: bytes in, packets out (views into the input, no copies); problems become PcapError values.
import { u32 } from './bytes';
import { pcapError, type Result } from './errors';
import type { Capture, CapturedPacket } from './types';

/** Magic numbers as read big-endian: [little-endian file?, nanosecond?]. */
const PCAP_MAGICS: Readonly<Record<number, readonly [le: boolean, nano: boolean]>> = {
  0xa1b2c3d4: [false, false],
  0xd4c3b2a1: [true, false],
  0xa1b23c4d: [false, true],
  0x4d3cb2a1: [true, true],
};

const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** A record longer than this is treated as corruption (libpcap's own ceiling is 256 KiB; we allow more). */
const MAX_RECORD = 64 * 1024 * 1024;

export function isPcap(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && PCAP_MAGICS[u32(bytes, 0, false)] !== undefined;
}

/** draft-ietf-opsawg-pcap §4 (file header) and §5 (packet record). */
export function readPcap(bytes: Uint8Array): Result<Capture> {
  if (bytes.length < 4) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_TRUNCATED', 0, 'no file header') };
  const magic = PCAP_MAGICS[u32(bytes, 0, false)];
  if (!magic) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_FORMAT', 0) };
  if (bytes.length < FILE_HEADER) {
    return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_TRUNCATED', 0, 'file header cut short') };
  }
  const [le, nano] = magic;
  const snapLen = u32(bytes, 16, le);
  // The link type is the low 16 bits; the high bits carry FCS information (§4, LinkType and additional information).
  const linkType = u32(bytes, 20, le) & 0xffff;
  const unitsPerSecond = nano ? 1e9 : 1e6;
  const capture: Capture = {
    format: 'pcap',
    littleEndian: le,
    nanosecond: nano,
    interfaces: [{ id: 0, linkType, snapLen, unitsPerSecond }],
    packets: [],
    keyLogs: [],
    errors: [],
  };
  const limit = Math.max(snapLen, MAX_RECORD);
  let o = FILE_HEADER;
  while (o < bytes.length) {
    if (o + RECORD_HEADER > bytes.length) {
      capture.errors.push(pcapError('TLSLAB_ERR_PCAP_TRUNCATED', o, `record header of packet ${capture.packets.length + 1}`));
      break;
    }
    const sec = u32(bytes, o, le);
    const frac = u32(bytes, o + 4, le);
    const inclLen = u32(bytes, o + 8, le);
    const origLen = u32(bytes, o + 12, le);
    if (inclLen > limit) {
      capture.errors.push(pcapError('TLSLAB_ERR_PCAP_SNAPLEN', o, `packet ${capture.packets.length + 1} claims ${inclLen} bytes`));
      break;
    }
    if (o + RECORD_HEADER + inclLen > bytes.length) {
      capture.errors.push(pcapError('TLSLAB_ERR_PCAP_TRUNCATED', o, `packet ${capture.packets.length + 1} cut short`));
      break;
    }
    const packet: CapturedPacket = {
      index: capture.packets.length,
      offset: o,
      sec,
      nsec: nano ? frac : frac * 1000,
      interfaceId: 0,
      linkType,
      data: bytes.subarray(o + RECORD_HEADER, o + RECORD_HEADER + inclLen),
      originalLength: origLen,
    };
    capture.packets.push(packet);
    o += RECORD_HEADER + inclLen;
  }
  return { ok: true, value: capture };
}

