// Masks credentials in decrypted application data before its preview leaves the process: the secret bytes become
// `*` in place, so lengths and byte ranges stay. Pure: plaintext in (per direction, in order), masked copies out.
import type { Side } from '../events/schema';
import { CHAR, MASK, NameBuffer, ParamScanner } from './redact';

export { MASK };


interface StreamMasker {
  /** Advances over `data`; masks, in `out`, the secret bytes among the first `out.length`. */
  run(data: Uint8Array, out: Uint8Array): void;
  /** Bytes of this direction went by unseen: what follows has no known context. */
  lost(): void;
}

const { CLASS, TOKEN, ALNUM } = CHAR;
// Where a line is (plain numbers: this loop runs per byte): its start, a header name (and whitespace after it), a
// secret header's value, other text.
const START = 0;
const NAME = 1;
const NAME_SPACE = 2;
const SECRET = 3;
const TEXT = 4;

/**
 * HTTP/1.x (and any line-based text) in one direction: values of credential header fields (RFC 9112 §5, with
 * obs-fold continuation lines, §5.2) and credential parameters anywhere — request targets, `Referer` and
 * `Location`, form and JSON bodies. Lines that only look like headers (in a body) are masked too: it only costs
 * some preview. After unseen bytes, everything up to the next line feed is masked (it may continue a secret).
 */
export class LineMasker implements StreamMasker {
  private state = START;
  private readonly header = new NameBuffer();
  private readonly params = new ParamScanner();
  private prevSecret = false;
  /** In a secret value: still on the whitespace right after the colon (shown). */
  private lead = false;

  lost(): void {
    this.state = SECRET;
    this.lead = false;
    this.params.reset();
  }

  run(data: Uint8Array, out: Uint8Array): void {
    this.params.scan(data, 0, out.length, out);
    this.params.skip(data, out.length, data.length);
    const n = data.length;
    let i = 0;
    while (i < n) {
      const state = this.state;
      if (state === TEXT || state === SECRET) {
        if (state === SECRET && this.lead) {
          while (i < n && (data[i] === 0x20 || data[i] === 0x09)) i++; // the whitespace after the colon is shown
          if (i === n) return;
          this.lead = false;
        }
        const lf = data.indexOf(0x0a, i);
        if (state === SECRET) {
          let end = lf < 0 ? n : lf;
          if (end > i && data[end - 1] === 0x0d) end--; // the line's CR stays, wherever the chunk ends
          if (i < out.length) out.fill(MASK, i, Math.min(end, out.length));
        }
        if (lf < 0) return;
        this.prevSecret = state === SECRET;
        this.state = START;
        i = lf + 1;
        continue;
      }
      // START, NAME, NAME_SPACE: byte by byte until the line is known to be a header field or text.
      const c = data[i];
      const k = CLASS[c];
      const blank = c === 0x20 || c === 0x09; // SP, HTAB
      if (c === 0x0a) {
        this.prevSecret = false;
        this.state = START;
      } else if (state === START) {
        if (blank) {
          // obs-fold (RFC 9112 §5.2): a continuation of the previous field's value
          this.state = this.prevSecret ? SECRET : TEXT;
          this.lead = false;
          continue; // this blank is part of the continuation: read it again in that state
        }
        if (k & TOKEN) {
          this.header.reset();
          if (k & ALNUM) this.header.push(c);
          this.state = NAME;
        } else this.state = TEXT;
      } else if (c === 0x3a /* : */) {
        this.state = this.header.credential ? SECRET : TEXT;
        this.lead = true;
      } else if (blank) this.state = NAME_SPACE;
      else if (k & TOKEN && state === NAME) {
        if (k & ALNUM) this.header.push(c);
      } else this.state = TEXT;
      i++;
    }
  }
}

/** RFC 9113 §3.4: the client connection preface. */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** RFC 9113 §6: frame types whose payload carries a header block fragment, and where the fragment starts. */
const FRAME = { DATA: 0x0, HEADERS: 0x1, PUSH_PROMISE: 0x5, CONTINUATION: 0x9 } as const;
const FLAG = { END_STREAM: 0x1, PADDED: 0x8, PRIORITY: 0x20 } as const;
const MAX_DATA_STREAMS = 256;

/**
 * HTTP/2 in one direction: frames are followed across records (RFC 9113 §4.1); the header block fragments of
 * HEADERS, PUSH_PROMISE and CONTINUATION frames are masked whole (HPACK literals, Huffman-coded or not, may hold
 * any header: §6.2, §6.6, §6.10), frame headers and the other frames stay visible, and DATA payloads are scanned
 * for credential parameters per stream. A stream that stops making sense as frames is masked from there on.
 */
export class H2Masker implements StreamMasker {
  private prefaceLeft: number;
  private readonly head = new Uint8Array(9);
  private headLen = 0;
  /** The current frame's payload: bytes left, and from which payload index bytes are masked. */
  private left = 0;
  private at = 0;
  private maskFrom = Infinity;
  private type = 0;
  private flags = 0;
  private stream = 0;
  private blind = false;
  private readonly data = new Map<number, ParamScanner>();

  constructor(client: boolean) {
    this.prefaceLeft = client ? PREFACE.length : 0;
  }

  lost(): void {
    this.blind = true;
  }

  run(data: Uint8Array, out: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      if (this.blind) {
        out.fill(MASK, Math.min(i, out.length));
        return;
      }
      if (this.prefaceLeft > 0) {
        const at = PREFACE.length - this.prefaceLeft;
        if (data[i] !== PREFACE[at]) {
          this.blind = true;
          continue;
        }
        this.prefaceLeft--;
        i++;
        continue;
      }
      if (this.left === 0 && this.headLen < 9) {
        this.head[this.headLen++] = data[i++];
        if (this.headLen === 9) this.frameStart();
        continue;
      }
      const n = Math.min(this.left, data.length - i);
      this.payload(data, i, n, out);
      i += n;
      this.at += n;
      this.left -= n;
      if (this.left === 0) this.frameEnd();
    }
  }

  private frameStart(): void {
    const h = this.head;
    this.left = (h[0] << 16) | (h[1] << 8) | h[2];
    this.type = h[3];
    this.flags = h[4];
    this.stream = ((h[5] & 0x7f) << 24) | (h[6] << 16) | (h[7] << 8) | h[8];
    this.at = 0;
    const padded = this.flags & FLAG.PADDED ? 1 : 0;
    this.maskFrom =
      this.type === FRAME.HEADERS ? padded + (this.flags & FLAG.PRIORITY ? 5 : 0)
      : this.type === FRAME.PUSH_PROMISE ? padded + 4
      : this.type === FRAME.CONTINUATION ? 0
      : Infinity;
    if (this.left === 0) this.frameEnd();
  }

  private frameEnd(): void {
    if (this.type === FRAME.DATA && this.flags & FLAG.END_STREAM) this.data.delete(this.stream);
    this.headLen = 0;
    this.maskFrom = Infinity;
  }

  private payload(data: Uint8Array, i: number, n: number, out: Uint8Array): void {
    if (this.maskFrom !== Infinity) {
      const from = i + Math.max(0, this.maskFrom - this.at);
      if (from < i + n && from < out.length) out.fill(MASK, from, Math.min(i + n, out.length));
      return;
    }
    if (this.type !== FRAME.DATA) return;
    let scan = this.data.get(this.stream);
    if (!scan) {
      scan = new ParamScanner();
      this.data.set(this.stream, scan);
      if (this.data.size > MAX_DATA_STREAMS) this.data.delete(this.data.keys().next().value as number);
    }
    const shown = Math.min(Math.max(out.length, i), i + n);
    scan.scan(data, i, shown, out);
    if (shown < i + n) scan.skip(data, shown, i + n);
  }
}

/**
 * One direction of one TLS conversation: picks HTTP/2 (ALPN `h2`, or a client that starts with the HTTP/2 preface)
 * or line rules (HTTP/1.x, WebSocket upgrades, anything else) at its first record, then masks every record's preview.
 */
export class AppDataMasker {
  private impl: StreamMasker | null = null;
  private lostBeforeStart = false;

  /** `alpn` is read once, at the first record (the handshake that negotiates it is over by then). */
  constructor(private readonly side: Side, private readonly alpn: () => string | null) {}

  /** The first `max` bytes of a record's plaintext, secrets masked; `null`: a record whose plaintext is unknown. */
  view(plaintext: Uint8Array | null, max: number): Uint8Array | null {
    if (plaintext === null) {
      if (this.impl) this.impl.lost();
      else this.lostBeforeStart = true;
      return null;
    }
    if (!this.impl) {
      this.impl = this.alpn() === 'h2' || (this.side === 'client' && startsLikePreface(plaintext)) ? new H2Masker(this.side === 'client') : new LineMasker();
      if (this.lostBeforeStart) this.impl.lost();
    }
    const out = Buffer.from(plaintext.subarray(0, Math.min(max, plaintext.length)));
    this.impl.run(plaintext, out);
    return out;
  }
}

function startsLikePreface(b: Uint8Array): boolean {
  const n = Math.min(b.length, PREFACE.length);
  return n > 0 && PREFACE.subarray(0, n).equals(b.subarray(0, n));
}
