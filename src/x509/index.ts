// Public API of src/x509: certificate parsing and every verification check, producing schema Findings.
// Pure: no network or file I/O anywhere below this folder.
export { createTrustStore, pemToDers } from './trust-store';
export type { TrustStore, TrustStoreOptions } from './trust-store';
export { verifyServerChain, summarizeCertificate } from './verify';
export type { VerifyInput, VerifyResult } from './verify';
export { verifyPresentedChain } from './presented';
export type { PresentedInput } from './presented';
export { ACCEPTED_UNDER_USER_ROOT, acceptedUnderUserRoot, refusedByBrowsersAnyway } from './browser-rules';
export { certificateNames } from './names';
export { explainNodeError, findingsForNodeError, NODE_ERRORS } from './node-errors';
export { FINDING_CODES } from './findings';
export type { FindingCode } from './findings';
export { matchHostname, wildcardProblem } from './hostname';
export type { HostnameMatch, CertNames } from './hostname';
export { parseIp, formatIp } from './ip';
