// Proxy authentication for classroom mode: the `Proxy-Authorization: Basic` header (RFC 7235 §4.4, RFC 7617 §2)
// read into a name and a password, then checked against the class code. Pure; any input gives a typed result.
import { classCodeMatches } from './class-code';
import { normalizeDisplayName } from './display-name';

/** Longer header values are refused unread: a name of NAME_MAX characters and a code fit in far less. */
export const MAX_HEADER = 1024;

export type CredentialsProblem =
  | 'too-long' // the header is over MAX_HEADER characters
  | 'not-basic' // another scheme (Bearer, Digest, …) or no credentials after `Basic`
  | 'bad-base64' // the token68 is not base64 (RFC 7235 §2.1, RFC 4648 §4)
  | 'not-utf8' // the decoded bytes are not UTF-8 (RFC 7617 §2.1: we announce charset="UTF-8")
  | 'no-colon' // RFC 7617 §2: user-pass = user-id ":" password
  | 'control-character'; // RFC 7617 §2: the user-id and password must not contain control characters

export type ParsedCredentials = { kind: 'missing' } | { kind: 'malformed'; problem: CredentialsProblem } | { kind: 'basic'; user: string; password: string };

/** RFC 7235 §2.1: `credentials = auth-scheme [ 1*SP ( token68 / … ) ]`; we also take tabs and extra spaces. */
const BASIC = /^[ \t]*basic[ \t]+(\S+)[ \t]*$/i;
/** RFC 4648 §4 alphabet; padding optional (some clients leave it out). */
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** RFC 7617 §2 (`CTL` of RFC 5234: U+0000–U+001F and U+007F), plus C1 controls, which no one types. */
const CTL = /\p{Cc}/u;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads a `Proxy-Authorization` header value as Node gives it (a string, or an array when a client repeated
 * the header — repeated credentials are refused, not guessed between). Never throws.
 */
export function parseProxyAuthorization(value: string | readonly string[] | undefined): ParsedCredentials {
  if (value === undefined) return { kind: 'missing' };
  if (typeof value !== 'string') {
    if (value.length === 0) return { kind: 'missing' };
    if (value.length > 1) return { kind: 'malformed', problem: 'not-basic' };
    return parseProxyAuthorization(value[0]);
  }
  if (value.length > MAX_HEADER) return { kind: 'malformed', problem: 'too-long' };
  if (value.trim() === '') return { kind: 'missing' };
  const m = BASIC.exec(value);
  if (m === null) return { kind: 'malformed', problem: 'not-basic' };
  const token = m[1];
  if (!BASE64.test(token) || token.replace(/=+$/, '').length % 4 === 1) return { kind: 'malformed', problem: 'bad-base64' };
  let text: string;
  try {
    text = decoder.decode(Buffer.from(token, 'base64'));
  } catch {
    return { kind: 'malformed', problem: 'not-utf8' };
  }
  const colon = text.indexOf(':');
  if (colon < 0) return { kind: 'malformed', problem: 'no-colon' };
  if (CTL.test(text)) return { kind: 'malformed', problem: 'control-character' };
  return { kind: 'basic', user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Why a request was not let in; each has a sentence in student-text.ts and counts (or not) as a failed attempt. */
export type AuthFailure = 'missing' | CredentialsProblem | 'empty-name' | 'wrong-code';

export type AuthResult = { ok: true; name: string; id: string } | { ok: false; failure: AuthFailure };

/** Whether a failure counts against the client's address in the failure limiter. */
export const COUNTS_AS_ATTEMPT = {
  // Browsers always send their first request without credentials and wait for the 407: not an attempt.
  missing: false,
  'too-long': true,
  'not-basic': true,
  'bad-base64': true,
  'not-utf8': true,
  'no-colon': true,
  'control-character': true,
  'empty-name': true,
  'wrong-code': true,
} as const satisfies Record<AuthFailure, boolean>;

/**
 * The whole check: parse, compare the password with the class code (constant time), normalize the name. The
 * code is checked before the name, so a wrong code with an empty name is reported as a wrong code.
 */
export function authenticate(header: string | readonly string[] | undefined, classCode: string): AuthResult {
  const parsed = parseProxyAuthorization(header);
  if (parsed.kind === 'missing') return { ok: false, failure: 'missing' };
  if (parsed.kind === 'malformed') return { ok: false, failure: parsed.problem };
  if (!classCodeMatches(parsed.password, classCode)) return { ok: false, failure: 'wrong-code' };
  const name = normalizeDisplayName(parsed.user);
  if (!name.ok) return { ok: false, failure: 'empty-name' };
  return { ok: true, name: name.name, id: name.id };
}
