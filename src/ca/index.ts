// src/ca public surface: the tlslab CA, leaf and mirror issuance, the leaf SecureContext cache.
// See the modules for their I/O: only authority.ts (through pem-files.ts and create-lock.ts) touches the disk.
export { CertificateAuthority, CA_FILES, caCommonName, describeCertificate, type CaFilePaths } from './authority';
export { LeafCache } from './leaf-cache';
export type { LeafNames } from './names';
export { normalizeNames, type NormalizedNames } from './names';
export type { CertFlaws, IntermediateFlaws, IssuedCert, MirrorSpec } from './issued';
export { MISSING_INTERMEDIATE_CN, SUB_INTERMEDIATE_CN, UNTRUSTED_INTERMEDIATE_CN } from './mirror-chain';
export {
  buildCertificate, distinguishedName, randomSerialHex, subjectKeyOf,
  type BuiltCert, type CertDefects, type CertSpec, type KeyUsageBit, type DistinguishedName, type EkuChoice, type SignatureHash, type Signer, type SubjectKey,
} from './cert-builder';
export {
  generateRsaKey, generateRsaKeySync, identityFromPem, intermediateWithKey, keyFromPem, makeIntermediate, makeRoot,
  type CaIdentity, type KeyPair,
} from './identity';
