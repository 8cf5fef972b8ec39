// Normalizes the names a leaf certificate must carry: DNS names and IP addresses, deduplicated and sorted.
// Pure: strings in, strings out.
import { isIP } from 'node:net';
import { TlslabError } from '../errors';

/** The names a leaf is for: DNS names (wildcards allowed) and IP addresses (v4 or v6). */
export interface LeafNames {
  dns: string[];
  ips: string[];
}

/** LeafNames after normalization: lowercase, no trailing dot, IPs moved to `ips`, duplicates gone, order kept. */
export interface NormalizedNames {
  dns: string[];
  ips: string[];
  /** The first name given (DNS before IP): the leaf's CN. */
  primary: string;
  /** Sorted, deduplicated list: the cache key. */
  key: string;
}

/** Unbracket `[::1]` and canonicalize IPv6 text so one address is one cache entry. */
function normalizeIp(text: string): string | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 4) return bare;
  if (family === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return null;
}

export function normalizeNames(names: LeafNames): NormalizedNames {
  const dns: string[] = [];
  const ips: string[] = [];
  const seen = new Set<string>();
  const order: string[] = [];
  const add = (raw: string) => {
    const text = raw.trim();
    if (!text) return;
    const ip = normalizeIp(text);
    if (ip !== null) {
      if (seen.has(`ip:${ip}`)) return;
      seen.add(`ip:${ip}`);
      ips.push(ip);
      order.push(ip);
      return;
    }
    const name = text.toLowerCase().replace(/\.$/, '');
    // RFC 5280 §4.2.1.6 dNSName is IA5String: refuse anything that is not a plausible DNS name.
    if (!/^(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(name) || name.length > 253) {
      throw new TlslabError('TLSLAB_ERR_LEAF_ISSUE', `cannot put "${text.slice(0, 80)}" in a certificate: not a DNS name or IP address`);
    }
    if (seen.has(`dns:${name}`)) return;
    seen.add(`dns:${name}`);
    dns.push(name);
    order.push(name);
  };
  names.dns.forEach(add);
  names.ips.forEach(add);
  if (order.length === 0) throw new TlslabError('TLSLAB_ERR_LEAF_ISSUE', 'a leaf certificate needs at least one DNS name or IP address');
  const key = [...dns.map((d) => `dns:${d}`), ...ips.map((i) => `ip:${i}`)].sort().join(',');
  return { dns, ips, primary: dns[0] ?? ips[0], key };
}
