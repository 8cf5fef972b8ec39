// One leg decoded at once from what was kept of it: its bytes, both directions in wire order, and its key-log lines.
// Pure: bytes in, events out (the key schedule view and the details a view asks for both start here).
import type { Side } from '../events/schema';
import { TlsDecoder, type DecoderOptions, type TlsEvent } from './decoder';

/** Every event of the leg. The key log goes in first, so no record waits for a key that is already known. */
export function decodeLeg(chunks: readonly { from: Side; bytes: Uint8Array }[], keyLog: string, opts: DecoderOptions = {}): TlsEvent[] {
  const decoder = new TlsDecoder(opts);
  const out: TlsEvent[] = [];
  if (keyLog !== '') out.push(...decoder.addKeyLog(keyLog));
  for (const c of chunks) out.push(...decoder.feed(c.from, c.bytes));
  out.push(...decoder.finish());
  return out;
}
