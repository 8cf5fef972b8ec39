// Classroom mode's building blocks, for the proxy front, the server and the CLI to wire in: sign-in, limits,
// the address guard, the PAC file, the join page and the banner. No I/O of its own beyond node:os reads.
export { AddressGuard, isBuiltInName, type AddressGuardOptions, type Decision, type RefusalReason, type TargetQuery } from './address-guard';
export { classroomBanner, lanAddresses, type BannerInput } from './banner';
export { CidrSet, parseAllowClients, parseCidr } from './cidr';
export { canonicalCode, checkClassCode, classCodeMatches, generateClassCode } from './class-code';
export { normalizeDisplayName, studentId, NAME_MAX } from './display-name';
export { DEFAULT_SHARE_LIMITS, FairShare, type AdmitResult, type Lease, type ShareLimit, type ShareLimits } from './fair-share';
export { DEFAULT_FAILURE_RULE, FailureLimiter } from './failure-limiter';
export { joinPage, type JoinPageInput } from './join-page';
export { LocalAddresses } from './local-addresses';
export { hostPort, JOIN_PATH, PAC_CONTENT_TYPE, PAC_PATH, pacFile } from './pac';
export { authenticate, COUNTS_AS_ATTEMPT, parseProxyAuthorization, type AuthFailure, type AuthResult } from './proxy-auth';
export { guardRefused, PROXY_AUTHENTICATE, proxyAuthRequired, refusalSentence, serializeAnswer, shareExceeded, tooManyFailures, type ProxyAnswer } from './responses';
export { Roster, type ClaimResult, type RosterEntry } from './roster';
export { STUDENT_TEXT, studentText, type StudentTextKey } from './student-text';
