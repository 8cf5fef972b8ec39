// What every check sees (the built path, the host, the time) and what it returns (per-certificate results).
// Pure data and helpers; no I/O.
import type { CheckName, Finding } from '../events/schema';
import type { ChainEnd } from './chain';
import { displayName, isSelfIssued, type ParsedCertificate } from './parse-certificate';
import { type CertRole, certPhrase } from './words';

export interface CheckContext {
  /** Sent certificates (null when unparsable), then trust-store certificates the path used. */
  certs: readonly (ParsedCertificate | null)[];
  sentCount: number;
  /** Indexes into `certs`, leaf first. */
  path: readonly number[];
  end: ChainEnd;
  /** The name the client asked for; null when the caller runs only certificate-intrinsic checks. */
  host: string | null;
  now: Date;
}

/** One check on one certificate: its findings, and the sentence to show when there are none. */
export interface CheckResult {
  index: number;
  check: CheckName;
  findings: Finding[];
  okMessage: string;
}

export type Check = (ctx: CheckContext) => CheckResult[];

export function onPath(ctx: CheckContext, index: number): boolean {
  return ctx.path.includes(index);
}

/** The certificate the path ends on when it is trusted by the store or is a self-signed root. */
export function isAnchor(ctx: CheckContext, index: number): boolean {
  const e = ctx.end;
  return (e.kind === 'trusted' && e.anchor === index) || (e.kind === 'untrusted-root' && e.root === index);
}

export function fromTrustStore(ctx: CheckContext, index: number): boolean {
  return index >= ctx.sentCount;
}

export function roleOf(ctx: CheckContext, index: number): CertRole {
  if (index === 0) return 'leaf';
  if (!onPath(ctx, index)) return 'extra';
  const cert = ctx.certs[index];
  return cert && isAnchor(ctx, index) && isSelfIssued(cert) ? 'root' : 'intermediate';
}

/** Subject phrase for a sentence about certificate `index`. */
export function phrase(ctx: CheckContext, index: number): string {
  const cert = ctx.certs[index];
  return certPhrase(roleOf(ctx, index), cert ? displayName(cert) : `#${index}`, index, fromTrustStore(ctx, index));
}

/** Parsed certificates with their indexes, in chain order. */
export function parsed(ctx: CheckContext): [number, ParsedCertificate][] {
  const out: [number, ParsedCertificate][] = [];
  ctx.certs.forEach((c, i) => {
    if (c) out.push([i, c]);
  });
  return out;
}
