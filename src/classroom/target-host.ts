// The host a proxy request names (CONNECT authority or Host), read the way a resolver would read it: numeric
// IPv4 shorthand (`127.1`, `0x7f.1`, `2130706433`), IPv6 in brackets, trailing dots, case. Pure; no DNS.
import { parseIpLiteral, type IpAddress } from './ip-address';

export type TargetHost =
  | { kind: 'ip'; address: IpAddress }
  /** A DNS name: lower case, ASCII (IDNA), without the trailing dot. */
  | { kind: 'name'; name: string }
  | { kind: 'invalid'; why: 'empty' | 'too-long' | 'bad-character' | 'unparseable' };

/** RFC 1035 §2.3.4 allows 253 characters of name; a little slack for brackets and IPv6 zones. */
const MAX_HOST = 300;

/**
 * Characters no host may carry. URL parsing would treat `/ ? # @ \` as delimiters and drop tabs and newlines,
 * so a host holding them could be read one way here and another way by the resolver: refuse them outright.
 * `%` is refused too (WHATWG hosts are percent-decoded: `%31%32%37.0.0.1` is 127.0.0.1), except in an IPv6 zone.
 */
// eslint-disable-next-line no-control-regex -- control characters are what this pattern refuses
const FORBIDDEN = /[\u0000-\u0020\u007f/\\?#@%]/;

/**
 * Reads a target host. IPv4 is read with the WHATWG URL host parser (the IPv4 number parser of the URL Standard
 * §3.5: 1–4 parts, decimal, octal `0…` or hex `0x…`), which agrees with what glibc's resolver accepts for
 * numeric hosts; IPv6 may come with or without brackets.
 */
export function readTargetHost(raw: string): TargetHost {
  if (raw.length === 0) return { kind: 'invalid', why: 'empty' };
  if (raw.length > MAX_HOST) return { kind: 'invalid', why: 'too-long' };
  const literal = parseIpLiteral(raw);
  if (literal !== null) return { kind: 'ip', address: literal };
  if (FORBIDDEN.test(raw)) return { kind: 'invalid', why: 'bad-character' };
  // A host alone has no port: `[::1]:443` or `example.com:443` means the caller split host and port wrongly.
  if (raw.startsWith('[') !== raw.endsWith(']')) return { kind: 'invalid', why: 'unparseable' };
  const bracketed = raw.includes(':') && !raw.startsWith('[') ? `[${raw}]` : raw;
  let url: URL;
  try {
    url = new URL(`http://${bracketed}/`);
  } catch {
    return { kind: 'invalid', why: 'unparseable' };
  }
  if (url.port !== '' || url.username !== '' || url.password !== '') return { kind: 'invalid', why: 'unparseable' };
  const asIp = parseIpLiteral(url.hostname);
  if (asIp !== null) return { kind: 'ip', address: asIp };
  const name = url.hostname.replace(/\.+$/, '');
  return name === '' ? { kind: 'invalid', why: 'unparseable' } : { kind: 'name', name };
}

/** `localhost`, `*.localhost` (RFC 6761 §6.3: always loopback), in any case, with or without the trailing dot. */
export function isLocalhostName(name: string): boolean {
  const n = name.toLowerCase().replace(/\.+$/, '');
  return n === 'localhost' || n.endsWith('.localhost');
}
