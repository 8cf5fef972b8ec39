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

/**
 * Digests already computed, by algorithm and input: a client sends the same lists on every connection (JA4 sorts
 * them, so even a browser that shuffles its extensions repeats its JA4 inputs), and tlslab's own upstream hello never
 * changes. Bounded; the oldest input is forgotten first.
 */
const DIGESTS_KEPT = 256;
const digests: Record<'md5' | 'sha256', Map<string, string>> = { md5: new Map(), sha256: new Map() };

function digestHex(alg: 'md5' | 'sha256', s: string): string {
  const kept = digests[alg];
  let d = kept.get(s);
  if (d === undefined) {
    d = createHash(alg).update(s, 'latin1').digest('hex');
    if (kept.size >= DIGESTS_KEPT) kept.delete(kept.keys().next().value as string);
    kept.set(s, d);
  }
  return d;
}

export function ja3Hash(s: string): string {
  return digestHex('md5', s);
}

const JA4_VERSIONS: Readonly<Record<number, string>> = {
  0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3',
};

/** 16-bit codes as 4 hex digits, each computed once (at most HEX4_MAX of them kept). */
const HEX4 = new Map<number, string>();
const HEX4_MAX = 4096;
function hex4(n: number): string {
  let h = HEX4.get(n);
  if (h === undefined) {
    h = n.toString(16).padStart(4, '0');
    if (n >= 0 && n <= 0xffff && HEX4.size < HEX4_MAX) HEX4.set(n, h);
  }
  return h;
}
const two = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
const sha12 = (s: string): string => digestHex('sha256', s).slice(0, 12);
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

/** Every input a fingerprint reads, as one string (16-bit codes as UTF-16 units, each list length-prefixed). */
function inputKey(h: HelloForFingerprint): string {
  let key = String.fromCharCode(h.legacyVersion & 0xffff, h.legacyVersion >>> 16);
  for (const list of [h.cipherSuites, h.extensions, h.groups, h.ecPointFormats, h.signatureAlgorithms, h.supportedVersions]) {
    key += String.fromCharCode(list.length, ...list.map((x) => x & 0xffff));
    if (list.some((x) => x < 0 || x > 0xffff || !Number.isInteger(x))) return '';
  }
  const alpn = h.firstAlpn;
  return alpn === null ? `${key}\u0000` : `${key}\u0001${String.fromCharCode(alpn.length, ...alpn)}`;
}

export interface Fingerprints {
  ja3: string;
  ja3Hash: string;
  ja4: string;
}

const FINGERPRINTS_KEPT = 256;
const fingerprints = new Map<string, Fingerprints>();

/**
 * JA3 (string and MD5) and JA4 of a hello. Remembered by their inputs: the same client sends the same lists on every
 * connection. Returns a new object each time.
 */
export function fingerprintsOf(h: HelloForFingerprint): Fingerprints {
  const key = inputKey(h);
  let fp = key === '' ? undefined : fingerprints.get(key);
  if (fp === undefined) {
    const ja3 = ja3String(h);
    fp = { ja3, ja3Hash: ja3Hash(ja3), ja4: ja4(h) };
    if (key !== '') {
      if (fingerprints.size >= FINGERPRINTS_KEPT) fingerprints.delete(fingerprints.keys().next().value as string);
      fingerprints.set(key, fp);
    }
  }
  return { ...fp };
}
