// Typed errors of the capture-file layer: every problem is a value with a stable code, never a throw.
// Their codes are the capture-file section of the one error table (src/errors.ts). Pure data, no I/O;
// src/commands/decode.ts turns these into messages for the user.
import { PCAP_ERRORS, type PcapErrorCode } from '../errors';

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
