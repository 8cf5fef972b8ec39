// verifyServerChain: parse what the server sent, build the path, run every check on every certificate and
// report all failures (not only the first, as Node does). Pure; the caller passes bytes, host, trust and time.
import { createHash, type X509Certificate } from 'node:crypto';
import type { CertCheck, CertSummary, Finding } from '../events/schema';
import { buildPath, type ChainEnd } from './chain';
import { checkChain } from './check-chain';
import { checkHostname } from './check-hostname';
import { checkKeyStrength } from './check-key';
import { checkAlgorithm, checkSignature } from './check-signature';
import { checkBasicConstraints, checkExtendedKeyUsage, checkKeyUsage } from './check-usage';
import { checkValidity } from './check-validity';
import type { Check, CheckContext, CheckResult } from './context';
import { finding } from './findings';
import { say } from './finding-text';
import { explainNodeError } from './node-errors';
import { isSelfSigned, parseCertificate, type ParsedCertificate, sanStrings } from './parse-certificate';
import type { TrustStore } from './trust-store';
import { type CachedVerdict, copyCore, lookupVerdict, rememberVerdict, utcDay, validWindow, type VerdictCore, verdictKey, wholeAt } from './verdict-cache';
import { iso } from './words';

export interface VerifyInput {
  /** DER as sent by the server, leaf first. */
  chain: Buffer[];
  /** DNS name or IP literal the client asked for. */
  host: string;
  trust: TrustStore;
  now?: Date;
  /** Node's authorizationError code, echoed (and cross-checked: see NODE_VERIFY_FAILED). */
  nodeError?: string | null;
}

export interface VerifyResult {
  /** No finding of severity `error`. */
  ok: boolean;
  findings: Finding[];
  /** Sent certificates (source `sent`), then roots found in the trust store (source `trust-store`). */
  chain: CertSummary[];
  /** Indexes into `chain` of the built path, leaf first. */
  path: number[];
}

/** Every check, in the order findings are reported and CertSummary.checks are listed. */
const ALL_CHECKS: readonly Check[] = [
  checkChain,
  checkValidity,
  checkHostname,
  checkSignature,
  checkAlgorithm,
  checkKeyStrength,
  checkExtendedKeyUsage,
  checkBasicConstraints,
  checkKeyUsage,
];

/** Checks that need nothing but the certificate itself (and the time). */
const INTRINSIC_CHECKS: readonly Check[] = [checkValidity, checkAlgorithm, checkKeyStrength];

function tryParse(der: Buffer): { cert: ParsedCertificate | null; error: string | null } {
  try {
    return { cert: parseCertificate(der), error: null };
  } catch (err) {
    return { cert: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Trust-store certificates are parsed once per X509Certificate object, for the life of the store. */
const storeParsed = new WeakMap<X509Certificate, ParsedCertificate | null>();

function parseStoreCertificate(root: X509Certificate): ParsedCertificate | null {
  if (!storeParsed.has(root)) storeParsed.set(root, tryParse(root.raw).cert);
  return storeParsed.get(root) ?? null;
}

export function verifyServerChain(input: VerifyInput): VerifyResult {
  const now = input.now ?? new Date();
  const findings: Finding[] = [];
  if (input.chain.length === 0) {
    findings.push(finding('CHAIN_EMPTY', null, say('CHAIN_EMPTY')));
    return withNodeCrossCheck({ ok: false, findings, chain: [], path: [] }, input.nodeError);
  }
  const parsedSent = input.chain.map((der, index) => {
    const { cert, error } = tryParse(der);
    if (!cert) {
      findings.push(
        finding(
          'CERT_UNPARSABLE',
          index,
          say('CERT_UNPARSABLE', { index }),
          { error: error ?? 'unknown', bytes: String(der.length) },
        ),
      );
    }
    return cert;
  });
  if (!parsedSent[0]) {
    const chain = input.chain.map((der, i) => (parsedSent[i] ? summarize(parsedSent[i], i, 'sent', []) : unreadableSummary(der, i, 'sent')));
    return withNodeCrossCheck({ ok: false, findings, chain, path: [] }, input.nodeError);
  }

  // The same certificates for the same host and trust store were judged before: reuse what does not depend on the time.
  const key = verdictKey(parsedSent, input.host);
  const known = key === null ? undefined : lookupVerdict(input.trust, key);
  const whole = known === undefined ? null : wholeAt(known, now);
  if (whole !== null) return withNodeCrossCheck(copyCore(whole), input.nodeError);

  const built = known?.built ?? buildPath(parsedSent, input.trust, parseStoreCertificate);
  const ctx: CheckContext = { ...built, host: input.host, now };
  const perCheck = ALL_CHECKS.map((check, i) => known?.fixed[i] ?? check(ctx));
  const results = perCheck.flat();
  findings.push(...results.flatMap((r) => r.findings));
  const chain = built.certs.map((cert, i) => {
    const source = i < built.sentCount ? 'sent' : 'trust-store';
    return cert ? summarize(cert, i, source, results) : unreadableSummary(input.chain[i], i, source);
  });
  const ok = !findings.some((f) => f.severity === 'error');
  const core: VerdictCore = { ok, findings, chain, path: [...built.path] };
  if (key === null) return withNodeCrossCheck(core, input.nodeError);
  const entry: CachedVerdict = known ?? { built, fixed: perCheck.map((r, i) => (ALL_CHECKS[i] === checkValidity ? null : r)), whole: null };
  const timeless = perCheck[ALL_CHECKS.indexOf(checkValidity)].every((r) => r.findings.length === 0);
  if (timeless) entry.whole = { day: utcDay(now), ...validWindow(built.certs), result: copyCore(core) };
  rememberVerdict(input.trust, key, entry);
  return withNodeCrossCheck(copyCore(core), input.nodeError);
}

/**
 * Node refused the chain but none of our checks found an error: say so, as an error, rather than pass a
 * chain Node would not (trust stores can differ, or Node checks something we do not).
 */
function withNodeCrossCheck(result: VerifyResult, nodeError: string | null | undefined): VerifyResult {
  if (!nodeError || !result.ok) return result;
  result.findings.push(
    finding(
      'NODE_VERIFY_FAILED',
      null,
      say('NODE_VERIFY_FAILED', { code: nodeError, why: explainNodeError(nodeError).replace(/\.$/, '') }),
      { nodeError },
    ),
  );
  result.ok = false;
  return result;
}

function summarize(cert: ParsedCertificate, index: number, source: CertSummary['source'], results: readonly CheckResult[]): CertSummary {
  const checks: CertCheck[] = results
    .filter((r) => r.index === index)
    .map((r) => ({
      check: r.check,
      ok: r.findings.length === 0,
      message: r.findings.length === 0 ? r.okMessage : r.findings.map((f) => f.message).join(' '),
    }));
  return {
    index,
    subject: cert.subject,
    issuer: cert.issuer,
    serialHex: cert.serialHex,
    notBefore: iso(cert.notBefore),
    notAfter: iso(cert.notAfter),
    san: sanStrings(cert),
    fingerprint256: cert.fingerprint256,
    publicKey: cert.key.label,
    signatureAlgorithm: cert.signature.name,
    isCA: cert.basicConstraints?.ca ?? false,
    selfSigned: isSelfSigned(cert),
    checks,
    source,
  };
}

function colonHex(buf: Buffer): string {
  return (buf.toString('hex').toUpperCase().match(/../g) ?? []).join(':');
}

function unreadableSummary(der: Buffer, index: number, source: CertSummary['source']): CertSummary {
  return {
    index,
    subject: '(unreadable certificate)',
    issuer: '',
    serialHex: '',
    notBefore: '',
    notAfter: '',
    san: [],
    fingerprint256: colonHex(createHash('sha256').update(der).digest()),
    publicKey: 'unknown',
    signatureAlgorithm: 'unknown',
    isCA: false,
    selfSigned: false,
    checks: [{ check: 'chain', ok: false, message: `Certificate #${index} cannot be read as an X.509 certificate.` }],
    source,
  };
}

/**
 * One certificate on its own (e.g. a leaf tlslab minted): the checks that need no chain and no host
 * (validity now, signature algorithm, key strength).
 */
export function summarizeCertificate(der: Buffer, index: number, source: CertSummary['source']): CertSummary {
  const { cert } = tryParse(der);
  if (!cert) return unreadableSummary(der, index, source);
  const certs: (ParsedCertificate | null)[] = new Array<ParsedCertificate | null>(index + 1).fill(null);
  certs[index] = cert;
  const end: ChainEnd = { kind: 'issuer-missing', last: index, loop: false };
  const ctx: CheckContext = { certs, sentCount: index + 1, path: [index], end, host: null, now: new Date() };
  return summarize(cert, index, source, INTRINSIC_CHECKS.flatMap((check) => check(ctx)));
}
