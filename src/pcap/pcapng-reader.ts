// Reader for a whole pcapng file in memory (draft-ietf-opsawg-pcapng): SHB, IDB, EPB, SPB, the obsolete PB, and
// Decryption Secrets Blocks. Pure: bytes in, packets out (views into the input); problems are values, never throws.
import { BLOCK, CaptureReader, isPcapng, SECRETS_TLS_KEY_LOG } from './capture-reader';
import { pcapError, type Result } from './errors';
import type { Capture } from './types';

export { BLOCK, isPcapng, SECRETS_TLS_KEY_LOG };

export function readPcapng(bytes: Uint8Array): Result<Capture> {
  if (!isPcapng(bytes)) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_FORMAT', 0) };
  return readWhole(bytes);
}

/** Runs the streaming reader over bytes already in memory and gathers what it returns. */
export function readWhole(bytes: Uint8Array): Result<Capture> {
  const r = new CaptureReader();
  const items = [...r.push(bytes), ...r.end()];
  if (r.fatal || r.format === null) return { ok: false, error: r.fatal ?? pcapError('TLSLAB_ERR_PCAP_FORMAT', 0) };
  const capture: Capture = {
    format: r.format,
    littleEndian: r.littleEndian,
    nanosecond: r.nanosecond,
    interfaces: r.interfaces,
    packets: [],
    keyLogs: [],
    errors: r.errors,
  };
  for (const item of items) {
    if (item.kind === 'packet') capture.packets.push(item.packet);
    else if (item.kind === 'key-log') capture.keyLogs.push(item.text);
  }
  return { ok: true, value: capture };
}
