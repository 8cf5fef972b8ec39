// JA3 and JA4 fingerprints of a ClientHello: which TLS library (browser, curl, bot) built it.
// Pure: node:crypto hashes only (no I/O). JA3: github.com/salesforce/ja3; JA4: FoxIO technical_details/JA4.md.
import { createHash } from 'node:crypto';
import { isGrease16 } from './names/lookup';

export interface HelloForFingerprint {
  legacyVersion: number;
  cipherSuites: number[];
  /** Extension types in the order sent. */
  extensions: number[];
  groups: number[];
  ecPointFormats: number[];
  signatureAlgorithms: number[];
  supportedVersions: number[];
  /** The first ALPN id as sent, or null. */
  firstAlpn: Uint8Array | null;
}

const noGrease = (xs: number[]): number[] => xs.filter((x) => !isGrease16(x));

/** JA3 string: `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`, decimal, GREASE removed. */
export function ja3String(h: HelloForFingerprint): string {
  return [
    String(h.legacyVersion),
    noGrease(h.cipherSuites).join('-'),
    noGrease(h.extensions).join('-'),
    noGrease(h.groups).join('-'),
    h.ecPointFormats.join('-'),
  ].join(',');
}

export function ja3Hash(s: string): string {
  return createHash('md5').update(s, 'latin1').digest('hex');
}

const JA4_VERSIONS: Readonly<Record<number, string>> = {
  0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3',
};

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
const sha12 = (s: string): string => createHash('sha256').update(s, 'latin1').digest('hex').slice(0, 12);
const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

function alpnChars(a: Uint8Array | null): string {
  if (a === null || a.length === 0) return '00';
  const first = a[0];
  const last = a[a.length - 1];
  if (isAlnum(first) && isAlnum(last)) return String.fromCharCode(first) + String.fromCharCode(last);
  const h = Buffer.from(a).toString('hex');
  return h[0] + h[h.length - 1];
}

/** JA4 (TLS over TCP): `t13d1516h2_<sorted suites sha256/12>_<sorted extensions + sigalgs sha256/12>`. */
export function ja4(h: HelloForFingerprint): string {
  const versions = noGrease(h.supportedVersions);
  const v = versions.length > 0 ? Math.max(...versions) : h.legacyVersion;
  const suites = noGrease(h.cipherSuites);
  const exts = noGrease(h.extensions);
  const a = `t${JA4_VERSIONS[v] ?? '00'}${exts.includes(0) ? 'd' : 'i'}${two(suites.length)}${two(exts.length)}${alpnChars(h.firstAlpn)}`;
  const b = suites.length === 0 ? '000000000000' : sha12([...suites].sort((x, y) => x - y).map(hex4).join(','));
  const sortedExts = exts.filter((e) => e !== 0x0000 && e !== 0x0010).sort((x, y) => x - y).map(hex4).join(',');
  const sigs = noGrease(h.signatureAlgorithms).map(hex4).join(',');
  const c = sortedExts.length === 0 ? '000000000000' : sha12(sigs.length > 0 ? `${sortedExts}_${sigs}` : sortedExts);
  return `${a}_${b}_${c}`;
}
