// Node's single verification verdict (`authorizationError`, OpenSSL's X509_V_ERR_* names plus Node's own
// ERR_TLS_CERT_ALTNAME_INVALID) in words, and which of our finding codes correspond to it. Pure tables.
import type { FindingCode } from './findings';

interface NodeErrorInfo {
  sentence: string;
  /** Our findings that say the same thing (any one of them). */
  findings: readonly FindingCode[];
}

const ISSUER_MISSING: readonly FindingCode[] = ['CHAIN_MISSING_INTERMEDIATE', 'CHAIN_UNKNOWN_ISSUER'];

/** OpenSSL verify results (openssl-verify(1), "Diagnostics") as Node names them, and Node's hostname error. */
export const NODE_ERRORS: Readonly<Record<string, NodeErrorInfo>> = {
  CERT_HAS_EXPIRED: { sentence: 'A certificate in the chain has expired.', findings: ['CERT_EXPIRED'] },
  CERT_NOT_YET_VALID: { sentence: 'A certificate in the chain is not valid yet (its start date is in the future).', findings: ['CERT_NOT_YET_VALID'] },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    sentence: "The server's certificate is self-signed and is not in the trusted list.",
    findings: ['CHAIN_SELF_SIGNED_LEAF'],
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    sentence: 'The chain ends at a self-signed root certificate that is not in the trusted list.',
    findings: ['CHAIN_UNTRUSTED_ROOT'],
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    sentence: "Node could not find the certificate that issued the server's certificate, so it could not check its signature.",
    findings: ISSUER_MISSING,
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: {
    sentence: 'Node could not find, among the trusted roots, the issuer of a certificate in the chain.',
    findings: ISSUER_MISSING,
  },
  UNABLE_TO_GET_ISSUER_CERT: { sentence: 'The issuer of a certificate in the chain could not be found.', findings: ISSUER_MISSING },
  CERT_UNTRUSTED: { sentence: 'The root of the chain is not trusted for this purpose.', findings: ['CHAIN_UNTRUSTED_ROOT', ...ISSUER_MISSING] },
  CERT_SIGNATURE_FAILURE: { sentence: 'A signature in the chain does not verify: a certificate was altered or signed by another key.', findings: ['SIGNATURE_INVALID'] },
  UNABLE_TO_DECRYPT_CERT_SIGNATURE: { sentence: "A certificate's signature could not be decoded.", findings: ['SIGNATURE_INVALID'] },
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: { sentence: "An issuer's public key could not be read.", findings: ['SIGNATURE_INVALID', 'KEY_UNSUPPORTED_TYPE'] },
  ERROR_IN_CERT_NOT_BEFORE_FIELD: { sentence: "A certificate's start date is malformed.", findings: ['CERT_UNPARSABLE'] },
  ERROR_IN_CERT_NOT_AFTER_FIELD: { sentence: "A certificate's end date is malformed.", findings: ['CERT_UNPARSABLE'] },
  CERT_CHAIN_TOO_LONG: { sentence: 'The chain is longer than the verifier allows.', findings: ['CHAIN_TOO_LONG'] },
  INVALID_CA: {
    sentence: 'A certificate that signed another one is not allowed to act as a certificate authority.',
    findings: ['BC_ISSUER_NOT_CA', 'KU_ISSUER_NO_CERT_SIGN'],
  },
  UNSPECIFIED: {
    sentence:
      'Node refused the chain without naming the reason: OpenSSL found a problem Node has no name for, such as a SHA-1 or MD5 signature or an issuer not allowed to sign certificates.',
    findings: ['ALG_SHA1_SIGNATURE', 'ALG_MD5_SIGNATURE', 'ALG_BROKEN_DIGEST', 'KU_ISSUER_NO_CERT_SIGN', 'KEY_RSA_TOO_SMALL', 'SIGNATURE_INVALID'],
  },
  PATH_LENGTH_EXCEEDED: { sentence: "The chain has more intermediates than a CA's path length limit allows.", findings: ['BC_PATH_LEN_EXCEEDED'] },
  INVALID_PURPOSE: {
    sentence: 'A certificate in the chain is not meant for identifying a web server (its key usage or extended key usage).',
    findings: ['EKU_NO_SERVER_AUTH', 'EKU_CA_NO_SERVER_AUTH', 'BC_ISSUER_NOT_CA', 'KU_LEAF_NOT_FOR_TLS', 'KU_ISSUER_NO_CERT_SIGN'],
  },
  KEYUSAGE_NO_CERTSIGN: { sentence: 'An issuer is not allowed to sign certificates (no keyCertSign).', findings: ['KU_ISSUER_NO_CERT_SIGN'] },
  CERT_REJECTED: { sentence: 'The root of the chain is marked to reject this purpose.', findings: ['EKU_CA_NO_SERVER_AUTH'] },
  CERT_REVOKED: { sentence: 'A certificate in the chain has been revoked by its issuer.', findings: [] },
  HOSTNAME_MISMATCH: { sentence: 'The certificate is not for the host name that was asked for.', findings: ['HOSTNAME_MISMATCH', 'HOSTNAME_CN_ONLY'] },
  ERR_TLS_CERT_ALTNAME_INVALID: {
    sentence: "The certificate's names (Subject Alternative Name) do not include the host name that was asked for.",
    findings: ['HOSTNAME_MISMATCH', 'HOSTNAME_CN_ONLY'],
  },
  EE_KEY_TOO_SMALL: { sentence: "The server's key is too small for the security level in use.", findings: ['KEY_RSA_TOO_SMALL'] },
  CA_KEY_TOO_SMALL: { sentence: "A certificate authority's key is too small for the security level in use.", findings: ['KEY_RSA_TOO_SMALL'] },
  CA_MD_TOO_WEAK: { sentence: 'A certificate is signed with a digest too weak for the security level in use (such as SHA-1 or MD5).', findings: ['ALG_SHA1_SIGNATURE', 'ALG_MD5_SIGNATURE', 'ALG_BROKEN_DIGEST'] },
};

/** Node's authorizationError code → one sentence a student understands. */
export function explainNodeError(code: string): string {
  const known = NODE_ERRORS[code];
  if (known) return known.sentence;
  return `Node's verification failed with ${code}, a reason tlslab has no explanation for yet.`;
}

/** Our finding codes that correspond to Node's error (empty when unknown). */
export function findingsForNodeError(code: string): readonly FindingCode[] {
  return NODE_ERRORS[code]?.findings ?? [];
}
