// The names on a certificate, for minting a leaf that carries the same ones. Pure; parses DER only.
import { formatIp } from './ip';
import { parseCertificate } from './parse-certificate';

/**
 * Names to put on a minted leaf: SAN DNS + IP entries of the leaf, or its CN when there is no SAN.
 * `cn` is the subject's (last) common name whenever there is one, so a minted leaf can copy the subject too.
 * Throws when `der` is not a certificate.
 */
export function certificateNames(der: Buffer): { dns: string[]; ips: string[]; cn: string | null } {
  const cert = parseCertificate(der);
  return {
    dns: [...(cert.san?.dns ?? [])],
    ips: (cert.san?.ips ?? []).map(formatIp),
    cn: cert.subjectCNs[cert.subjectCNs.length - 1] ?? null,
  };
}
