// Reader for a whole classic libpcap file in memory (draft-ietf-opsawg-pcap): both byte orders, micro- and
// nanosecond variants. Pure: bytes in, packets out (views into the input, no copies); problems are PcapError values.
import { isPcap } from './capture-reader';
import { pcapError, type Result } from './errors';
import { readWhole } from './pcapng-reader';
import type { Capture } from './types';

export { isPcap };

/** draft-ietf-opsawg-pcap §4 (file header) and §5 (packet record). */
export function readPcap(bytes: Uint8Array): Result<Capture> {
  if (bytes.length < 4) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_TRUNCATED', 0, 'no file header') };
  if (!isPcap(bytes)) return { ok: false, error: pcapError('TLSLAB_ERR_PCAP_FORMAT', 0) };
  return readWhole(bytes);
}
