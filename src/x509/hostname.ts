// Does a certificate name the host the client asked for? RFC 6125 §6.4 as browsers apply it (CA/Browser
// Forum Baseline Requirements §7.1.2.7.12 for wildcards). Pure; no DNS, no I/O.
import { domainToASCII } from 'node:url';
import { formatIp, parseIp } from './ip';

/** The names a certificate offers, as the hostname check sees them. */
export interface CertNames {
  sanDns: readonly string[];
  sanIps: readonly Buffer[];
  /** Subject common names (used only when the certificate has no SAN DNS entry at all). */
  cns: readonly string[];
}

export type HostnameMatch =
  | { matched: true; by: 'san-dns' | 'san-ip'; name: string }
  /** Matched only through the subject CN: Node and curl accept, browsers do not. */
  | { matched: true; by: 'cn'; name: string }
  /** `reasons`: why names that look close did not match (a wildcard rule, an IP written as DNS, …). */
  | { matched: false; reasons: string[] };

/**
 * Lower case, no trailing dot (RFC 6125 §6.4.1: compare case-insensitively, absolute names equal);
 * internationalized names become their A-labels (RFC 5890 §2.3.2.1), as certificates carry them.
 */
function normalize(name: string): string {
  const n = name.trim().toLowerCase().replace(/\.$/, '');
  if (/^\p{ASCII}*$/u.test(n)) return n;
  return domainToASCII(n) || n;
}

/** Why a wildcard pattern can never be used, or null when it is well-formed. */
export function wildcardProblem(pattern: string): string | null {
  const labels = normalize(pattern).split('.');
  const starAt = labels.findIndex((l) => l.includes('*'));
  if (starAt < 0) return null;
  if (starAt > 0 || labels.filter((l) => l.includes('*')).length > 1) {
    return `“${pattern}” puts a wildcard outside the leftmost label, which no client accepts`;
  }
  if (labels[0] !== '*') return `“${pattern}” is a partial wildcard (like f*o): browsers accept “*” only as a whole label`;
  if (labels.length < 3) {
    return `“${pattern}” would cover a whole top-level domain: a wildcard needs at least two labels after it`;
  }
  return null;
}

/**
 * Matches one SAN DNS pattern against a DNS host. Returns null on a match, or why it does not match
 * (an empty string when the names are simply different).
 */
export function dnsPatternMismatch(pattern: string, host: string): string | null {
  const p = normalize(pattern);
  const h = normalize(host);
  if (!p.includes('*')) return p === h ? null : '';
  const problem = wildcardProblem(pattern);
  if (problem) return looseMatch(p, h) ? problem : '';
  const base = p.slice(2); // after "*."
  if (h === base) return `“${pattern}” does not cover “${base}” itself, only names one label below it`;
  if (!h.endsWith(`.${base}`)) return '';
  const label = h.slice(0, h.length - base.length - 1);
  if (label.includes('.')) return `“${pattern}” covers exactly one label: “${host}” has ${label.split('.').length} in place of the “*”`;
  if (label === '') return '';
  return null;
}

/** What a lax matcher would accept (`*` as any run of characters within one label): to explain refusals. */
function looseMatch(pattern: string, host: string): boolean {
  const re = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^.]*');
  return new RegExp(`^${re}$`).test(host);
}

/** RFC 6125 §6.4: SAN iPAddress for IP hosts; SAN dNSName for DNS hosts; CN only when there is no SAN DNS. */
export function matchHostname(host: string, names: CertNames): HostnameMatch {
  const reasons: string[] = [];
  const ip = parseIp(host);
  if (ip) {
    const hit = names.sanIps.find((b) => b.equals(ip));
    if (hit) return { matched: true, by: 'san-ip', name: formatIp(hit) };
    const text = formatIp(ip);
    if (names.sanDns.some((d) => normalize(d) === text || normalize(d) === normalize(host))) {
      reasons.push(`${text} is listed as a DNS name, but an IP address only matches an IP address entry in the SAN`);
    }
    if (names.cns.some((cn) => normalize(cn) === text)) {
      reasons.push(`${text} appears only in the Common Name, which is never used for IP addresses`);
    }
    if (names.sanDns.some((d) => d.includes('*'))) reasons.push('a wildcard never matches an IP address');
    return { matched: false, reasons };
  }
  if (normalize(host).includes('*')) {
    return { matched: false, reasons: [`“${host}” is not a host name: “*” belongs in certificates, never in the name asked for`] };
  }
  for (const pattern of names.sanDns) {
    const why = dnsPatternMismatch(pattern, host);
    if (why === null) return { matched: true, by: 'san-dns', name: pattern };
    if (why) reasons.push(why);
  }
  if (names.sanDns.length === 0) {
    // RFC 6125 §6.4.4: the CN is a fallback only when there is no DNS-ID at all.
    for (const cn of names.cns) {
      if (dnsPatternMismatch(cn, host) === null) return { matched: true, by: 'cn', name: cn };
    }
  } else if (names.cns.some((cn) => dnsPatternMismatch(cn, host) === null)) {
    reasons.push(`“${host}” is the certificate's Common Name, but the CN is ignored when the certificate lists SAN DNS names`);
  }
  return { matched: false, reasons };
}
