// Entry points of the pcap layer: detect and read a capture file, then turn its packets into TCP streams.
// Pure: the caller reads the file (src/commands/decode.ts); here bytes in, packets and streams out.
import { pcapError, type Result } from './errors';
import { decodeTcpPacket, type SkipReason } from './ip-tcp';
import { isPcap, readPcap } from './pcap-reader';
import { isPcapng, readPcapng } from './pcapng-reader';
import { TcpReassembler, type ReassemblyOptions, type StreamEvent, type TcpConnection } from './tcp-reassembler';
import type { Capture, CapturedPacket } from './types';

/** Reads a pcap or pcapng file, whichever it is. */
export function readCapture(bytes: Uint8Array): Result<Capture> {
  if (bytes.length === 0) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_EMPTY', 0) };
  if (isPcapng(bytes)) return readPcapng(bytes);
  if (isPcap(bytes)) return readPcap(bytes);
  return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_FORMAT', 0) };
}

export interface CaptureStreams {
  connections: TcpConnection[];
  /** Every stream event of every connection, in capture-time order. */
  events: StreamEvent[];
  /** TCP segments decoded. */
  tcpPackets: number;
  /** Packets that were not TCP segments we could read, by reason. */
  skipped: Record<SkipReason, number>;
}

/** Packets in capture-time order (stable: equal timestamps keep file order). */
export function timeOrder(packets: readonly CapturedPacket[]): CapturedPacket[] {
  let sorted = true;
  for (let i = 1; i < packets.length && sorted; i++) sorted = compareTime(packets[i - 1], packets[i]) <= 0;
  return sorted ? packets.slice() : packets.slice().sort((a, b) => compareTime(a, b) || a.index - b.index);
}

function compareTime(a: CapturedPacket, b: CapturedPacket): number {
  return a.sec - b.sec || a.nsec - b.nsec;
}

/** Decodes every packet and reassembles every TCP connection of a capture. */
export function reassembleCapture(capture: Capture, opts: ReassemblyOptions = {}): CaptureStreams {
  const reassembler = new TcpReassembler(opts);
  const skipped: Record<SkipReason, number> = { 'link-type': 0, 'not-ip': 0, 'not-tcp': 0, 'ip-fragment': 0, truncated: 0 };
  const events: StreamEvent[] = [];
  let tcpPackets = 0;
  for (const p of timeOrder(capture.packets)) {
    const r = decodeTcpPacket(p.linkType, p.data);
    if (!r.ok) {
      skipped[r.reason]++;
      continue;
    }
    tcpPackets++;
    for (const e of reassembler.push({ packet: p.index, sec: p.sec, nsec: p.nsec }, r.segment)) events.push(e);
  }
  for (const e of reassembler.finish()) events.push(e);
  return { connections: [...reassembler.connections], events, tcpPackets, skipped };
}
