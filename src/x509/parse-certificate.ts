// Reads what verification needs from a certificate's DER (RFC 5280 §4.1, §4.2): names, dates, key, signature
// algorithm, extensions. Pure: node:crypto's X509Certificate is used as a parser, nothing touches I/O.
import { X509Certificate } from 'node:crypto';
import {
  bitIsSet,
  children,
  decodeBitString,
  decodeOid,
  decodeSmallInt,
  decodeString,
  decodeTime,
  DerError,
  type DerNode,
  expectTag,
  integerBitLength,
  parseDer,
  readNode,
  TAG,
} from './der';
import { formatIp } from './ip';
import {
  CA_ISSUERS_OID,
  CURVES,
  DIGESTS,
  type DigestStrength,
  EXT,
  KEY_ALGORITHMS,
  KEY_USAGE_BITS,
  type KeyKind,
  type KeyUsageName,
  NAME_ATTRIBUTES,
  SIGNATURE_ALGORITHMS,
} from './oids';

export interface PublicKeyInfo {
  kind: KeyKind;
  /** RSA modulus bits, or the curve's size. */
  bits: number | null;
  /** Curve name for EC keys (`P-256`), or the curve OID when it has no name here. */
  curve: string | null;
  curveAccepted: boolean;
  /** e.g. `RSA 2048`, `EC P-256`, `Ed25519`. */
  label: string;
}

export interface SignatureAlgorithm {
  oid: string;
  name: string;
  digest: string;
  strength: DigestStrength | 'unknown';
}

export interface ParsedCertificate {
  der: Buffer;
  /** Node's view of the same bytes (verify, fingerprints, public key). */
  x509: X509Certificate;
  /** 1, 2 or 3 (RFC 5280 §4.1.2.1). */
  version: number;
  serialHex: string;
  /** The algorithm in signatureAlgorithm (outer) and in tbsCertificate.signature; they must agree (§4.1.1.2). */
  signature: SignatureAlgorithm;
  tbsSignatureOid: string;
  subjectDer: Buffer;
  issuerDer: Buffer;
  /** `CN=…, O=…` in certificate order. */
  subject: string;
  issuer: string;
  subjectCNs: string[];
  issuerCN: string | null;
  notBefore: Date;
  notAfter: Date;
  key: PublicKeyInfo;
  /** null when the extension is absent. */
  basicConstraints: { ca: boolean; pathLen: number | null } | null;
  keyUsage: KeyUsageName[] | null;
  extKeyUsage: string[] | null;
  san: { dns: string[]; ips: Buffer[]; other: string[] } | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  caIssuers: string[];
  fingerprint256: string;
}

const MAX_CERT_BYTES = 64 * 1024;

/** Parses one DER certificate; throws DerError (or Node's error) when it is not one. */
/**
 * Servers send the same certificates on every connection, and the proxy asks several questions of each (names for
 * the leaf, checks, summaries): parsed certificates are remembered, keyed by their bytes. Treat them as read-only.
 */
const parsed = new Map<string, ParsedCertificate>();
const PARSED_MAX = 512;

export function parseCertificate(der: Buffer): ParsedCertificate {
  const key = der.toString('latin1'); // one character per byte: the cheapest exact key
  const hit = parsed.get(key);
  if (hit) return hit;
  const cert = parseCertificateUncached(der);
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
  parsed.set(key, cert);
  return cert;
}

function parseCertificateUncached(der: Buffer): ParsedCertificate {
  if (der.length > MAX_CERT_BYTES) throw new DerError(`certificate of ${der.length} bytes is too large`);
  const x509 = new X509Certificate(der);
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1)
  const [tbsNode, sigAlgNode] = children(expectTag(parseDer(der), TAG.SEQUENCE, 'Certificate'));
  const tbs = children(expectTag(tbsNode, TAG.SEQUENCE, 'tbsCertificate'));
  let i = 0;
  let version = 1;
  if (tbs[0]?.tag === 0xa0) {
    // version [0] EXPLICIT INTEGER, v1(0) v2(1) v3(2) (§4.1.2.1)
    version = decodeSmallInt(expectTag(children(tbs[0])[0], TAG.INTEGER, 'version').value) + 1;
    i++;
  }
  const serial = expectTag(tbs[i++], TAG.INTEGER, 'serialNumber');
  const tbsSigAlg = algorithmOid(tbs[i++]);
  const issuerNode = expectTag(tbs[i++], TAG.SEQUENCE, 'issuer');
  const [nb, na] = children(expectTag(tbs[i++], TAG.SEQUENCE, 'validity'));
  const subjectNode = expectTag(tbs[i++], TAG.SEQUENCE, 'subject');
  const spki = expectTag(tbs[i++], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  const extsNode = tbs.slice(i).find((n) => n.tag === 0xa3); // extensions [3] EXPLICIT (§4.1.2.9)
  const exts = new Map<string, DerNode>();
  if (extsNode) {
    for (const ext of children(expectTag(children(extsNode)[0], TAG.SEQUENCE, 'extensions'))) {
      const parts = children(ext); // Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }
      const oid = decodeOid(expectTag(parts[0], TAG.OID, 'extnID').value);
      const value = expectTag(parts[parts.length - 1], TAG.OCTET_STRING, 'extnValue');
      exts.set(oid, parseDer(value.value));
    }
  }

  const subjectAttrs = nameAttributes(subjectNode);
  const issuerAttrs = nameAttributes(issuerNode);
  return {
    der,
    x509,
    version,
    serialHex: serial.value.toString('hex').toUpperCase(),
    signature: signatureAlgorithm(sigAlgNode),
    tbsSignatureOid: tbsSigAlg,
    subjectDer: subjectNode.raw,
    issuerDer: issuerNode.raw,
    subject: subjectAttrs.map(([k, v]) => `${k}=${v}`).join(', '),
    issuer: issuerAttrs.map(([k, v]) => `${k}=${v}`).join(', '),
    subjectCNs: subjectAttrs.filter(([k]) => k === 'CN').map(([, v]) => v),
    issuerCN: issuerAttrs.filter(([k]) => k === 'CN').map(([, v]) => v).pop() ?? null,
    notBefore: decodeTime(nb),
    notAfter: decodeTime(na),
    key: publicKeyInfo(spki),
    basicConstraints: basicConstraints(exts.get(EXT.basicConstraints)),
    keyUsage: keyUsage(exts.get(EXT.keyUsage)),
    extKeyUsage: extKeyUsage(exts.get(EXT.extKeyUsage)),
    san: subjectAltName(exts.get(EXT.subjectAltName)),
    subjectKeyId: exts.has(EXT.subjectKeyIdentifier) ? exts.get(EXT.subjectKeyIdentifier)!.value.toString('hex') : null,
    authorityKeyId: authorityKeyId(exts.get(EXT.authorityKeyIdentifier)),
    caIssuers: caIssuers(exts.get(EXT.authorityInfoAccess)),
    fingerprint256: x509.fingerprint256,
  };
}

function algorithmOid(node: DerNode | undefined): string {
  return decodeOid(expectTag(children(expectTag(node, TAG.SEQUENCE, 'AlgorithmIdentifier'))[0], TAG.OID, 'algorithm').value);
}

function signatureAlgorithm(node: DerNode | undefined): SignatureAlgorithm {
  const parts = children(expectTag(node, TAG.SEQUENCE, 'signatureAlgorithm'));
  const oid = decodeOid(expectTag(parts[0], TAG.OID, 'algorithm').value);
  const known = SIGNATURE_ALGORITHMS[oid];
  if (!known) return { oid, name: oid, digest: 'unknown', strength: 'unknown' };
  if (known.name === 'RSASSA-PSS' && parts[1]) {
    // RSASSA-PSS-params: hashAlgorithm [0] defaults to SHA-1 (RFC 4055 §3.1)
    const hashTagged = children(parts[1]).find((n) => n.tag === 0xa0);
    if (hashTagged) {
      const d = DIGESTS[algorithmOid(children(hashTagged)[0])];
      if (d) return { oid, name: `RSASSA-PSS with ${d.name}`, digest: d.name, strength: d.strength };
      return { oid, name: 'RSASSA-PSS', digest: 'unknown', strength: 'unknown' };
    }
  }
  return { oid, ...known };
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName (SET OF AttributeTypeAndValue) (RFC 5280 §4.1.2.4). */
function nameAttributes(name: DerNode): [string, string][] {
  const out: [string, string][] = [];
  for (const rdn of children(name)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      const oid = decodeOid(expectTag(type, TAG.OID, 'attribute type').value);
      out.push([NAME_ATTRIBUTES[oid] ?? oid, value ? decodeString(value) : '']);
    }
  }
  return out;
}

/** SubjectPublicKeyInfo (RFC 5280 §4.1.2.7); RSA keys per RFC 8017 A.1.1, EC per RFC 5480 §2.1.1. */
function publicKeyInfo(spki: DerNode): PublicKeyInfo {
  const [alg, keyBits] = children(spki);
  const algParts = children(expectTag(alg, TAG.SEQUENCE, 'algorithm'));
  const oid = decodeOid(expectTag(algParts[0], TAG.OID, 'algorithm').value);
  const kind = KEY_ALGORITHMS[oid] ?? 'unknown';
  if (kind === 'RSA' || kind === 'RSA-PSS') {
    const rsaKey = readNode(decodeBitString(expectTag(keyBits, TAG.BIT_STRING, 'subjectPublicKey').value).bytes);
    const bits = integerBitLength(expectTag(children(rsaKey)[0], TAG.INTEGER, 'modulus').value);
    return { kind, bits, curve: null, curveAccepted: true, label: `${kind} ${bits}` };
  }
  if (kind === 'EC') {
    const params = algParts[1];
    const curveOid = params?.tag === TAG.OID ? decodeOid(params.value) : null;
    const curve = curveOid ? CURVES[curveOid] : undefined;
    const name = curve?.name ?? (curveOid ?? 'explicit parameters');
    return { kind, bits: curve?.bits ?? null, curve: name, curveAccepted: curve?.accepted ?? false, label: `EC ${name}` };
  }
  if (kind === 'Ed25519' || kind === 'Ed448') {
    return { kind, bits: kind === 'Ed25519' ? 256 : 456, curve: kind, curveAccepted: true, label: kind };
  }
  return { kind, bits: null, curve: null, curveAccepted: false, label: kind === 'unknown' ? `unknown key type ${oid}` : kind };
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL } (§4.2.1.9) */
function basicConstraints(node: DerNode | undefined): ParsedCertificate['basicConstraints'] {
  if (!node) return null;
  const parts = children(expectTag(node, TAG.SEQUENCE, 'basicConstraints'));
  const caNode = parts.find((p) => p.tag === TAG.BOOLEAN);
  const lenNode = parts.find((p) => p.tag === TAG.INTEGER);
  return { ca: caNode ? caNode.value[0] !== 0 : false, pathLen: lenNode ? decodeSmallInt(lenNode.value) : null };
}

/** KeyUsage ::= BIT STRING (§4.2.1.3) */
function keyUsage(node: DerNode | undefined): KeyUsageName[] | null {
  if (!node) return null;
  const { bytes } = decodeBitString(expectTag(node, TAG.BIT_STRING, 'keyUsage').value);
  return KEY_USAGE_BITS.filter((_, bit) => bitIsSet(bytes, bit));
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (§4.2.1.12) */
function extKeyUsage(node: DerNode | undefined): string[] | null {
  if (!node) return null;
  return children(expectTag(node, TAG.SEQUENCE, 'extKeyUsage')).map((n) => decodeOid(expectTag(n, TAG.OID, 'KeyPurposeId').value));
}

/** GeneralNames (§4.2.1.6): dNSName [2] IA5String, iPAddress [7] OCTET STRING; others kept as text. */
function subjectAltName(node: DerNode | undefined): ParsedCertificate['san'] {
  if (!node) return null;
  const san = { dns: [] as string[], ips: [] as Buffer[], other: [] as string[] };
  for (const gn of children(expectTag(node, TAG.SEQUENCE, 'subjectAltName'))) {
    if (gn.tag === 0x82) san.dns.push(gn.value.toString('latin1'));
    else if (gn.tag === 0x87) san.ips.push(Buffer.from(gn.value));
    else if (gn.tag === 0x81) san.other.push(`email:${gn.value.toString('latin1')}`);
    else if (gn.tag === 0x86) san.other.push(`URI:${gn.value.toString('latin1')}`);
    else san.other.push(`[${gn.num}]`);
  }
  return san;
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … } (§4.2.1.1) */
function authorityKeyId(node: DerNode | undefined): string | null {
  if (!node) return null;
  const keyId = children(node).find((n) => n.tag === 0x80);
  return keyId ? keyId.value.toString('hex') : null;
}

/** AuthorityInfoAccessSyntax (§4.2.2.1): the caIssuers URIs. */
function caIssuers(node: DerNode | undefined): string[] {
  if (!node) return [];
  const out: string[] = [];
  for (const ad of children(node)) {
    const [method, location] = children(ad);
    if (method && decodeOid(method.value) === CA_ISSUERS_OID && location?.tag === 0x86) out.push(location.value.toString('latin1'));
  }
  return out;
}

/** SAN entries as text, `DNS:example.com`, `IP:127.0.0.1` (the CertSummary form). */
export function sanStrings(cert: ParsedCertificate): string[] {
  if (!cert.san) return [];
  return [...cert.san.dns.map((d) => `DNS:${d}`), ...cert.san.ips.map((b) => `IP:${formatIp(b)}`), ...cert.san.other];
}

/** Subject and issuer names are the same bytes (self-issued, RFC 5280 §6.1). */
export function isSelfIssued(cert: ParsedCertificate): boolean {
  return cert.subjectDer.equals(cert.issuerDer) || cert.subject === cert.issuer;
}

/** Self-issued and its signature verifies with its own key (self-signed). */
export function isSelfSigned(cert: ParsedCertificate): boolean {
  return isSelfIssued(cert) && verifiesWith(cert, cert);
}

/** Verification results per certificate object, by issuer fingerprint: path building and checks ask twice. */
const verified = new WeakMap<ParsedCertificate, Map<string, boolean>>();

/** `child`'s signature verifies with `issuer`'s public key. */
export function verifiesWith(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  let byIssuer = verified.get(child);
  if (!byIssuer) verified.set(child, (byIssuer = new Map<string, boolean>()));
  let ok = byIssuer.get(issuer.fingerprint256);
  if (ok === undefined) {
    try {
      ok = child.x509.verify(issuer.x509.publicKey);
    } catch {
      ok = false;
    }
    byIssuer.set(issuer.fingerprint256, ok);
  }
  return ok;
}

/** A short name for sentences: the last CN, else the whole subject. */
export function displayName(cert: ParsedCertificate): string {
  return cert.subjectCNs[cert.subjectCNs.length - 1] ?? (cert.subject || 'an unnamed certificate');
}
