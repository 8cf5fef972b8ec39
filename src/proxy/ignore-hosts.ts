// `--ignore-host PATTERN`: CONNECT tunnels to hosts kept out of the lesson are relayed raw — no TLS interception, no
// events, as mitmproxy's ignore_hosts — and only counted. Patterns are pure; I/O: the tunnel's two TCP sockets.
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { TlslabError } from '../errors';
import { hostGlob as hostGlobRegExp } from '../events/host-glob';
import { tcpConnectOptions, upstreamTargetOf } from './upstream';
import type { ProxyContext } from './context';
import type { Admitted } from './tunnel';

/** One `--ignore-host` value, compiled. */
export interface HostPattern {
  /** As given on the command line. */
  source: string;
  kind: 'glob' | 'regex';
  matches(host: string, port: number): boolean;
}

/** What a glob may hold: host name characters, `*`, `?`, brackets and colons of an IPv6 literal, and `:PORT`. */
const GLOB_CHARS = /^[a-z0-9.\-_*?[\]:]+$/i;

/**
 * Reads one pattern. `/…/` is a regular expression (JavaScript syntax, case-insensitive) searched in `host:port` —
 * `[::1]:443` for IPv6 — as mitmproxy's `--ignore-hosts` does. Anything else is a glob matched against the whole host
 * name, case-insensitive: `*` is any run of characters (dots included), `?` one character; a glob ending in `:PORT`
 * matches that port only. `*.googleapis.com` matches `update.googleapis.com` and `a.b.googleapis.com`, not
 * `googleapis.com`.
 */
export function parseHostPattern(raw: string): HostPattern {
  const source = raw.trim();
  if (source === '') throw usage(raw, 'the pattern is empty');
  if (source.length > 1 && source.startsWith('/') && source.endsWith('/')) {
    let re: RegExp;
    try {
      re = new RegExp(source.slice(1, -1), 'i');
    } catch (err) {
      throw usage(raw, `not a regular expression: ${(err as Error).message}`);
    }
    return { source, kind: 'regex', matches: (host, port) => re.test(hostPort(host, port)) };
  }
  if (!GLOB_CHARS.test(source)) throw usage(raw, 'a glob holds host name characters, * and ? (and :PORT); write a regular expression as /…/');
  const { hostGlob, port } = splitPort(source);
  if (port !== null && !(port > 0 && port < 65536)) throw usage(raw, `port ${port} is not 1–65535`);
  const re = hostGlobRegExp(hostGlob);
  return { source, kind: 'glob', matches: (host, p) => (port === null || p === port) && re.test(host.replace(/^\[(.*)\]$/, '$1')) };
}

/** `host:443` → host and port; `[::1]:443` → `::1` and port; a bare IPv6 glob (several colons) has no port. */
function splitPort(glob: string): { hostGlob: string; port: number | null } {
  const v6 = /^\[([^\]]*)\](?::(\d{1,5}))?$/.exec(glob);
  if (v6) return { hostGlob: v6[1], port: v6[2] === undefined ? null : Number(v6[2]) };
  const parts = glob.split(':');
  if (parts.length === 2 && /^\d{1,5}$/.test(parts[1])) return { hostGlob: parts[0], port: Number(parts[1]) };
  return { hostGlob: glob, port: null };
}

function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function usage(raw: string, why: string): TlslabError {
  return new TlslabError('TLSLAB_ERR_USAGE', `--ignore-host "${raw}": ${why}`);
}

/** Every `--ignore-host` pattern, and how many tunnels they kept out of the lesson. */
export class IgnoredHosts {
  private relayed = 0;

  constructor(readonly patterns: readonly HostPattern[]) {}

  /** Parses the values of `--ignore-host` (repeatable); a bad one is a usage error naming it. */
  static parse(values: readonly string[]): IgnoredHosts {
    return new IgnoredHosts(values.map(parseHostPattern));
  }

  /** The first pattern that matches the CONNECT target, or null. */
  match(host: string, port: number): HostPattern | null {
    for (const p of this.patterns) if (p.matches(host, port)) return p;
    return null;
  }

  /** Tunnels relayed untouched so far. */
  get count(): number {
    return this.relayed;
  }

  /** Counts one tunnel relayed untouched. */
  note(): void {
    this.relayed++;
  }
}

/**
 * A CONNECT to an ignored host, already admitted by the gate: TCP to the target (a lab origin's port for a lab name;
 * the gate's checked addresses otherwise), then `200` and the bytes both ways unchanged. No session, no events: the
 * dashboard never lists it. A target that cannot be reached gets `502`; idle tunnels end like any other.
 */
export function relayIgnored(ctx: ProxyContext, req: IncomingMessage, socket: net.Socket, head: Buffer, target: { host: string; port: number }, admitted: Admitted): void {
  const lab = ctx.lab?.resolve(target.host) ?? null;
  const to = upstreamTargetOf(target, lab, admitted.resolved);
  ctx.ignored?.note();
  ctx.log.debug({ host: target.host, port: target.port, url: req.url }, 'ignored host: relayed untouched');
  const up = net.connect(tcpConnectOptions(to));
  let connected = false;
  const giveUp = setTimeout(() => up.destroy(new Error('connect timeout')), ctx.timeouts.upstreamConnectMs);
  up.once('connect', () => {
    connected = true;
    clearTimeout(giveUp);
    socket.write('HTTP/1.1 200 Connection Established\r\nProxy-Agent: tlslab\r\n\r\n');
    if (head.length > 0) up.write(head);
    socket.pipe(up);
    up.pipe(socket);
    for (const s of [socket, up]) s.setTimeout(ctx.timeouts.tunnelIdleMs, () => s.destroy());
  });
  up.on('error', () => {
    clearTimeout(giveUp);
    if (!connected && !socket.destroyed) socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\ntlslab: ${target.host}:${target.port} could not be reached (an ignored host, relayed untouched)\n`);
    else socket.destroy();
  });
  up.once('close', () => {
    clearTimeout(giveUp);
    if (connected) socket.destroy();
  });
  socket.on('error', () => up.destroy());
  socket.once('close', () => up.destroy());
}
