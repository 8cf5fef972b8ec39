// IP address literals as text and as the 4/16 bytes of an iPAddress SAN (RFC 5280 §4.2.1.6), on top of the one
// parser and printer of src/ip-text.ts. Pure string/byte work; no I/O and no node:net.
import { ipv4Bytes, ipv4Text, ipv6Bytes, ipv6Text } from '../ip-text';

/** An IP literal (IPv4, IPv6, IPv6 in brackets, zone id ignored) to its bytes; null when it is not one. */
export function parseIp(text: string): Buffer | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  const bytes = t.includes(':') ? ipv6Bytes(t) : ipv4Bytes(t);
  return bytes ? Buffer.from(bytes) : null;
}

/** Bytes of an iPAddress SAN to text; IPv6 in RFC 5952 §4 canonical form. Other lengths print as hex. */
export function formatIp(bytes: Buffer): string {
  if (bytes.length === 4) return ipv4Text(bytes);
  if (bytes.length === 16) return ipv6Text(bytes);
  return `0x${bytes.toString('hex')}`;
}
