// The pcap layer's public face: read pcap/pcapng, decode packets to TCP, reassemble streams, write pcapng.
// Pure parsing and building over bytes in memory; file and socket I/O belong to the callers.
export { PCAP_ERRORS, type PcapErrorCode } from '../errors';
export type { PcapError, Result } from './errors';
export type { Capture, CaptureFormat, CaptureInterface, CapturedPacket, Endpoint, TcpFlags, TcpSegment } from './types';
export { endpointText, packetTimeMs } from './types';
export { readCapture, reassembleCapture, timeOrder, type CaptureStreams } from './capture';
export { readPcap, isPcap } from './pcap-reader';
export { readPcapng, isPcapng, SECRETS_TLS_KEY_LOG } from './pcapng-reader';
export { CaptureReader, BLOCK, OPT_COMMENT, type CaptureItem, type CaptureReaderOptions } from './capture-reader';
export { LINK_TYPES, parseLinkLayer } from './link-layer';
export { decodeTcpPacket, type PacketResult, type SkipReason } from './ip-tcp';
export { ipv6Text } from '../ip-text';
export { TcpHalfStream, type GapReason, type HalfEvent, type HalfStats, type PacketStamp } from './tcp-half-stream';
export { TcpReassembler, type Direction, type ReassemblyOptions, type StreamEvent, type TcpConnection } from './tcp-reassembler';
export { PcapngBuilder, appendToTcpEpb, customBlock, keyLogBlock, tcpEpbLength, writeTcpEpb, writeTcpPcapng, type PcapngWriteOptions, type TcpEpb, type TcpStreamExport } from './pcapng-writer';
export { addressBytes, ethernetFrame, ipTcpHeader, ipTcpHeaderBytes, ipTcpPacket, maxTcpPayload, type TcpPacketSpec } from './packet-builder';
export { TimeOrderWindow, type Timed, type TimeWindowOptions } from './time-window';
export { proxyHeadLength, ProxyHeadSkipper, MAX_CONNECT_HEAD } from './http-connect';
