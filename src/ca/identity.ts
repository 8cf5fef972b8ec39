// A signing identity (a CA certificate with its private key): made fresh, or rebuilt from PEM text with
// every failure classified (corrupt, mismatch). Pure apart from node:crypto; files are read elsewhere.
import forge from 'node-forge';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { TlslabError } from '../errors';
import { buildCertificate, distinguishedName, subjectKeyOf, type Signer, type SubjectKey } from './cert-builder';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface CaIdentity {
  certPem: string;
  certDer: Buffer;
  x509: X509Certificate;
  key: KeyObject;
  keyPem: string;
  subjectKey: SubjectKey;
  signer: Signer;
}

export interface KeyPair {
  key: KeyObject;
  keyPem: string;
  subjectKey: SubjectKey;
}

/** A fresh RSA key (off the event loop: node:crypto runs generation on the thread pool). */
export async function generateRsaKey(bits: number): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return keyPairFrom(privateKey, publicKey);
}

function keyPairFrom(privateKey: KeyObject, publicKey: KeyObject): KeyPair {
  return {
    key: privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    subjectKey: subjectKeyOf(publicKey),
  };
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** A self-signed root: RSA 2048, basicConstraints CA:TRUE critical, keyCertSign+cRLSign critical, SKI. */
export async function makeRoot(commonName: string, organization: string, years = 10, now = new Date()): Promise<CaIdentity> {
  const pair = await generateRsaKey(2048);
  const subject = distinguishedName(commonName, organization);
  const signer: Signer = { name: subject, key: pair.key, keyId: pair.subjectKey.keyId };
  const notBefore = new Date(now.getTime() - HOUR);
  const notAfter = new Date(notBefore.getTime() + Math.round(years * 365.25) * DAY);
  const built = buildCertificate({ subject, publicKey: pair.subjectKey, signer, notBefore, notAfter, kind: 'ca' });
  return identityFromPem(built.pem, pair.keyPem, { cert: '(new)', key: '(new)' });
}

/** An intermediate CA signed by `parent` (pathLen 0), with a fresh key made on the thread pool. */
export async function makeIntermediate(parent: CaIdentity, commonName: string, organization: string, years = 5): Promise<CaIdentity> {
  return intermediateWithKey(parent, await generateRsaKey(2048), commonName, organization, years);
}

/** A fresh RSA key made synchronously (blocks the event loop: for keys made once per process). */
export function generateRsaKeySync(bits: number): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  return keyPairFrom(privateKey, publicKey);
}

/** An intermediate CA for `pair`, signed by `parent` (pathLen 0), valid at most `years` and never past its parent. */
export function intermediateWithKey(parent: CaIdentity, pair: KeyPair, commonName: string, organization: string, years = 5, now = new Date()): CaIdentity {
  const subject = distinguishedName(commonName, organization);
  const notBefore = new Date(now.getTime() - HOUR);
  const notAfter = new Date(Math.min(notBefore.getTime() + Math.round(years * 365.25) * DAY, validTo(parent.x509).getTime()));
  const built = buildCertificate({ subject, publicKey: pair.subjectKey, signer: parent.signer, notBefore, notAfter, kind: 'ca', pathLen: 0 });
  return identityFromPem(built.pem, pair.keyPem, { cert: '(new)', key: '(new)' });
}

/** Node 20's X509Certificate has only the text dates. */
export function validFrom(x: X509Certificate): Date {
  return new Date(x.validFrom);
}
export function validTo(x: X509Certificate): Date {
  return new Date(x.validTo);
}

/** Parse a private key PEM; failure is TLSLAB_ERR_CA_CORRUPT naming `file`. */
export function keyFromPem(keyPem: string, file: string): KeyPair {
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new TlslabError('TLSLAB_ERR_CA_CORRUPT', `${file} does not hold a valid private key (${(err as Error).message})`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TlslabError('TLSLAB_ERR_CA_CORRUPT', `${file} holds a ${key.asymmetricKeyType ?? 'unknown'} key; tlslab expects RSA`);
  }
  const publicKey = createPublicKey(key);
  return { ...keyPairFrom(key, publicKey), keyPem };
}

const UTF8 = forge.asn1.Type.UTF8 as number;

/** forge parses UTF8String values as raw bytes but encodes them from text: decode so a re-encoded name is byte-identical. */
function nameForReuse(attrs: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attrs.map((a) =>
    (a.valueTagClass as number | undefined) === UTF8 && typeof a.value === 'string' ? { ...a, value: forge.util.decodeUtf8(a.value) } : a,
  );
}

/**
 * Rebuild an identity from PEM text. Corrupt certificate or key → TLSLAB_ERR_CA_CORRUPT naming the file;
 * certificate not a CA → TLSLAB_ERR_CA_CORRUPT; key not the certificate's → TLSLAB_ERR_CA_MISMATCH.
 */
export function identityFromPem(certPem: string, keyPem: string, files: { cert: string; key: string }): CaIdentity {
  let x509: X509Certificate;
  let forgeCert: forge.pki.Certificate;
  try {
    if (!certPem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM CERTIFICATE block');
    x509 = new X509Certificate(certPem);
    forgeCert = forge.pki.certificateFromPem(certPem);
  } catch (err) {
    throw new TlslabError('TLSLAB_ERR_CA_CORRUPT', `${files.cert} does not hold a valid certificate (${(err as Error).message})`, { cause: err });
  }
  if (!x509.ca) throw new TlslabError('TLSLAB_ERR_CA_CORRUPT', `${files.cert} holds a certificate that is not a CA (no basicConstraints CA:TRUE)`);
  const pair = keyFromPem(keyPem, files.key);
  const certSpki = x509.publicKey.export({ type: 'spki', format: 'der' });
  const keySpki = createPublicKey(pair.key).export({ type: 'spki', format: 'der' });
  if (!certSpki.equals(keySpki)) {
    throw new TlslabError('TLSLAB_ERR_CA_MISMATCH', `the key in ${files.key} does not belong to the certificate in ${files.cert}`);
  }
  const skiExt = forgeCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  const keyId = skiExt?.subjectKeyIdentifier ? Buffer.from(skiExt.subjectKeyIdentifier, 'hex') : pair.subjectKey.keyId;
  return {
    certPem: x509.toString(),
    certDer: x509.raw,
    x509,
    key: pair.key,
    keyPem,
    subjectKey: pair.subjectKey,
    signer: { name: nameForReuse(forgeCert.subject.attributes), key: pair.key, keyId },
  };
}
