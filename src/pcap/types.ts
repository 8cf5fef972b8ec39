// Plain types shared by the capture readers, the packet decoder, the TCP reassembler and the writer.
// No I/O: everything here describes bytes already in memory.
import type { PcapError } from './errors';

/** One packet as stored in the file. `data` is a view into the file's bytes (no copy). */
export interface CapturedPacket {
  /** 0-based position among the file's packets. */
  index: number;
  /** Byte offset of the packet's record or block in the file. */
  offset: number;
  /** Capture time: whole seconds since the Unix epoch, and nanoseconds within that second. */
  sec: number;
  nsec: number;
  /** pcapng interface id (0 for pcap). */
  interfaceId: number;
  /** LINKTYPE_* of the interface (https://www.tcpdump.org/linktypes.html). */
  linkType: number;
  /** The captured bytes (may be shorter than `originalLength` when the snap length cut them). */
  data: Uint8Array;
  originalLength: number;
  /** pcapng: the packet's first opt_comment (§3.5), if it has one. */
  comment?: string;
}

export interface CaptureInterface {
  id: number;
  linkType: number;
  snapLen: number;
  /** Timestamp units per second (pcapng `if_tsresol`; 1e6 or 1e9 for pcap). */
  unitsPerSecond: number;
  name?: string;
  /** pcapng if_description (§4.2). */
  description?: string;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** A whole capture file, read. Non-fatal problems are in `errors`; packets read before them are kept. */
export interface Capture {
  format: CaptureFormat;
  /** Byte order of the (first) section. */
  littleEndian: boolean;
  /** pcap only: nanosecond-resolution variant (magic a1b23c4d). */
  nanosecond: boolean;
  interfaces: CaptureInterface[];
  packets: CapturedPacket[];
  /** Texts of pcapng Decryption Secrets Blocks of type TLS key log (0x544c534b), in file order. */
  keyLogs: string[];
  errors: PcapError[];
}

export interface Endpoint {
  address: string;
  port: number;
}

/** TCP flags we act on (RFC 9293 §3.1). */
export interface TcpFlags {
  fin: boolean;
  syn: boolean;
  rst: boolean;
  psh: boolean;
  ack: boolean;
}

/** One TCP segment out of one packet. `payload` is a view into the file's bytes. */
export interface TcpSegment {
  src: Endpoint;
  dst: Endpoint;
  ipVersion: 4 | 6;
  /** Sequence and acknowledgment numbers, unsigned 32-bit. */
  seq: number;
  ack: number;
  flags: TcpFlags;
  window: number;
  payload: Uint8Array;
}

/** Milliseconds since the epoch (sub-millisecond precision as far as a double allows). */
export function packetTimeMs(p: { sec: number; nsec: number }): number {
  return p.sec * 1000 + p.nsec / 1e6;
}

export function endpointText(e: Endpoint): string {
  return e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
}
