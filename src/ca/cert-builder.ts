// Builds X.509 v3 certificates (RFC 5280) with node-forge and signs the TBS bytes with node:crypto.
// Pure apart from node:crypto (random serials, signatures): no files, no sockets.
import forge from 'node-forge';
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { assembleCertificate, toPem } from './der';
import type { NormalizedNames } from './names';

export type SignatureHash = 'sha256' | 'sha1' | 'md5';
/** `serverAuth` (a normal leaf), `clientAuth` only (a leaf a browser must refuse), or `none` (no EKU extension). */
export type EkuChoice = 'serverAuth' | 'clientAuth' | 'none';
/** keyUsage bits (RFC 5280 §4.2.1.3), by forge's names (`nonRepudiation` is X.509's contentCommitment). */
export type KeyUsageBit = 'digitalSignature' | 'nonRepudiation' | 'keyEncipherment' | 'dataEncipherment' | 'keyAgreement' | 'keyCertSign' | 'cRLSign';

/** Deliberate defects, to reproduce a broken certificate faithfully (mirror mode). A normal certificate has none. */
export interface CertDefects {
  /** basicConstraints CA:FALSE on a certificate that signs others (RFC 5280 §4.2.1.9). */
  notCa?: boolean;
  /** These keyUsage bits instead of the kind's (CA: keyCertSign, cRLSign; leaf: digitalSignature, keyEncipherment). */
  keyUsage?: readonly KeyUsageBit[];
  /** Leaf: no subjectAltName, so the name is only in the subject's CN. */
  noSan?: boolean;
  /** The TBS `signature` field names sha512WithRSAEncryption while the outer field names the hash used (§4.1.1.2 forbids it). */
  algorithmMismatch?: boolean;
  /** One bit of the signature value flipped after signing: it no longer verifies with the issuer's key. */
  corruptSignature?: boolean;
}

/** A public key ready to go into certificates: forge form plus its key identifier (RFC 5280 §4.2.1.2 method 1). */
export interface SubjectKey {
  forge: forge.pki.PublicKey;
  keyId: Buffer;
}

/** A subject name as forge attributes (UTF8String values, encoded the same way every time). */
export type DistinguishedName = forge.pki.CertificateField[];

/** Who signs: the issuer's subject name, its private key and its key identifier (for the AKI). */
export interface Signer {
  name: DistinguishedName;
  key: KeyObject;
  keyId: Buffer;
}

export interface CertSpec {
  subject: DistinguishedName;
  publicKey: SubjectKey;
  /** The issuer. For a self-signed certificate pass a Signer whose name is `subject` and key matches `publicKey`. */
  signer: Signer;
  notBefore: Date;
  notAfter: Date;
  kind: 'ca' | 'leaf';
  /** CA only: basicConstraints pathLenConstraint. */
  pathLen?: number;
  /** Leaf only: subjectAltName entries. */
  names?: NormalizedNames;
  /** Leaf: default serverAuth. CA: default none (no limit); `clientAuth` limits what it may issue. */
  eku?: EkuChoice;
  /** Signature digest; default sha256. sha1 and md5 exist to reproduce broken certificates. */
  hash?: SignatureHash;
  defects?: CertDefects;
}

export interface BuiltCert {
  der: Buffer;
  pem: string;
}

const UTF8 = forge.asn1.Type.UTF8 as unknown as forge.asn1.Class;

/** forge exports getTBSCertificate at runtime; @types/node-forge does not declare it. */
const getTBSCertificate = (forge.pki as unknown as { getTBSCertificate(this: void, cert: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;

/** RSA signature algorithm OIDs (RFC 8017 Appendix C, RFC 3279 §2.2.1). */
/** The OID a certificate with `algorithmMismatch` names inside its TBS. */
const MISMATCHED_TBS_OID = forge.pki.oids.sha512WithRSAEncryption;

const SIGNATURE_OIDS: Record<SignatureHash, string> = {
  sha256: forge.pki.oids.sha256WithRSAEncryption,
  sha1: forge.pki.oids.sha1WithRSAEncryption,
  md5: forge.pki.oids.md5WithRSAEncryption,
};

/** AlgorithmIdentifier DER for each hash: SEQUENCE { OID, NULL } (RFC 4055 §5 keeps NULL parameters for RSA). */
const ALGORITHM_DER: Record<SignatureHash, Buffer> = Object.fromEntries(
  (Object.keys(SIGNATURE_OIDS) as SignatureHash[]).map((h) => [
    h,
    Buffer.from(
      forge.asn1
        .toDer(
          forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, [
            forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OID, false, forge.asn1.oidToDer(SIGNATURE_OIDS[h]).getBytes()),
            forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.NULL, false, ''),
          ]),
        )
        .getBytes(),
      'binary',
    ),
  ]),
) as Record<SignatureHash, Buffer>;

/** A DN from common name and optional organization (order O, CN as RFC 4514 readers expect from issuers). */
export function distinguishedName(commonName: string, organization?: string): DistinguishedName {
  const attrs: DistinguishedName = [];
  if (organization) attrs.push({ name: 'organizationName', value: organization, valueTagClass: UTF8 });
  attrs.push({ name: 'commonName', value: commonName, valueTagClass: UTF8 });
  return attrs;
}

/** Forge public key plus SHA-1 of the RSAPublicKey bytes (the subjectPublicKey BIT STRING contents). */
export function subjectKeyOf(publicKey: KeyObject): SubjectKey {
  const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'der' });
  const spkiPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { forge: forge.pki.publicKeyFromPem(spkiPem), keyId: createHash('sha1').update(pkcs1).digest() };
}

/** 16 random bytes, positive and minimally encoded: top bit clear, second-highest set (RFC 5280 §4.1.2.2). */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex');
}

function bin(b: Buffer): string {
  return b.toString('binary');
}

/** forge's keyUsage extension object for a list of bits (critical, as RFC 5280 §4.2.1.3 recommends). */
function keyUsageExtension(bits: readonly KeyUsageBit[]): object {
  return { name: 'keyUsage', critical: true, ...Object.fromEntries(bits.map((b) => [b, true])) };
}

function ekuExtension(eku: EkuChoice): object[] {
  if (eku === 'serverAuth') return [{ name: 'extKeyUsage', serverAuth: true }];
  if (eku === 'clientAuth') return [{ name: 'extKeyUsage', clientAuth: true }];
  return [];
}

function extensionsFor(spec: CertSpec): object[] {
  const d = spec.defects ?? {};
  const ski = {
    name: 'subjectKeyIdentifier',
    value: forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.OCTETSTRING, false, bin(spec.publicKey.keyId)),
  };
  const aki = { name: 'authorityKeyIdentifier', keyIdentifier: bin(spec.signer.keyId) };
  if (spec.kind === 'ca') {
    const bc: Record<string, unknown> = { name: 'basicConstraints', cA: !d.notCa, critical: true };
    if (spec.pathLen !== undefined && !d.notCa) bc.pathLenConstraint = spec.pathLen;
    const exts: object[] = [bc, keyUsageExtension(d.keyUsage ?? ['keyCertSign', 'cRLSign']), ...ekuExtension(spec.eku ?? 'none'), ski];
    // A root's AKI would equal its SKI; an intermediate names its issuer.
    if (!spec.signer.keyId.equals(spec.publicKey.keyId)) exts.push(aki);
    return exts;
  }
  const exts: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    keyUsageExtension(d.keyUsage ?? ['digitalSignature', 'keyEncipherment']),
    ...ekuExtension(spec.eku ?? 'serverAuth'),
  ];
  const names = spec.names;
  if (names && names.dns.length + names.ips.length > 0 && !d.noSan) {
    const altNames = [...names.dns.map((value) => ({ type: 2, value })), ...names.ips.map((ip) => ({ type: 7, ip }))];
    exts.push({ name: 'subjectAltName', altNames });
  }
  exts.push(ski, aki);
  return exts;
}

/** Build the TBSCertificate with forge, sign its DER with node:crypto, assemble the certificate DER ourselves. */
export function buildCertificate(spec: CertSpec): BuiltCert {
  const hash = spec.hash ?? 'sha256';
  const cert = forge.pki.createCertificate();
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.signer.name);
  cert.publicKey = spec.publicKey.forge;
  cert.setExtensions(extensionsFor(spec));
  cert.siginfo.algorithmOid = spec.defects?.algorithmMismatch ? MISMATCHED_TBS_OID : SIGNATURE_OIDS[hash];
  const tbs = Buffer.from(forge.asn1.toDer(getTBSCertificate(cert)).getBytes(), 'binary');
  const signature = sign(hash, tbs, spec.signer.key);
  if (spec.defects?.corruptSignature) signature[signature.length - 1] ^= 0x01;
  const der = assembleCertificate(tbs, ALGORITHM_DER[hash], signature);
  return { der, pem: toPem(der) };
}
