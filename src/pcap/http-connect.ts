// The HTTP CONNECT exchange that opens a proxied TCP stream (RFC 9110 §9.3.6): the client's CONNECT request head and
// the proxy's 2xx answer come before the tunnel's first byte. Pure: finds where they end, so a reader can decode the
// tunnel (TLS) from the byte after them.

/** Longest head looked for; a stream whose first bytes are no complete head by then has none. */
export const MAX_CONNECT_HEAD = 16 * 1024;

const CRLF2 = [13, 10, 13, 10];

function headEnd(b: Uint8Array): number {
  const n = Math.min(b.length, MAX_CONNECT_HEAD);
  outer: for (let i = 0; i + 4 <= n; i++) {
    for (let k = 0; k < 4; k++) if (b[i + k] !== CRLF2[k]) continue outer;
    return i + 4;
  }
  return -1;
}

/**
 * The length of the proxy head at the start of a stream's bytes: a `CONNECT` request head from the client, or an
 * `HTTP/1.x 2xx` answer from the server (RFC 9110 §15.3: a 2xx to CONNECT starts the tunnel). 0 when the stream does
 * not start with one; `'more'` when it may, but the head is not complete in `bytes` yet.
 */
export function proxyHeadLength(bytes: Uint8Array, from: 'client' | 'server'): number | 'more' {
  const want = from === 'client' ? 'CONNECT ' : 'HTTP/1.';
  if (!prefixMatches(bytes.subarray(0, want.length), want)) return 0;
  if (bytes.length < want.length) return 'more';
  if (from === 'server') {
    // "HTTP/1.1 2xx": the status code's first digit, after the version and a space.
    if (bytes.length < 10) return 'more';
    if (bytes[8] !== 0x20 || bytes[9] !== 0x32) return 0;
  }
  const end = headEnd(bytes);
  if (end > 0) return end;
  return bytes.length < MAX_CONNECT_HEAD ? 'more' : 0;
}

/** The bytes so far agree with the start of `want` (all of them, when there are enough). */
function prefixMatches(prefix: Uint8Array, want: string): boolean {
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== want.charCodeAt(i)) return false;
  return true;
}

/**
 * Skips the proxy head at the start of one direction of a stream: holds bytes until it knows whether they start with
 * one (at most MAX_CONNECT_HEAD), then passes on what follows it — or everything, when there is none.
 */
export class ProxyHeadSkipper {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private decided = false;
  /** Bytes of proxy head skipped (0: none). */
  skipped = 0;

  constructor(private readonly from: 'client' | 'server') {}

  /** The next bytes of the direction: what to decode now (null while it is not known yet). */
  push(bytes: Uint8Array): Uint8Array | null {
    if (this.decided) return bytes;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    const all = this.held.length === 1 ? bytes : concat(this.held, this.heldBytes);
    const n = proxyHeadLength(all, this.from);
    if (n === 'more') {
      this.held = [all];
      return null;
    }
    this.decided = true;
    this.held = [];
    this.skipped = n;
    return all.subarray(n);
  }

  /** The direction ended before it was known: what was held, as it was. */
  flush(): Uint8Array | null {
    if (this.decided || this.heldBytes === 0) return null;
    this.decided = true;
    const all = concat(this.held, this.heldBytes);
    this.held = [];
    return all;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
