// Mirror chains: a leaf, and where a flaw lives higher up the intermediates above it, carrying the same flaws as
// a real server's chain. Pure apart from node:crypto signatures: every key comes prepared, none is made here.
import { buildCertificate, distinguishedName, type CertDefects, type Signer } from './cert-builder';
import { validTo, type CaIdentity, type KeyPair } from './identity';
import type { CertFlaws, IntermediateFlaws, IssuedCert, MirrorSpec } from './issued';
import { normalizeNames } from './names';

/** The signing material a mirror chain is made from (the keys behind the functions are made once, then reused). */
export interface MirrorMaterial {
  root: CaIdentity;
  untrusted: CaIdentity;
  leaf: KeyPair;
  weak(): KeyPair;
  intermediate(): KeyPair;
  subIntermediate(): KeyPair;
}

/** The normal validity window of a leaf issued now (the CA's), used for whatever the spec does not date. */
export interface MirrorWindow {
  now: number;
  notBefore: Date;
  notAfter: Date;
}

const ORG = 'tlslab';
/** Signs the leaf of `missingIntermediate`; never sent. */
export const MISSING_INTERMEDIATE_CN = 'tlslab Mirror Intermediate';
/** Sent for `unknownIssuer`; signed by "tlslab Untrusted Root", which is not sent. */
export const UNTRUSTED_INTERMEDIATE_CN = 'tlslab Untrusted Intermediate';
/** The second intermediate below a pathlen:0 one. */
export const SUB_INTERMEDIATE_CN = 'tlslab Mirror Sub-Intermediate';
/** X.520 ub-common-name. */
const MAX_CN = 64;
const INTERMEDIATE_YEARS_MS = 5 * 365.25 * 24 * 3600_000;

function signerOf(commonName: string, key: KeyPair): Signer {
  return { name: distinguishedName(commonName, ORG), key: key.key, keyId: key.subjectKey.keyId };
}

function defectsOf(f: CertFlaws): CertDefects {
  return { algorithmMismatch: f.algorithmMismatch, corruptSignature: f.badSignature };
}

/** "tlslab Mirror Intermediate (expired, pathlen:0)": the name says what is wrong with it, for the student. */
function intermediateName(f: IntermediateFlaws, now: number): string {
  const labels = [
    f.notAfter && f.notAfter.getTime() < now ? 'expired' : null,
    f.notBefore && f.notBefore.getTime() > now ? 'not yet valid' : null,
    f.notCa ? 'not a CA' : null,
    f.noCertSign ? 'no keyCertSign' : null,
    f.clientAuthOnly ? 'clientAuth only' : null,
    f.pathLenExceeded ? 'pathlen:0' : null,
    f.signatureHash ? f.signatureHash.toUpperCase().replace('SHA1', 'SHA-1') : null,
    f.weakKey ? 'RSA-1024' : null,
    f.badSignature ? 'bad signature' : null,
    f.algorithmMismatch ? 'algorithm mismatch' : null,
  ].filter((l): l is string => l !== null);
  const name = `tlslab Mirror Intermediate (${labels.join(', ') || 'flawed'})`;
  return name.length <= MAX_CN ? name : 'tlslab Mirror Intermediate (several flaws)';
}

/** Who signs the leaf, and the certificates sent after it. */
function issuerChain(m: MirrorMaterial, spec: MirrorSpec, w: MirrorWindow): { signer: Signer; chainPem: string[] } {
  const top = spec.untrustedIssuer || spec.unknownIssuer ? m.untrusted : m.root;
  const topNotAfter = validTo(top.x509).getTime();
  if (spec.missingIntermediate) return { signer: signerOf(MISSING_INTERMEDIATE_CN, m.intermediate()), chainPem: [] };
  const flaws = spec.intermediate;
  if (!flaws && !spec.unknownIssuer) return { signer: top.signer, chainPem: [top.certPem] };
  const f: IntermediateFlaws = flaws ?? {};
  const key = f.weakKey ? m.weak() : m.intermediate();
  const commonName = flaws ? intermediateName(f, w.now) : UNTRUSTED_INTERMEDIATE_CN;
  const notBefore = f.notBefore ?? w.notBefore;
  const inter = buildCertificate({
    subject: distinguishedName(commonName, ORG),
    publicKey: key.subjectKey,
    signer: top.signer,
    notBefore,
    notAfter: f.notAfter ?? new Date(Math.max(notBefore.getTime() + 3600_000, Math.min(w.notBefore.getTime() + INTERMEDIATE_YEARS_MS, topNotAfter))),
    kind: 'ca',
    pathLen: 0,
    eku: f.clientAuthOnly ? 'clientAuth' : 'none',
    hash: f.signatureHash ?? 'sha256',
    defects: { ...defectsOf(f), notCa: f.notCa, keyUsage: f.noCertSign ? ['digitalSignature', 'cRLSign'] : undefined },
  });
  const chainPem: string[] = [];
  let signer = signerOf(commonName, key);
  if (f.pathLenExceeded) {
    const subKey = m.subIntermediate();
    const sub = buildCertificate({
      subject: distinguishedName(SUB_INTERMEDIATE_CN, ORG),
      publicKey: subKey.subjectKey,
      signer,
      notBefore: w.notBefore,
      notAfter: new Date(Math.min(w.notBefore.getTime() + INTERMEDIATE_YEARS_MS, topNotAfter)),
      kind: 'ca',
    });
    chainPem.push(sub.pem);
    signer = signerOf(SUB_INTERMEDIATE_CN, subKey);
  }
  chainPem.push(inter.pem);
  if (!spec.unknownIssuer) chainPem.push(top.certPem);
  return { signer, chainPem };
}

/** The leaf (and chain) for `spec`. Throws what buildCertificate or normalizeNames throw. */
export function mintMirrorChain(m: MirrorMaterial, spec: MirrorSpec, w: MirrorWindow): IssuedCert {
  const names = normalizeNames(spec.names);
  const key = spec.weakKey === 'rsa1024' ? m.weak() : m.leaf;
  const subject = distinguishedName(names.primary);
  const above = spec.selfSigned ? null : issuerChain(m, spec, w);
  const signer: Signer = above ? above.signer : { name: subject, key: key.key, keyId: key.subjectKey.keyId };
  const notBefore = spec.notBefore ?? w.notBefore;
  const notAfter = spec.notAfter ?? new Date(Math.max(notBefore.getTime() + 3600_000, w.notAfter.getTime()));
  const built = buildCertificate({
    subject,
    publicKey: key.subjectKey,
    signer,
    notBefore,
    notAfter,
    kind: 'leaf',
    names,
    eku: spec.eku ?? 'serverAuth',
    hash: spec.signatureHash ?? 'sha256',
    defects: { ...defectsOf(spec), noSan: spec.cnOnly, keyUsage: spec.keyUsageNotForTls ? ['nonRepudiation'] : undefined },
  });
  return { certPem: built.pem, certDer: built.der, keyPem: key.keyPem, chainPem: above?.chainPem ?? [] };
}
