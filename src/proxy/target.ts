// Where a plain-HTTP request or a WebSocket upgrade sent to the proxy goes: its host and port, read and checked before
// any socket or library sees them. Pure: strings in, a target or a named problem out.
import net from 'node:net';

export interface Target {
  /** Lower-case DNS name or IPv4 address, or an IPv6 address without brackets. */
  host: string;
  port: number;
}

/** Why a request names no server tlslab can contact. */
export type TargetProblem = 'no-host' | 'two-hosts' | 'bad-host' | 'bad-port' | 'userinfo' | 'bad-scheme' | 'bad-path';

/** One sentence per problem, shown on the 400 page and in the `conn:error` event. */
export const TARGET_PROBLEMS = {
  'no-host': 'The request names no server: a path like /index.html needs a Host header, or send the full URL http://host/path (RFC 9112 §3.2).',
  'two-hosts': 'The request carries more than one Host header, so which server it means is ambiguous (RFC 9112 §3.2).',
  'bad-host':
    'The host is not a DNS name (letters, digits, "-", "_" and dots, in ASCII: punycode for other scripts) nor an IP address (IPv6 goes in brackets: [::1]:8080).',
  'bad-port': 'The port is not a number from 1 to 65535.',
  userinfo: 'The URL carries a user name or password before "@": tlslab refuses it, as RFC 9110 §4.2.4 asks, instead of sending credentials on.',
  'bad-scheme': 'tlslab proxies http:// (and ws://) URLs here; https:// and wss:// go through a CONNECT tunnel, which browsers and curl open by themselves.',
  'bad-path': 'The request target must be a path starting with "/" or a full http:// URL, in visible ASCII, without a #fragment (RFC 9112 §3.2).',
} as const satisfies Record<TargetProblem, string>;

/** What a request asks for: a server, and what to send it. */
export interface RequestTarget extends Target {
  /** The request target in origin form (RFC 9112 §3.2.1): path and query, always starting with `/`. */
  path: string;
  /** `host[:port]` for the Host header the server receives (port omitted when it is 80). */
  authority: string;
  /** The client sent the absolute form `http://host/path` (what a client configured with a proxy sends). */
  absolute: boolean;
}

export type TargetResult =
  | { ok: true; target: RequestTarget }
  | {
      ok: false;
      problem: TargetProblem;
      /** What the client asked for, bounded and printable, credentials cut out: safe to show on a page and in events. */
      shown: string;
      /** The port, when it could be read (else 0). */
      port: number;
    };

const DEFAULT_PORT = 80;
const MAX_SHOWN = 120;

// RFC 1123 §2.1 labels (letters, digits, inner hyphens, up to 63), plus "_" as real DNS names carry it;
// RFC 1035 §2.3.4: at most 253 characters without the root dot. IPv4 dotted quads match this too.
const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`);

/** RFC 3986 §3.2.2 host, restricted to what can be resolved and connected to. Returns the canonical form or null. */
export function parseHost(text: string): string | null {
  const bracketed = /^\[([^\]]*)\]$/.exec(text);
  if (bracketed) {
    const inner = bracketed[1];
    return net.isIPv6(inner) && !inner.includes('%') ? inner.toLowerCase() : null;
  }
  const host = text.toLowerCase();
  if (host.length === 0 || host.replace(/\.$/, '').length > 253) return null;
  return DNS_NAME.test(host) ? host : null;
}

type AuthorityResult = { ok: true; target: Target } | { ok: false; problem: TargetProblem; port: number };

/**
 * RFC 3986 §3.2: `host[:port]`, with `defaultPort` when the port is absent or empty (§3.2.3) — or a problem when
 * `defaultPort` is null and no port is given (as in CONNECT's authority form, RFC 9112 §3.2.3).
 */
export function parseAuthority(text: string, defaultPort: number | null): AuthorityResult {
  if (text.includes('@')) return { ok: false, problem: 'userinfo', port: 0 };
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(text);
  if (!m) return { ok: false, problem: 'bad-host', port: 0 };
  const portText = m[2] ?? '';
  let port: number;
  if (portText === '') {
    if (defaultPort === null) return { ok: false, problem: 'bad-port', port: 0 };
    port = defaultPort;
  } else {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
    if (!(port >= 1 && port <= 65535)) return { ok: false, problem: 'bad-port', port: 0 };
  }
  const host = parseHost(m[1]);
  if (host === null) return { ok: false, problem: 'bad-host', port };
  return { ok: true, target: { host, port } };
}

/** `host[:port]` as it goes in a Host header or a URL: IPv6 in brackets, port omitted when it is the default. */
export function formatAuthority(t: Target, defaultPort = DEFAULT_PORT): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return t.port === defaultPort ? host : `${host}:${t.port}`;
}

/** Which absolute-form schemes a request may use on the plain front. */
export type FrontKind = 'http' | 'websocket';

const SCHEMES: Readonly<Record<FrontKind, readonly string[]>> = {
  http: ['http'],
  websocket: ['http', 'ws'],
};

// RFC 9112 §3.2: the request target is visible ASCII; bytes 0x80–0xFF are let through as many servers accept raw
// UTF-8. A fragment is never sent (RFC 9110 §7.1).
const PATH_OK = /^[\x21-\x22\x24-\x7e\x80-\xff]*$/;

/**
 * Reads a plain-HTTP request target (RFC 9112 §3.2): origin form `/path` with its Host header, or absolute form
 * `http://host[:port]/path`, where the URL's authority wins over any Host header (§3.2.2). `hosts` holds every Host
 * header line the request carried.
 */
export function parseRequestTarget(url: string, hosts: readonly string[], kind: FrontKind): TargetResult {
  const fail = (problem: TargetProblem, authority: string, port = 0): TargetResult => ({ ok: false, problem, shown: shownText(problem, authority, url), port });
  if (hosts.length > 1) return fail('two-hosts', hosts.join(', '));
  const absolute = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(url);
  let authorityText: string;
  let rest: string;
  if (absolute) {
    const scheme = absolute[1].toLowerCase();
    authorityText = absolute[2];
    rest = absolute[3];
    if (!SCHEMES[kind].includes(scheme)) return fail('bad-scheme', authorityText);
    if (rest !== '' && !rest.startsWith('/') && !rest.startsWith('?')) return fail('bad-path', authorityText);
  } else {
    authorityText = hosts[0] ?? '';
    rest = url;
    if (!rest.startsWith('/')) return fail('bad-path', authorityText);
    if (authorityText === '') return fail('no-host', '');
  }
  if (!PATH_OK.test(rest)) return fail('bad-path', authorityText);
  const a = parseAuthority(authorityText, DEFAULT_PORT);
  if (!a.ok) return fail(a.problem, authorityText, a.port);
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  return { ok: true, target: { ...a.target, path, authority: formatAuthority(a.target), absolute: absolute !== null } };
}

/** Bounded, printable, credentials and query cut out: what the client asked for, fit for a page and an event. */
function shownText(problem: TargetProblem, authority: string, url: string): string {
  const aboutUrl = problem === 'bad-path' || problem === 'bad-scheme';
  const text = aboutUrl ? url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1[credentials]@').replace(/[?#].*$/s, '') : authority.replace(/^.*@/s, '[credentials]@');
  return printable(text, MAX_SHOWN);
}

/** Control and non-ASCII characters as `\xNN`, cut at `max` characters: text a client sent, fit to show. */
export function printable(text: string, max: number): string {
  const shown = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}
