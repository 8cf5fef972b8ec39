// The record layer of one direction: an explicit state machine over a byte queue (model: ws lib/receiver.js).
// Pure: `push(bytes)` returns whole records or typed errors; partial input waits in the queue (need-more-bytes).
import { ByteQueue } from './bytes';
import { DECODE_ERRORS, type DecodeErrorCode } from '../errors';

/** RFC 5246 §6.2.3: TLSCiphertext.length must not exceed 2^14 + 2048. */
export const MAX_RECORD_BODY = 16384 + 2048;
/** After this many framing errors in one direction the rest is only counted. */
const MAX_FRAMING_ERRORS = 16;

export interface RawRecord {
  /** Offset of the header in this direction's stream. */
  offset: number;
  type: number;
  version: number;
  header: Uint8Array;
  body: Uint8Array;
  /** An SSLv2-compatible ClientHello (RFC 5246 Appendix E.2): `body` is the SSLv2 message, header 2 bytes. */
  sslv2?: boolean;
}

export interface RecordError {
  code: DecodeErrorCode;
  message: string;
  offset: number;
}

/**
 * A fast path for bulk records (set by the decoder once a direction is in bulk mode): offered each type-23 record
 * that lies whole in the queue, when no earlier record of the same `push` is still to be returned, with its 5 header
 * bytes, body length and the body's last bytes (`tailBytes`, or all of a shorter body), all valid only during the call.
 * true: the record was counted, and it is dropped uncopied (still framed and counted here); false: it is returned
 * as usual.
 */
export type BulkFrame = (header: Uint8Array, bodyLength: number, tail: Uint8Array) => boolean;

export type RecordOutput = { kind: 'record'; record: RawRecord } | { kind: 'error'; error: RecordError };

type State = 'START' | 'HEADER' | 'BODY' | 'LOST' | 'DEAD';

const KNOWN_TYPES = new Set([20, 21, 22, 23, 24]);

function plausibleHeader(type: number, major: number, minor: number, len: number): boolean {
  return KNOWN_TYPES.has(type) && major === 3 && minor <= 4 && len <= MAX_RECORD_BODY;
}

export class RecordLayer {
  private readonly queue = new ByteQueue();
  private state: State = 'START';
  /** Stream offset of the first byte still in the queue. */
  private offset = 0;
  private header: Uint8Array | null = null;
  private bodyLength = 0;
  private framingErrors = 0;
  private records = 0;
  private bulkFrame: BulkFrame | null = null;
  private readonly frameHeader = new Uint8Array(5);
  private frameTail: Uint8Array = new Uint8Array(0);

  /** Bytes received so far. */
  get received(): number {
    return this.offset + this.queue.length;
  }
  get recordCount(): number {
    return this.records;
  }
  /** True when a record is partly received. */
  get midRecord(): boolean {
    return (this.state === 'HEADER' || this.state === 'START') ? this.queue.length > 0 : this.state === 'BODY';
  }
  /** Offset of the record in progress. */
  get pendingOffset(): number {
    return this.state === 'BODY' ? this.offset - 5 : this.offset;
  }

  get hasBulkFrame(): boolean {
    return this.bulkFrame !== null;
  }

  /** Installs the bulk fast path (see `BulkFrame`); `tailBytes` of each body's end are offered. */
  setBulkFrame(frame: BulkFrame, tailBytes: number): void {
    this.bulkFrame = frame;
    this.frameTail = new Uint8Array(tailBytes);
  }

  push(bytes: Uint8Array): RecordOutput[] {
    this.queue.push(bytes);
    const out: RecordOutput[] = [];
    for (;;) {
      const progressed = this.step(out);
      if (!progressed) return out;
    }
  }

  private take(n: number): Uint8Array {
    const b = this.queue.consume(n);
    this.offset += n;
    return b;
  }

  /** One state transition; false when more bytes are needed. */
  private step(out: RecordOutput[]): boolean {
    switch (this.state) {
      case 'START': {
        // RFC 5246 Appendix E.2: an SSLv2-compatible ClientHello starts with a 2-byte length (high bit set)
        // then msg_type 1 (client_hello).
        if (this.queue.length < 3) return false;
        if ((this.queue.at(0) & 0x80) !== 0 && this.queue.at(2) === 1) {
          const len = ((this.queue.at(0) & 0x7f) << 8) | this.queue.at(1);
          if (this.queue.length < 2 + len) return false;
          const offset = this.offset;
          const header = this.take(2);
          const body = this.take(len);
          this.records++;
          out.push({ kind: 'record', record: { offset, type: 22, version: 0x0002, header, body, sslv2: true } });
          this.state = 'HEADER';
          return true;
        }
        this.state = 'HEADER';
        return true;
      }
      case 'HEADER': {
        if (this.queue.length < 5) return false;
        const type = this.queue.at(0);
        const major = this.queue.at(1);
        const len = (this.queue.at(3) << 8) | this.queue.at(4);
        if (!KNOWN_TYPES.has(type) || major !== 3) {
          const code: DecodeErrorCode = this.offset === 0 ? 'TLSLAB_ERR_DECODE_NOT_TLS' : 'TLSLAB_ERR_DECODE_RECORD_HEADER';
          this.framingError(out, code, `${DECODE_ERRORS[code]} (bytes ${hex5(this.queue, 5)})`);
          return true;
        }
        if (type === 23 && this.bulkFrame !== null && out.length === 0 && len <= MAX_RECORD_BODY && this.queue.length >= 5 + len) {
          const header = this.frameHeader;
          for (let i = 0; i < 5; i++) header[i] = this.queue.at(i);
          if (this.frame(header, 5, len)) return true;
        }
        if (len > MAX_RECORD_BODY) {
          out.push({ kind: 'error', error: { code: 'TLSLAB_ERR_DECODE_RECORD_OVERFLOW', message: `Record of ${len} bytes: TLS allows at most ${MAX_RECORD_BODY}`, offset: this.offset } });
        }
        this.header = this.take(5);
        this.bodyLength = len;
        this.state = 'BODY';
        return true;
      }
      case 'BODY': {
        if (this.queue.length < this.bodyLength) return false;
        const header = this.header as Uint8Array;
        if (header[0] === 23 && this.bulkFrame !== null && out.length === 0 && this.bodyLength <= MAX_RECORD_BODY && this.frame(header, 0, this.bodyLength)) {
          this.header = null;
          this.state = 'HEADER';
          return true;
        }
        const offset = this.offset - 5;
        const body = this.take(this.bodyLength);
        this.records++;
        out.push({ kind: 'record', record: { offset, type: header[0], version: (header[1] << 8) | header[2], header, body } });
        this.header = null;
        this.state = 'HEADER';
        return true;
      }
      case 'LOST': {
        // Scan for the next plausible record header; everything skipped is still counted.
        const n = this.queue.length;
        for (let i = 0; i + 5 <= n; i++) {
          if (plausibleHeader(this.queue.at(i), this.queue.at(i + 1), this.queue.at(i + 2), (this.queue.at(i + 3) << 8) | this.queue.at(i + 4))) {
            this.take(i);
            this.state = 'HEADER';
            return true;
          }
        }
        if (n > 4) this.take(n - 4);
        return false;
      }
      case 'DEAD':
        if (this.queue.length > 0) this.take(this.queue.length);
        return false;
    }
  }

  /**
   * Offers a whole record to the bulk fast path: `header`, and its body of `len` bytes from queue position `at` (5
   * while the header is still queued, 0 once it was taken). true: it took the record, whose bytes are dropped.
   */
  private frame(header: Uint8Array, at: number, len: number): boolean {
    const n = Math.min(len, this.frameTail.length);
    if (!(this.bulkFrame as BulkFrame)(header, len, this.queue.view(at + len - n, n, this.frameTail))) return false;
    this.queue.skip(at + len);
    this.offset += at + len;
    this.records++;
    return true;
  }

  private framingError(out: RecordOutput[], code: DecodeErrorCode, message: string): void {
    this.framingErrors++;
    out.push({ kind: 'error', error: { code, message, offset: this.offset } });
    this.take(1); // never rescan from the same byte
    if (this.framingErrors >= MAX_FRAMING_ERRORS) {
      out.push({ kind: 'error', error: { code: 'TLSLAB_ERR_DECODE_RESYNC_GAVE_UP', message: DECODE_ERRORS.TLSLAB_ERR_DECODE_RESYNC_GAVE_UP, offset: this.offset } });
      this.state = 'DEAD';
    } else {
      this.state = 'LOST';
    }
  }

  /** The direction ended: a partial record is a truncation error. */
  end(): RecordError | null {
    if (this.state === 'LOST' || this.state === 'DEAD') return null;
    if (this.state === 'BODY' || this.queue.length > 0) {
      const got = this.state === 'BODY' ? 5 + this.queue.length : this.queue.length;
      const want = this.state === 'BODY' ? 5 + this.bodyLength : 5;
      return { code: 'TLSLAB_ERR_DECODE_TRUNCATED', message: `The stream ended after ${got} of the record's ${want} bytes`, offset: this.pendingOffset };
    }
    return null;
  }
}

function hex5(q: ByteQueue, n: number): string {
  let s = '';
  for (let i = 0; i < Math.min(n, q.length); i++) s += q.at(i).toString(16).padStart(2, '0');
  return s;
}
