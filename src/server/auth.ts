// Access control for the dashboard server: the token (query, bearer header or cookie), loopback detection,
// and the Host/Origin checks that stop DNS rebinding and cross-site WebSocket reads. Pure over request heads.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'tlslab_token';

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/** Constant-time comparison (both sides hashed first, so lengths leak nothing either). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Where a request carries a token: `?token=`, `Authorization: Bearer`, or the cookie. */
export interface PresentedToken {
  value: string;
  source: 'query' | 'bearer' | 'cookie';
}

export function tokenFromRequest(req: IncomingMessage, url: URL): PresentedToken | null {
  const q = url.searchParams.get('token');
  if (q !== null && q !== '') return { value: q, source: 'query' };
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m !== null) return { value: m[1], source: 'bearer' };
  }
  const c = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  return c === null || c === '' ? null : { value: c, source: 'cookie' };
}

/** The `Set-Cookie` value that remembers a token for this origin. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
}

/** `url`'s path and query without `token`: where `/?token=…` sends the browser once the cookie is set. */
export function withoutToken(url: URL): string {
  const q = new URLSearchParams(url.searchParams);
  q.delete('token');
  const rest = q.toString();
  return `${url.pathname}${rest ? `?${rest}` : ''}`;
}

export type AuthResult = { ok: true; presented: PresentedToken | null } | { ok: false; status: 401 | 403; message: string };

/**
 * Decides whether a request may proceed.
 * - With a token configured: the request must present it (any of the three ways).
 * - Without one (loopback only): the Host header must name a loopback address or the bound host, so a web
 *   page cannot reach the server by rebinding its own DNS name to 127.0.0.1.
 * - WebSocket upgrades from a browser must be same-origin (WebSockets are not covered by CORS).
 */
export function authorize(req: IncomingMessage, url: URL, opts: { token: string | null; bindHost: string; upgrade: boolean }): AuthResult {
  const presented = tokenFromRequest(req, url);
  if (opts.token !== null) {
    if (presented === null) return { ok: false, status: 401, message: 'This dashboard needs its access token (?token=…, Authorization: Bearer …, or the cookie).' };
    if (!tokensEqual(presented.value, opts.token)) return { ok: false, status: 401, message: 'Wrong access token.' };
  } else {
    const hostHeader = req.headers.host ?? '';
    const hostname = hostOnly(hostHeader);
    if (!isLoopbackHost(hostname) && hostname !== opts.bindHost.toLowerCase()) {
      return { ok: false, status: 403, message: `Host "${hostHeader.slice(0, 100)}" is not this dashboard's address.` };
    }
  }
  if (opts.upgrade) {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let originHost: string;
      try {
        originHost = new URL(origin).host.toLowerCase();
      } catch {
        return { ok: false, status: 403, message: 'Malformed Origin header.' };
      }
      if (originHost !== (req.headers.host ?? '').toLowerCase()) {
        return { ok: false, status: 403, message: 'Cross-origin WebSocket connections are refused.' };
      }
    } else if (origin === 'null') {
      return { ok: false, status: 403, message: 'Cross-origin WebSocket connections are refused.' };
    }
  }
  return { ok: true, presented };
}

/** `example.com:8081` → `example.com`; `[::1]:8081` → `::1`. */
function hostOnly(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(1, end);
  }
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** The host name of the student view: through the proxy, http://tlslab/ (and https://tlslab/) is tlslab itself. */
export const STUDENT_VIEW_HOST = 'tlslab';

/**
 * The student view's WebSocket check. Who is asking comes from the proxy sign-in (no token); what is checked here is
 * that a browser opened it from the view's own page: an `Origin` of http(s)://tlslab (any port: every tlslab:PORT is
 * tlslab). Any other page the student's browser runs would otherwise ride on their proxy sign-in, which the browser
 * sends by itself like a cookie. No `Origin` (a non-browser client) is let through: it holds the sign-in itself.
 */
export function authorizeStudentUpgrade(req: IncomingMessage): { ok: true } | { ok: false; status: 403; message: string } {
  const from = studentViewOrigin(req);
  if (from === 'ours' || from === 'none') return { ok: true };
  return { ok: false, status: 403, message: from === 'malformed' ? 'Malformed Origin header.' : `Your view's stream opens from its own page (http://${STUDENT_VIEW_HOST}/) only.` };
}

/**
 * Where a request to the student view says it comes from: no `Origin` (not a browser's cross-origin request), the
 * view's own page (http(s)://tlslab, any port), another page, or an unreadable header. What the stream and the
 * student's writes (`PUT /api/lessons/progress`, `POST /api/lessons/:id/answer`) check.
 */
export function studentViewOrigin(req: IncomingMessage): 'none' | 'ours' | 'other' | 'malformed' {
  const origin = req.headers.origin;
  if (origin === undefined) return 'none';
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    return 'malformed';
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.toLowerCase() === STUDENT_VIEW_HOST ? 'ours' : 'other';
}
