// Typed errors of the capture-file layer: every problem is a value with a stable code, never a throw.
// Pure data, no I/O; src/commands/decode.ts turns these into messages for the user.

/** Stable codes of the pcap layer, each with a one-line meaning (docs/decode.md lists them). */
export const PCAP_ERRORS = {
  TLSLAB_ERR_PCAP_EMPTY: 'The file is empty',
  TLSLAB_ERR_PCAP_FORMAT: 'The file is neither pcap nor pcapng (unknown magic number)',
  TLSLAB_ERR_PCAP_TRUNCATED: 'The file ends in the middle of a header, block or packet',
  TLSLAB_ERR_PCAP_BAD_BLOCK: 'A pcapng block has an impossible length or trailer',
  TLSLAB_ERR_PCAP_BAD_SECTION: 'A pcapng section header is malformed (byte-order magic or version)',
  TLSLAB_ERR_PCAP_NO_INTERFACE: 'A pcapng packet names an interface that was never described',
  TLSLAB_ERR_PCAP_SNAPLEN: 'A packet is longer than the capture allows (corrupt length)',
  TLSLAB_ERR_PCAP_WRITE: 'A packet could not be synthesized (addresses must be literal IPv4 or IPv6, not mixed)',
} as const;

export type PcapErrorCode = keyof typeof PCAP_ERRORS;

/** One problem found while reading a capture. `offset` is the byte offset in the file. */
export interface PcapError {
  code: PcapErrorCode;
  message: string;
  offset: number;
}

export function pcapError(code: PcapErrorCode, offset: number, detail?: string): PcapError {
  return { code, offset, message: detail ? `${PCAP_ERRORS[code]}: ${detail}` : PCAP_ERRORS[code] };
}

/** Result of a parse that can fail as a whole. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: PcapError };
