// IP address literals for the classroom guard: strict parsing (src/ip-text.ts), the address an IPv4-in-IPv6 form
// really means, and the special ranges (RFC 6890) by name. Pure apart from node:net's BlockList; no sockets, no DNS.
import { BlockList, isIP } from 'node:net';
import { ipv6Bytes, ipv6Text } from '../ip-text';

export interface IpAddress {
  family: 4 | 6;
  /** Canonical text: dotted quad, or RFC 5952 compressed IPv6 (lower case, no brackets, no zone). */
  text: string;
  /** 4 or 16 bytes. */
  bytes: Uint8Array;
}

/** The ranges the guard cares about. Everything that is none of them is `public`. */
export type AddressRange = 'loopback' | 'unspecified' | 'link-local' | 'private' | 'shared' | 'unique-local' | 'multicast' | 'broadcast';

/** RFC 6890 special-purpose ranges (and RFC 4193 ULA, RFC 6598 shared space), by name. */
export const RANGES = {
  loopback: ['127.0.0.0/8', '::1/128'], // RFC 1122 §3.2.1.3, RFC 4291 §2.5.3
  unspecified: ['0.0.0.0/8', '::/128'], // "this host on this network" (RFC 1122 §3.2.1.3), RFC 4291 §2.5.2
  'link-local': ['169.254.0.0/16', 'fe80::/10'], // RFC 3927, RFC 4291 §2.5.6
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'], // RFC 1918
  shared: ['100.64.0.0/10'], // RFC 6598: carrier-grade NAT and VPN overlays
  'unique-local': ['fc00::/7'], // RFC 4193
  multicast: ['224.0.0.0/4', 'ff00::/8'],
  broadcast: ['255.255.255.255/32'],
} as const satisfies Record<AddressRange, readonly string[]>;

const RANGE_ORDER = Object.keys(RANGES) as AddressRange[];

/** A BlockList that holds the given CIDR blocks (already validated by the caller or by this module's tables). */
function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bits] = c.split('/') as [string, string];
    list.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

const RANGE_LISTS = Object.fromEntries(RANGE_ORDER.map((r) => [r, blockListOf(RANGES[r])])) as Record<AddressRange, BlockList>;

function ipv4(bytes: Uint8Array): IpAddress {
  return { family: 4, text: Array.from(bytes).join('.'), bytes };
}

/**
 * A strict IP literal — dotted-quad IPv4 or IPv6 (brackets and a `%zone` allowed) — or null. No shorthand here
 * (`127.1` is not an IP literal to this function; `target-host.ts` reads the WHATWG URL forms).
 */
export function parseIpLiteral(text: string): IpAddress | null {
  if (text.length > 64) return null;
  let t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = t.indexOf('%');
  if (zone >= 0 && t.includes(':')) t = t.slice(0, zone);
  const family = isIP(t);
  if (family === 4) return ipv4(Uint8Array.from(t.split('.').map(Number)));
  if (family !== 6) return null;
  const bytes = ipv6Bytes(t);
  return bytes ? { family: 6, text: ipv6Text(bytes), bytes } : null;
}

const zeros = (b: Uint8Array, from: number, to: number): boolean => b.subarray(from, to).every((x) => x === 0);

/**
 * The IPv4 address an IPv6 address carries and that a connection to it would really reach, or the address itself:
 * IPv4-mapped `::ffff:a.b.c.d` (RFC 4291 §2.5.5.2), the deprecated IPv4-compatible `::a.b.c.d` (§2.5.5.1) and the
 * NAT64 well-known prefix `64:ff9b::/96` (RFC 6052 §2.1) all become `a.b.c.d`. `::` and `::1` stay IPv6.
 */
export function effectiveAddress(a: IpAddress): IpAddress {
  if (a.family === 4) return a;
  const b = a.bytes;
  const last4 = b.subarray(12, 16);
  const mapped = zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff;
  const compatible = zeros(b, 0, 12) && !(zeros(b, 12, 15) && (b[15] === 0 || b[15] === 1));
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(b, 4, 12);
  return mapped || compatible || nat64 ? ipv4(Uint8Array.from(last4)) : a;
}

/** Which special range an address (taken as its effective address) falls in; `public` when none. */
export function rangeOf(a: IpAddress): AddressRange | 'public' {
  const e = effectiveAddress(a);
  const fam = e.family === 4 ? 'ipv4' : 'ipv6';
  return RANGE_ORDER.find((r) => RANGE_LISTS[r].check(e.text, fam)) ?? 'public';
}

/**
 * The key under which per-address state is kept: the effective IPv4 address, or an IPv6 address's /64 (one
 * host can use a whole /64, RFC 4291 §2.5.4 — keying by the full address would let it dodge a limit).
 */
export function addressKey(a: IpAddress): string {
  const e = effectiveAddress(a);
  if (e.family === 4) return e.text;
  const prefix = new Uint8Array(16);
  prefix.set(e.bytes.subarray(0, 8));
  return `${ipv6Text(prefix)}/64`;
}
