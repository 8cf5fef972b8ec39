// Handshake-message reassembly for one direction: messages span records and records carry several messages.
// Pure state machine (HEADER → BODY, or SKIP for an oversized message); memory is capped at `maxMessage`.
import { ByteQueue } from './bytes';
import type { RecordError } from './record-layer';

/** Default cap on one handshake message (a certificate chain is rarely above 20 KiB). */
export const MAX_HANDSHAKE_MESSAGE = 256 * 1024;

export interface AssembledMessage {
  /** Header + body. */
  bytes: Uint8Array;
  /** Wire offset of the first byte, or null when it came from decrypted records. */
  offset: number | null;
  /** Wire offset of byte `i` of the message (null for decrypted ones). */
  wireAt: (i: number) => number | null;
}

export type ReassemblyOutput = { kind: 'message'; message: AssembledMessage } | { kind: 'error'; error: RecordError };

interface Fragment {
  /** Position of the fragment's first byte in the logical handshake stream. */
  start: number;
  length: number;
  /** Wire offset of that byte, or null (decrypted), with the record offset for error reports. */
  wire: number | null;
  recordOffset: number;
}

export class HandshakeReassembler {
  private readonly queue = new ByteQueue();
  /** Logical stream position of the queue's first byte. */
  private pos = 0;
  private fragments: Fragment[] = [];
  private skipLeft = 0;

  constructor(private readonly maxMessage = MAX_HANDSHAKE_MESSAGE) {}

  /** Bytes of an unfinished message waiting for the next record. */
  get pending(): number {
    return this.queue.length + this.skipLeft;
  }

  /**
   * Adds one record's handshake bytes. `wire` is the wire offset of the first byte (plaintext records) or null
   * (decrypted records); `recordOffset` locates errors in either case.
   */
  push(data: Uint8Array, wire: number | null, recordOffset: number): ReassemblyOutput[] {
    const out: ReassemblyOutput[] = [];
    let d = data;
    if (this.skipLeft > 0) {
      const n = Math.min(this.skipLeft, d.length);
      this.skipLeft -= n;
      this.pos += n;
      d = d.subarray(n);
      if (wire !== null) wire += n;
    }
    if (d.length > 0) {
      this.fragments.push({ start: this.pos + this.queue.length, length: d.length, wire, recordOffset });
      this.queue.push(d);
    }
    while (this.queue.length >= 4) {
      const len = (this.queue.at(1) << 16) | (this.queue.at(2) << 8) | this.queue.at(3);
      if (len + 4 > this.maxMessage) {
        out.push({
          kind: 'error',
          error: {
            code: 'TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE',
            message: `A handshake message of type ${this.queue.at(0)} announces ${len} bytes; the decoder keeps at most ${this.maxMessage}`,
            offset: this.wireOf(this.pos) ?? this.recordOf(this.pos),
          },
        });
        const inQueue = Math.min(this.queue.length, len + 4);
        this.queue.skip(inQueue);
        this.skipLeft = len + 4 - inQueue;
        this.advance(inQueue);
        continue;
      }
      if (this.queue.length < len + 4) break;
      const start = this.pos;
      const frags = this.fragments.filter((f) => f.start + f.length > start && f.start < start + len + 4);
      const bytes = this.queue.consume(len + 4);
      const wireAt = (i: number): number | null => {
        const p = start + i;
        const f = frags.find((x) => p >= x.start && p < x.start + x.length) ?? frags[frags.length - 1];
        return f === undefined || f.wire === null ? null : f.wire + (p - f.start);
      };
      this.advance(len + 4);
      out.push({ kind: 'message', message: { bytes, offset: wireAt(0), wireAt } });
    }
    return out;
  }

  /** The stream of this kind ended: an unfinished message is a truncation error. */
  end(): RecordError | null {
    if (this.queue.length === 0 && this.skipLeft === 0) return null;
    const offset = this.wireOf(this.pos) ?? this.recordOf(this.pos);
    const have = this.queue.length;
    this.queue.skip(have);
    this.advance(have);
    this.skipLeft = 0;
    return { code: 'TLSLAB_ERR_DECODE_HANDSHAKE_TRUNCATED', message: `The stream ended with ${have} byte(s) of an unfinished handshake message`, offset };
  }

  private advance(n: number): void {
    this.pos += n;
    this.fragments = this.fragments.filter((f) => f.start + f.length > this.pos);
  }

  private fragmentAt(p: number): Fragment | undefined {
    return this.fragments.find((f) => p >= f.start && p < f.start + f.length);
  }
  private wireOf(p: number): number | null {
    const f = this.fragmentAt(p);
    return f === undefined || f.wire === null ? null : f.wire + (p - f.start);
  }
  private recordOf(p: number): number {
    return this.fragmentAt(p)?.recordOffset ?? this.fragments[0]?.recordOffset ?? 0;
  }
}
