// Reads a client's first flight as it arrives: record headers one by one, the handshake header inside them, and
// the ClientHello parsed once, when its last record is in. Pure: bytes in, a verdict out; no I/O, no timers.
import type { ClientHelloDetails } from '../events/schema';
import type { ErrorCode } from '../errors';
import { DECODE_ERRORS, parseClientHello, type DecodeErrorCode } from '../tls';
import { rememberingClientHellos } from '../tls/messages';

/** A ClientHello (4-byte header included) larger than this is refused. Real ones are < 2 KiB, post-quantum < 4 KiB. */
export const MAX_HELLO_BYTES = 64 * 1024;
/** Records that may carry the ClientHello: real clients use one, a post-quantum hello may need two. */
export const MAX_HELLO_RECORDS = 64;
/** RFC 8446 §5.1: TLSPlaintext.length must not exceed 2^14 (RFC 5246 §6.2.3 allows 2^14 + 2048 for ciphertext). */
const MAX_RECORD_BODY = 16384 + 2048;
/** RFC 8446 §5.1: ContentType handshake. */
const HANDSHAKE = 22;
/** RFC 8446 §4: HandshakeType client_hello. */
const CLIENT_HELLO = 1;

export type HelloVerdict =
  | { kind: 'more' }
  | { kind: 'hello'; hello: ClientHelloDetails }
  | { kind: 'not-tls' }
  | { kind: 'malformed'; code: string; message: string };

/** The record count limit's code (the others are the decoder's). */
export const TOO_MANY_RECORDS = 'TLSLAB_ERR_CLIENT_HELLO_RECORDS' satisfies ErrorCode;

type State = 'START' | 'SSLV2' | 'HEADER' | 'BODY' | 'DONE';

const malformed = (code: DecodeErrorCode | typeof TOO_MANY_RECORDS, message?: string): HelloVerdict => ({
  kind: 'malformed',
  code,
  message: message ?? DECODE_ERRORS[code as DecodeErrorCode],
});

/**
 * An explicit state machine over the incoming bytes (START → HEADER → BODY → HEADER …, or START → SSLV2). Each byte
 * is looked at once; only the 5-byte record header and the 4-byte handshake header are copied. The bytes themselves
 * are kept as they came (`bytes()`), for the one parse and for replaying them into the TLS socket or a raw relay.
 */
export class ClientHelloReader {
  private state: State = 'START';
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private readonly header = Buffer.alloc(5);
  private headerHave = 0;
  private bodyLeft = 0;
  private records = 0;
  private readonly hsHeader = Buffer.alloc(4);
  /** Handshake bytes seen so far, across records (RFC 8446 §5.1: a message may span records). */
  private hsHave = 0;
  /** The ClientHello's size, header included, once its 4-byte header is in. */
  private hsTotal = -1;
  private sslv2Length = -1;
  private verdict: HelloVerdict = { kind: 'more' };
  /** Stream offset of the chunk being read. */
  private base = 0;
  /** Where the verdict was reached: a malformed flight is shown up to here, not beyond. */
  private consumed = 0;
  /** How many times the (whole-message) ClientHello parser ran: at most once per reader. */
  parses = 0;

  /** Everything received, exactly as it came (one copy, made on demand). */
  bytes(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.received);
  }

  get length(): number {
    return this.received;
  }

  /** How many of the bytes received were read to reach the verdict (all of them until there is one). */
  get examined(): number {
    return this.state === 'DONE' ? this.consumed : this.received;
  }

  push(chunk: Buffer): HelloVerdict {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.received += chunk.length;
    }
    this.base = this.received - chunk.length;
    let i: number | null = 0;
    while (i !== null) i = this.step(chunk, i);
    return this.verdict;
  }

  /** Settles the verdict, reached after `at` bytes of the current chunk (all of them by default). */
  private finish(v: HelloVerdict, at = this.received - this.base): null {
    this.verdict = v;
    this.consumed = this.base + at;
    this.state = 'DONE';
    return null;
  }

  /** One transition over `chunk` from `i`; returns where the next one starts, or null to wait for more bytes. */
  private step(chunk: Buffer, i: number): number | null {
    switch (this.state) {
      case 'START': {
        const first = this.chunks[0]?.[0];
        if (first === undefined) return null;
        // 0x16: a TLS handshake record; 0x80: an SSLv2-compatible ClientHello header (RFC 5246 Appendix E.2).
        if (first !== 0x16 && first !== 0x80) return this.finish({ kind: 'not-tls' });
        this.state = first === 0x80 ? 'SSLV2' : 'HEADER';
        return i;
      }
      case 'SSLV2': {
        // A 2-byte length with the high bit set, then msg_type client_hello: at most 2 + 255 bytes after 0x80.
        if (this.received < 3) return null;
        if (this.sslv2Length < 0) {
          const head = this.bytes();
          if (head[2] !== CLIENT_HELLO) return this.parse();
          this.sslv2Length = ((head[0] & 0x7f) << 8) | head[1];
        }
        if (this.received < 2 + this.sslv2Length) return null;
        return this.parse();
      }
      case 'HEADER': {
        const n = Math.min(5 - this.headerHave, chunk.length - i);
        if (n === 0) return null;
        chunk.copy(this.header, this.headerHave, i, i + n);
        this.headerHave += n;
        if (this.headerHave < 5) return null;
        this.headerHave = 0;
        // RFC 8446 §5.1: ContentType, legacy_record_version, length.
        const len = this.header.readUInt16BE(3);
        if (this.header[0] !== HANDSHAKE || this.header[1] !== 3) {
          return this.finish(this.records === 0 ? malformed('TLSLAB_ERR_DECODE_NOT_TLS') : malformed('TLSLAB_ERR_DECODE_RECORD_HEADER', 'The ClientHello is interrupted by a record that is not a handshake record'), i + n);
        }
        if (len > MAX_RECORD_BODY) return this.finish(malformed('TLSLAB_ERR_DECODE_RECORD_OVERFLOW'), i + n);
        if (len === 0) return this.finish(malformed('TLSLAB_ERR_DECODE_RECORD_EMPTY'), i + n);
        this.records += 1;
        if (this.records > MAX_HELLO_RECORDS) {
          return this.finish(malformed(TOO_MANY_RECORDS, `the ClientHello is split over more than ${MAX_HELLO_RECORDS} TLS records (real clients use one or two)`), i + n);
        }
        this.bodyLeft = len;
        this.state = 'BODY';
        return i + n;
      }
      case 'BODY': {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        if (n === 0) return null;
        // Only the handshake header is copied; the rest of the fragment is counted.
        if (this.hsHave < 4) {
          const h = Math.min(4 - this.hsHave, n);
          chunk.copy(this.hsHeader, this.hsHave, i, i + h);
          if (this.hsHave === 0 && this.hsHeader[0] !== CLIENT_HELLO) {
            return this.finish(malformed('TLSLAB_ERR_DECODE_NOT_CLIENT_HELLO', `The first handshake message has type ${this.hsHeader[0]}, not client_hello (1)`), i + h);
          }
          if (this.hsHave + h === 4) {
            // RFC 8446 §4: msg_type (1 byte), length (3 bytes).
            this.hsTotal = this.hsHeader.readUIntBE(1, 3) + 4;
            if (this.hsTotal > MAX_HELLO_BYTES) {
              return this.finish(malformed('TLSLAB_ERR_DECODE_HANDSHAKE_TOO_LARGE', `the ClientHello announces ${this.hsTotal} bytes; tlslab reads at most ${MAX_HELLO_BYTES}`), i + h);
            }
          }
        }
        this.hsHave += n;
        this.bodyLeft -= n;
        if (this.bodyLeft > 0) return null;
        this.state = 'HEADER';
        if (this.hsTotal >= 0 && this.hsHave >= this.hsTotal) return this.parse(i + n);
        return i + n;
      }
      case 'DONE':
        return null;
    }
  }

  /**
   * The one parse: the message is whole (its last record ends `at` bytes into the current chunk). Its result is
   * remembered for the client leg's decoder, which then does not parse the same ClientHello again.
   */
  private parse(at?: number): null {
    this.parses += 1;
    const bytes = this.bytes();
    const r = rememberingClientHellos(() => parseClientHello(bytes));
    if (r.ok) return this.finish({ kind: 'hello', hello: r.details }, at);
    if (r.needMore) return this.finish(malformed('TLSLAB_ERR_DECODE_INTERNAL', 'the ClientHello parser wanted more bytes than its records hold'), at);
    return this.finish({ kind: 'malformed', code: r.code, message: r.message }, at);
  }
}
