// The answers classroom mode gives instead of proxying: 407 (sign in), 429 (too many failed sign-ins), 403 (the
// address guard, fair share). Built as values, serialized for a raw CONNECT socket or written to a ServerResponse.
import type { RefusalReason } from './address-guard';
import type { AuthFailure } from './proxy-auth';
import { STUDENT_TEXT, studentText, type StudentTextKey } from './student-text';

export interface ProxyAnswer {
  status: 403 | 407 | 429;
  statusText: string;
  headers: [string, string][];
  /** UTF-8 plain text. */
  body: string;
}

/** RFC 7230 §3.2.6 quoted-string: backslash-escape `"` and `\`; the realm text is ASCII by construction. */
function quoted(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** The `Proxy-Authenticate` challenge: RFC 7617 §2 Basic with a realm, and §2.1 `charset="UTF-8"`. */
export const PROXY_AUTHENTICATE = `Basic realm=${quoted(STUDENT_TEXT['auth.realm'])}, charset="UTF-8"`;

function answer(status: ProxyAnswer['status'], statusText: string, lines: string[], extra: [string, string][] = []): ProxyAnswer {
  const body = `${lines.join('\n\n')}\n`;
  return {
    status,
    statusText,
    headers: [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(Buffer.byteLength(body))],
      ['Cache-Control', 'no-store'],
      // The body may quote what was asked (a host): it stays text, never sniffed as HTML.
      ['X-Content-Type-Options', 'nosniff'],
      ...extra,
      // Each refusal ends the connection: a client that was refused starts over on a fresh one.
      ['Connection', 'close'],
    ],
    body,
  };
}

/** Which sentence says what went wrong with a sign-in. */
const AUTH_FAILURE_TEXT = {
  missing: 'auth.missing',
  'too-long': 'auth.malformed',
  'not-basic': 'auth.malformed',
  'bad-base64': 'auth.malformed',
  'not-utf8': 'auth.malformed',
  'no-colon': 'auth.malformed',
  'control-character': 'auth.malformed',
  'empty-name': 'auth.empty-name',
  'wrong-code': 'auth.wrong-code',
  'name-in-use': 'auth.name-in-use',
} as const satisfies Record<AuthFailure | 'name-in-use', StudentTextKey>;

/** RFC 7235 §3.2: 407 with a challenge. `proxy` is `host:port` as the student reaches it (for the curl line). */
export function proxyAuthRequired(failure: AuthFailure | 'name-in-use', proxy: string): ProxyAnswer {
  return answer(
    407,
    'Proxy Authentication Required',
    [studentText('auth.intro'), studentText(AUTH_FAILURE_TEXT[failure]), studentText('auth.what-to-type'), studentText('auth.curl', { proxy })],
    [['Proxy-Authenticate', PROXY_AUTHENTICATE]],
  );
}

/**
 * RFC 6585 §4: 429 with Retry-After (RFC 9110 §10.2.3, seconds). Sent instead of 407 while an address is over
 * its failure limit: the credentials are not checked at all, and a 407 would make the browser ask again and
 * then refuse the right code without saying why.
 */
export function tooManyFailures(retryAfterMs: number): ProxyAnswer {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return answer(429, 'Too Many Requests', [studentText('limit.failures', { seconds })], [['Retry-After', String(seconds)]]);
}

const REFUSAL_TEXT = {
  'client-unknown': 'refused.client-unknown',
  'client-public': 'refused.client-public',
  'target-invalid': 'refused.target-invalid',
  'target-unresolved': 'refused.target-unresolved',
  'target-loopback': 'refused.target-loopback',
  'target-unspecified': 'refused.target-unspecified',
  'target-link-local': 'refused.target-link-local',
  'target-this-machine': 'refused.target-this-machine',
  'target-tlslab-port': 'refused.target-tlslab-port',
} as const satisfies Record<RefusalReason, StudentTextKey>;

/** The sentence for a refusal, for the 403 body and for the event a dashboard shows. */
export function refusalSentence(reason: RefusalReason, view = 'http://tlslab/'): string {
  return studentText(REFUSAL_TEXT[reason], { view });
}

/** RFC 9110 §15.5.4: 403 from the address guard. `target` is what the student asked for (`host:port`). */
export function guardRefused(reason: RefusalReason, target: string, view = 'http://tlslab/'): ProxyAnswer {
  const lines = reason.startsWith('client-') ? [refusalSentence(reason, view)] : [studentText('refused.intro', { target: target.slice(0, 200) }), refusalSentence(reason, view)];
  return answer(403, 'Forbidden', lines);
}

/** 429 when a student's fair share is used up (fair-share.ts says which limit bit). */
export function shareExceeded(limit: 'concurrent-tunnels' | 'connection-rate', value: number, retryAfterMs: number): ProxyAnswer {
  const key = limit === 'concurrent-tunnels' ? 'share.concurrent-tunnels' : 'share.connection-rate';
  return answer(429, 'Too Many Requests', [studentText(key, { limit: value })], [['Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000)))]]);
}

/** The answer as bytes for a socket that has not been answered yet (a CONNECT, before `200 Connection Established`). */
export function serializeAnswer(a: ProxyAnswer, extraHeaders: [string, string][] = []): Buffer {
  const head = [`HTTP/1.1 ${a.status} ${a.statusText}`, ...[...a.headers, ...extraHeaders].map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), Buffer.from(a.body, 'utf8')]);
}
