// What never leaves the process in an event: credential header values, credential parameters in URLs, forms and
// JSON. One table of names for every place that shows HTTP (HTTP/1, HTTP/2, plain HTTP, previews). Pure.

/** How a name in `CREDENTIAL_NAMES` matches: the whole (normalized) name, or its end. */
type Match = 'exact' | 'suffix';

/**
 * Names whose values are credentials: header names, and parameter names in query strings, form bodies and JSON.
 * Compared after normalizing: percent-decoded, lowercased, everything but letters and digits dropped (`X-Api-Key`,
 * `api_key`, `apiKey` and `user%5Bapi_key%5D` all end in `apikey`). `suffix` also matches longer names that end so.
 */
export const CREDENTIAL_NAMES = {
  // RFC 9110 §11.6.2 / §11.7.2: Authorization, Proxy-Authorization
  authorization: 'suffix',
  // RFC 6265: Cookie, Set-Cookie
  cookie: 'suffix',
  // OAuth 2.0 (RFC 6749, RFC 6750 §2.3 `access_token`), OpenID `id_token`, X-CSRF-Token, X-Amz-Security-Token
  token: 'suffix',
  jwt: 'exact',
  // RFC 6749 §2.3.1 `client_secret`; any `…secret`
  secret: 'suffix',
  password: 'suffix',
  passwd: 'suffix',
  passphrase: 'suffix',
  pwd: 'exact',
  pass: 'exact',
  // API keys: `api_key`, `apikey`, X-Api-Key, `key` (Google APIs and many others)
  apikey: 'suffix',
  key: 'exact',
  auth: 'exact',
  // Signed URLs: AWS SigV4 `X-Amz-Signature` / `X-Amz-Credential`, Azure SAS `sig`, HTTP Message Signatures
  signature: 'suffix',
  sig: 'exact',
  credential: 'suffix',
  // Session identifiers: `session`, `sid`, `sessionid`, `JSESSIONID`, `PHPSESSID`
  session: 'exact',
  sessionid: 'suffix',
  sessid: 'suffix',
  sid: 'exact',
  // RFC 6749 §4.1.2: the authorization code a redirect carries; one-time codes and CAS tickets
  code: 'exact',
  otp: 'exact',
  ticket: 'exact',
} as const satisfies Record<string, Match>;

/** The table by last character: a name is checked against the few entries ending like it, byte by byte. */
const BY_LAST = new Map<number, { name: Uint8Array; suffix: boolean }[]>();
for (const [name, match] of Object.entries(CREDENTIAL_NAMES)) {
  const bytes = Buffer.from(name, 'latin1');
  const last = bytes[bytes.length - 1];
  BY_LAST.set(last, [...(BY_LAST.get(last) ?? []), { name: bytes, suffix: match === 'suffix' }]);
}

/** `buf[0, len)` (lowercase letters and digits) names a credential. `cut`: the name's start was lost. */
function isCredential(buf: Uint8Array, len: number, cut = false): boolean {
  if (len === 0) return false;
  const entries = BY_LAST.get(buf[len - 1]);
  if (!entries) return false;
  next: for (const e of entries) {
    const n = e.name.length;
    if (n > len || (!e.suffix && (n !== len || cut))) continue;
    for (let i = 2; i <= n; i++) if (buf[len - i] !== e.name[n - i]) continue next;
    return true;
  }
  return false;
}

/** Whether a header or parameter `name` (as sent) carries a credential. */
export function isCredentialName(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // not percent-encoded after all: compare it as sent
  }
  const normalized = Buffer.from(decoded.toLowerCase().replace(/[^a-z0-9]/g, ''), 'latin1');
  return isCredential(normalized, normalized.length);
}

/** The value to show for header `name` (any case): credentials as `[redacted]`, credential parameters masked. */
export function shownHeaderValue(name: string, value: string): string {
  return isCredentialName(name) ? '[redacted]' : redactParams(value);
}

/** A URL (absolute, path or authority form) with its userinfo and credential parameter values as `[redacted]`. */
export function redactUrl(url: string): string {
  const userinfo = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#@]*)@/.exec(url);
  const rest = userinfo ? `${userinfo[1]}[redacted]@${url.slice(userinfo[0].length)}` : url;
  return redactParams(rest);
}

/** Text with the value of every credential parameter (`token=…`, `"password": "…"`) replaced by `[redacted]`. */
export function redactParams(text: string): string {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes[i] = c < 256 ? c : 0x80; // strings in events are latin1; anything wider is neither a name nor a delimiter
  }
  const marks = new Uint8Array(text.length);
  new ParamScanner().scan(bytes, 0, bytes.length, marks);
  let out = '';
  let from = 0;
  for (let i = 0; i < marks.length; i++) {
    if (marks[i] !== MASK || (i > 0 && marks[i - 1] === MASK)) continue;
    let end = i;
    while (end < marks.length && marks[end] === MASK) end++;
    out += text.slice(from, i) + '[redacted]';
    from = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

// ----- the parameter scanner: one state machine for strings and byte streams ------------------------------------

/** The byte a masked byte becomes in previews. */
export const MASK = 0x2a; // '*'

const NAME = 1; // may be part of a parameter name: letters, digits, _ . - % [ ]
const VALUE_END = 2; // ends an unquoted value: & ; # , " ' < > } ] SP HTAB CR LF
const TOKEN = 4; // RFC 9110 §5.6.2 tchar: may be part of a header field name
const ALNUM = 8;

const CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  let k = 0;
  if (/[A-Za-z0-9]/.test(ch)) k |= ALNUM | NAME | TOKEN;
  if ('_.-%[]'.includes(ch)) k |= NAME;
  if ('&;#,"\'<>}] \t\r\n'.includes(ch)) k |= VALUE_END;
  if ("!#$%&'*+-.^_`|~".includes(ch)) k |= TOKEN;
  CLASS[c] = k;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/** A header name's normalized characters (lowercase letters and digits), bounded: a long one keeps its end. */
export class NameBuffer {
  private readonly buf = new Uint8Array(64);
  private len = 0;
  private cut = false;

  reset(): void {
    this.len = 0;
    this.cut = false;
  }

  /** Adds one character already known to be a letter or digit. */
  push(c: number): void {
    if (this.len === this.buf.length) {
      this.buf.copyWithin(0, 32);
      this.len -= 32;
      this.cut = true;
    }
    this.buf[this.len++] = lower(c);
  }

  get credential(): boolean {
    return isCredential(this.buf, this.len, this.cut);
  }
}

// Scanner states. IN_NAME: a name run reached the end of the last chunk; NAME_QUOTE: a name closed by `"`, a JSON
// key if `:` follows; JSON_COLON: after `"credential":`, before its value.
const OTHER = 0;
const IN_NAME = 1;
const NAME_QUOTE = 2;
const JSON_COLON = 3;
const VALUE = 4;
const QUOTED_VALUE = 5;
const QUOTED_ESCAPE = 6;

/** Raw bytes of a name kept: a longer one keeps its end (the suffix rules still apply). */
const MAX_NAME = 96;

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

function blank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * Finds credential values in a byte stream: `name=value` (query strings, form bodies, cookies, `;jsessionid=`
 * path parameters) and `"name": "value"` / `"name": value` (JSON), and writes `MASK` over them in `out`. Streaming:
 * a name or value split across chunks is still found. Fast where nothing happens: between an `=` or `"` and the
 * next, it only looks for the next one, and reads a name backwards from it.
 */
export class ParamScanner {
  private state = OTHER;
  /** The raw bytes of the name run at the end of the last chunk (state IN_NAME). */
  private readonly carry = new Uint8Array(MAX_NAME);
  private carryLen = 0;
  private carryCut = false;
  /** The name a NAME_QUOTE state closed was a credential. */
  private quoted = false;
  private readonly norm = new Uint8Array(2 * MAX_NAME);

  reset(): void {
    this.state = OTHER;
    this.carryLen = 0;
  }

  /** Scans `data[from, to)`; masks, in `out`, the bytes of credential values that fall below `out.length`. */
  scan(data: Uint8Array, from: number, to: number, out: Uint8Array): void {
    let i = from;
    while (i < to) {
      const state = this.state;
      if (state === VALUE) {
        let j = i;
        while (j < to && !((CLASS[data[j]]) & VALUE_END)) j++;
        mark(out, i, j);
        if (j < to) this.state = OTHER; // the delimiter is read again as OTHER
        i = j;
      } else if (state === QUOTED_VALUE || state === QUOTED_ESCAPE) {
        const c = data[i];
        if (c === 0x0a || (state === QUOTED_VALUE && c === 0x22)) {
          this.state = OTHER;
        } else {
          mark(out, i, i + 1);
          this.state = state === QUOTED_VALUE && c === 0x5c /* backslash */ ? QUOTED_ESCAPE : QUOTED_VALUE;
        }
        i++;
      } else if (state === JSON_COLON) {
        const c = data[i];
        if (blank(c)) i++;
        else if (c === 0x22) {
          this.state = QUOTED_VALUE;
          i++;
        } else this.state = CLASS[c] & VALUE_END || c === 0x7b || c === 0x5b ? OTHER : VALUE; // a bare JSON value
      } else if (state === NAME_QUOTE) {
        const c = data[i];
        if (c === 0x20 || c === 0x09) i++;
        else if (c === 0x3a /* : */) {
          this.state = this.quoted ? JSON_COLON : OTHER;
          i++;
        } else this.state = OTHER;
      } else {
        i = this.outside(data, from, i, to);
      }
    }
  }

  /** Outside a value: finds the next `=` or `"` and the name run before it. Returns where to go on. */
  private outside(data: Uint8Array, from: number, i: number, to: number): number {
    const carried = this.state === IN_NAME && i === from;
    let j = i;
    while (j < to) {
      const c = data[j];
      if (c === 0x3d || c === 0x22) break; // = "
      j++;
    }
    let k = j;
    while (k > i && (CLASS[data[k - 1]]) & NAME) k--;
    const joined = carried && k === from;
    if (j === to) {
      // The chunk ends: keep the name run it ends with.
      if (k === to) {
        this.state = OTHER;
        this.carryLen = 0;
      } else {
        this.keep(data, k, to, joined);
        this.state = IN_NAME;
      }
      return to;
    }
    const named = k < j || joined;
    const credential = named && this.credential(data, k, j, joined);
    this.carryLen = 0;
    if (data[j] === 0x3d) {
      this.state = credential ? VALUE : OTHER;
    } else {
      this.quoted = credential;
      this.state = named ? NAME_QUOTE : OTHER;
    }
    return j + 1;
  }

  private keep(data: Uint8Array, k: number, to: number, joined: boolean): void {
    if (!joined) {
      this.carryLen = 0;
      this.carryCut = false;
    }
    for (let x = k; x < to; x++) {
      if (this.carryLen === MAX_NAME) {
        this.carry.copyWithin(0, MAX_NAME / 2);
        this.carryLen = MAX_NAME / 2;
        this.carryCut = true;
      }
      this.carry[this.carryLen++] = data[x];
    }
  }

  /** Whether the name run `carry` (if `joined`) + `data[k, j)` is a credential: percent-decoded, normalized. */
  private credential(data: Uint8Array, k: number, j: number, joined: boolean): boolean {
    const start = j - k > MAX_NAME ? j - MAX_NAME : k;
    if (joined) {
      // The name began in an earlier chunk: normalize it whole, so a `%XX` split across the chunks still decodes.
      const whole = new Uint8Array(this.carryLen + (j - start));
      whole.set(this.carry.subarray(0, this.carryLen), 0);
      whole.set(data.subarray(start, j), this.carryLen);
      return isCredential(this.norm, this.normalize(whole, 0, whole.length, 0), this.carryCut || start > k);
    }
    return isCredential(this.norm, this.normalize(data, start, j, 0), start > k);
  }

  /** Appends `src[from, to)` to `norm` from `n`: `%XX` decoded, letters and digits only, lowercase. */
  private normalize(src: Uint8Array, from: number, to: number, n: number): number {
    for (let x = from; x < to; x++) {
      let c = src[x];
      if (c === 0x25 /* % */ && x + 2 < to) {
        const hi = hexDigit(src[x + 1]);
        const lo = hexDigit(src[x + 2]);
        if (hi >= 0 && lo >= 0) {
          c = hi * 16 + lo;
          x += 2;
        }
      }
      if (CLASS[c] & ALNUM) this.norm[n++] = lower(c);
    }
    return n;
  }

  /**
   * Advances over `data[from, to)` without masking: only the state at `to` matters, and after the last line feed
   * it is OTHER (every value, quoted or not, and every name ends at one), unless that line feed is whitespace
   * inside `"credential":` … value — then everything is scanned.
   */
  skip(data: Uint8Array, from: number, to: number): void {
    const p = data.lastIndexOf(0x0a, to - 1);
    if (p < from) {
      this.scan(data, from, to, NO_OUTPUT);
      return;
    }
    let w = p;
    while (w > from && blank(data[w - 1])) w--;
    if (w > from ? data[w - 1] === 0x3a /* : */ : this.state === JSON_COLON || this.state === NAME_QUOTE) {
      this.scan(data, from, to, NO_OUTPUT);
      return;
    }
    this.state = OTHER;
    this.carryLen = 0;
    this.scan(data, p + 1, to, NO_OUTPUT);
  }
}

const NO_OUTPUT = new Uint8Array(0);

function mark(out: Uint8Array, from: number, to: number): void {
  if (from < out.length) out.fill(MASK, from, Math.min(to, out.length));
}

/** Character classes for the byte maskers (`redact-bytes.ts`). */
export const CHAR = { CLASS, NAME, VALUE_END, TOKEN, ALNUM } as const;
