// WebSocket frame headers (RFC 6455 §5.2) read as the bytes stream past, so the relay knows how large each message
// is on the wire and can stop one that is too large before forwarding it. Pure: bytes in, bytes to forward out.
import { randomBytes } from 'node:crypto';

/** What to forward from a chunk, and whether the stream went past the limit. */
export interface ScanStep {
  /** Bytes to pass on now. A frame header split across chunks is held back until it is complete. */
  forward: Buffer;
  /** Set when a frame would take a message past the limit: its wire size so far. Nothing after it is forwarded. */
  tooBig: number | null;
}

// RFC 6455 §5.2: FIN(1) RSV(3) opcode(4) | MASK(1) payload len(7) [ext len 16 or 64] [masking key 32].
const OPCODE_CONTINUATION = 0x0;
const OPCODE_CLOSE = 0x8;
const CONTROL = 0x8; // opcodes 0x8–0xF are control frames (§5.5): never fragmented, not part of a message

function headerLength(h: readonly number[]): number | null {
  if (h.length < 2) return null;
  const len7 = h[1] & 0x7f;
  const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
  return 2 + ext + (h[1] & 0x80 ? 4 : 0);
}

function payloadLength(h: readonly number[]): number {
  const len7 = h[1] & 0x7f;
  if (len7 < 126) return len7;
  const b = Buffer.from(h);
  if (len7 === 126) return b.readUInt16BE(2);
  // A 64-bit length; the most significant bit must be 0 (§5.2). Past 2^53 the value is approximate, and far over any limit.
  return b.readUInt32BE(2) * 2 ** 32 + b.readUInt32BE(6);
}

/** One direction of a WebSocket connection: frame headers, payload bytes to skip, the message in progress. */
export class FrameScanner {
  private remaining = 0;
  private header: number[] = [];
  private message = 0;
  private stopped = false;
  /** A close frame (opcode 0x8) went past. */
  closeSeen = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** What was forwarded so far ends between two frames (an incomplete header is held back, so it counts as between). */
  get atBoundary(): boolean {
    return this.remaining === 0;
  }

  push(chunk: Buffer): ScanStep {
    if (this.stopped) return { forward: Buffer.alloc(0), tooBig: null };
    const parts: Buffer[] = [];
    const carried = this.header.length;
    let from = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        continue;
      }
      if (this.header.length === 0) {
        parts.push(chunk.subarray(from, i));
        from = i;
      }
      this.header.push(chunk[i]);
      i += 1;
      const need = headerLength(this.header);
      if (need === null || this.header.length < need) continue;
      const size = this.account(this.header);
      if (size !== null) {
        this.stopped = true;
        return { forward: Buffer.concat(parts), tooBig: size };
      }
      if (from === 0 && carried > 0 && parts.length === 0) parts.push(Buffer.from(this.header.slice(0, carried)));
      this.remaining = payloadLength(this.header);
      this.header = [];
    }
    if (this.header.length === 0) parts.push(chunk.subarray(from));
    return { forward: Buffer.concat(parts), tooBig: null };
  }

  /** Counts a complete frame header; returns the message's size if it goes past the limit. */
  private account(h: readonly number[]): number | null {
    const opcode = h[0] & 0x0f;
    const len = payloadLength(h);
    if (opcode === OPCODE_CLOSE) this.closeSeen = true;
    if (opcode >= CONTROL) return len > this.maxMessageBytes ? len : null;
    this.message = opcode === OPCODE_CONTINUATION ? this.message + len : len;
    return this.message > this.maxMessageBytes ? this.message : null;
  }
}

/** A close frame with a status code (§5.5.1, §7.4.1), masked when it goes to a server (§5.3). */
export function closeFrame(code: number, toServer: boolean, reason = ''): Buffer {
  const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason, 'utf8').subarray(0, 123)]);
  if (!toServer) return Buffer.concat([Buffer.from([0x80 | OPCODE_CLOSE, payload.length]), payload]);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, j) => b ^ mask[j % 4]));
  return Buffer.concat([Buffer.from([0x80 | OPCODE_CLOSE, 0x80 | payload.length]), mask, masked]);
}

/** RFC 6455 §7.4.1: 1009, "a message that is too big for it to process". */
export const CLOSE_MESSAGE_TOO_BIG = 1009;
