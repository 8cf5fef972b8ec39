// The names on the leaf tlslab presents: the real server's (read from its certificate) plus the names the client
// asked for. Pure: certificate bytes and strings in, name lists out.
import net from 'node:net';
import { certificateNames } from '../x509';

/** The names on the server's certificate; none when it sent none or it cannot be read (that is a finding). */
export function namesOf(leafDer: Buffer | undefined): { dns: string[]; ips: string[] } {
  try {
    return leafDer ? certificateNames(leafDer) : { dns: [], ips: [] };
  } catch {
    return { dns: [], ips: [] };
  }
}

/** `dns` and `ips` with the names in `asked` added to the right list (lower-cased, each once). */
export function mergeNames(dns: string[], ips: string[], asked: string[]): { dns: string[]; ips: string[] } {
  const d = new Set(dns.map((n) => n.toLowerCase()));
  const i = new Set(ips);
  for (const a of asked) (net.isIP(a) ? i : d).add(a.toLowerCase());
  return { dns: [...d], ips: [...i] };
}
