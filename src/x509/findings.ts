// The catalogue of verification finding codes: which check each belongs to and how bad it is.
// docs/findings.md documents every code listed here (a unit test holds the two together). No I/O.
import type { CheckName, Finding } from '../events/schema';

interface FindingSpec {
  check: CheckName;
  /** `error`: a browser refuses the certificate; `warning`: it works, but something is off. */
  severity: Finding['severity'];
}

export const FINDING_CODES = {
  CERT_UNPARSABLE: { check: 'chain', severity: 'error' },
  CERT_EXPIRED: { check: 'validity', severity: 'error' },
  CERT_NOT_YET_VALID: { check: 'validity', severity: 'error' },
  HOSTNAME_MISMATCH: { check: 'hostname', severity: 'error' },
  HOSTNAME_CN_ONLY: { check: 'hostname', severity: 'error' },
  CHAIN_EMPTY: { check: 'chain', severity: 'error' },
  CHAIN_SELF_SIGNED_LEAF: { check: 'chain', severity: 'error' },
  CHAIN_UNTRUSTED_ROOT: { check: 'chain', severity: 'error' },
  CHAIN_UNKNOWN_ISSUER: { check: 'chain', severity: 'error' },
  CHAIN_MISSING_INTERMEDIATE: { check: 'chain', severity: 'error' },
  CHAIN_TOO_LONG: { check: 'chain', severity: 'error' },
  CHAIN_WRONG_ORDER: { check: 'chain', severity: 'warning' },
  CHAIN_EXTRA_CERT: { check: 'chain', severity: 'warning' },
  NODE_VERIFY_FAILED: { check: 'chain', severity: 'error' },
  SIGNATURE_INVALID: { check: 'signature', severity: 'error' },
  ALG_SHA1_SIGNATURE: { check: 'algorithm', severity: 'error' },
  ALG_MD5_SIGNATURE: { check: 'algorithm', severity: 'error' },
  ALG_BROKEN_DIGEST: { check: 'algorithm', severity: 'error' },
  ALG_UNKNOWN: { check: 'algorithm', severity: 'warning' },
  ALG_MISMATCH: { check: 'algorithm', severity: 'error' },
  KEY_RSA_TOO_SMALL: { check: 'key-strength', severity: 'error' },
  KEY_WEAK_CURVE: { check: 'key-strength', severity: 'error' },
  KEY_UNSUPPORTED_TYPE: { check: 'key-strength', severity: 'error' },
  EKU_NO_SERVER_AUTH: { check: 'extended-key-usage', severity: 'error' },
  EKU_CA_NO_SERVER_AUTH: { check: 'extended-key-usage', severity: 'error' },
  BC_ISSUER_NOT_CA: { check: 'basic-constraints', severity: 'error' },
  BC_LEAF_IS_CA: { check: 'basic-constraints', severity: 'warning' },
  BC_PATH_LEN_EXCEEDED: { check: 'basic-constraints', severity: 'error' },
  KU_ISSUER_NO_CERT_SIGN: { check: 'key-usage', severity: 'error' },
  KU_LEAF_NOT_FOR_TLS: { check: 'key-usage', severity: 'error' },
  KU_LEAF_RSA_KEY_TRANSPORT_ONLY: { check: 'key-usage', severity: 'warning' },
} as const satisfies Record<string, FindingSpec>;

export type FindingCode = keyof typeof FINDING_CODES;

/**
 * Builds a finding with the catalogue's check and severity. `offPath`: the certificate is not part of the
 * path a client would use, so what is wrong with it cannot make a browser refuse — it becomes a warning.
 */
export function finding(
  code: FindingCode,
  certIndex: number | null,
  message: string,
  detail?: Record<string, string>,
  offPath = false,
): Finding {
  const spec: FindingSpec = FINDING_CODES[code];
  const f: Finding = { code, check: spec.check, severity: offPath ? 'warning' : spec.severity, certIndex, message };
  if (detail) f.detail = detail;
  return f;
}
