// Remembers verifyServerChain's work for chains it has already judged: the same server (or tlslab's own leaf) sends
// the same certificates on every connection. Pure, in-memory, bounded; holds no I/O and no secret.
//
// What may be reused, and when:
// - the path and every check except validity depend only on the certificates, the host and the trust store: kept
//   for as long as the entry lives;
// - validity depends on the time: the whole result is reused only on the same UTC day (its sentences name the day)
//   and while `now` lies inside every certificate's validity period (no CERT_EXPIRED / CERT_NOT_YET_VALID, whose
//   detail carries the time to the second). Otherwise validity is checked again and the result assembled afresh.
// Callers always get fresh objects (findings, summaries, their arrays), never the remembered ones.
import type { CertCheck, CertSummary, Finding } from '../events/schema';
import type { BuiltPath } from './chain';
import type { CheckResult } from './context';
import type { ParsedCertificate } from './parse-certificate';
import type { TrustStore } from './trust-store';

/** What verifyServerChain returns before Node's cross-check (the cross-check is applied per call). */
export interface VerdictCore {
  ok: boolean;
  findings: Finding[];
  chain: CertSummary[];
  path: number[];
}

export interface CachedVerdict {
  built: BuiltPath;
  /** Results of every time-independent check, by check, in ALL_CHECKS order (null where validity goes). */
  fixed: readonly (readonly CheckResult[] | null)[];
  /** The whole result for `day`, reusable while `now` stays within [validFrom, validTo]. */
  whole: { day: number; validFrom: number; validTo: number; result: VerdictCore } | null;
}

/** Chains remembered per trust store (oldest forgotten first). */
const MAX_ENTRIES = 256;
const MS_PER_DAY = 86_400_000;

const byStore = new WeakMap<TrustStore, Map<string, CachedVerdict>>();

/** The UTC day number of `now` (what `day()` prints), NaN for an invalid date. */
export function utcDay(now: Date): number {
  return Math.floor(now.getTime() / MS_PER_DAY);
}

/** Key of a chain for a host: the SHA-256 fingerprint of every certificate as sent, in order; null if one is unreadable. */
export function verdictKey(sent: readonly (ParsedCertificate | null)[], host: string): string | null {
  let key = host;
  for (const cert of sent) {
    if (cert === null) return null;
    key += `\n${cert.fingerprint256}`;
  }
  return key;
}

export function lookupVerdict(trust: TrustStore, key: string): CachedVerdict | undefined {
  return byStore.get(trust)?.get(key);
}

export function rememberVerdict(trust: TrustStore, key: string, entry: CachedVerdict): void {
  let entries = byStore.get(trust);
  if (entries === undefined) byStore.set(trust, (entries = new Map<string, CachedVerdict>()));
  if (!entries.has(key) && entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(key, entry);
}

/** The instants between which no certificate of the path's list is expired or not yet valid. */
export function validWindow(certs: readonly (ParsedCertificate | null)[]): { validFrom: number; validTo: number } {
  let validFrom = -Infinity;
  let validTo = Infinity;
  for (const c of certs) {
    if (c === null) continue;
    validFrom = Math.max(validFrom, c.notBefore.getTime());
    validTo = Math.min(validTo, c.notAfter.getTime());
  }
  return { validFrom, validTo };
}

/** The remembered whole result, if it holds at `now`. */
export function wholeAt(entry: CachedVerdict, now: Date): VerdictCore | null {
  const w = entry.whole;
  if (w === null) return null;
  const t = now.getTime();
  return utcDay(now) === w.day && t >= w.validFrom && t <= w.validTo ? w.result : null;
}

function copyFinding(f: Finding): Finding {
  return f.detail === undefined ? { ...f } : { ...f, detail: { ...f.detail } };
}

function copySummary(c: CertSummary): CertSummary {
  return { ...c, san: [...c.san], checks: c.checks.map((k: CertCheck) => ({ ...k })) };
}

/** A copy the caller may change without touching the remembered one. */
export function copyCore(r: VerdictCore): VerdictCore {
  return { ok: r.ok, findings: r.findings.map(copyFinding), chain: r.chain.map(copySummary), path: [...r.path] };
}
