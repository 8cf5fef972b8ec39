// Validity period (RFC 5280 §4.1.2.5, §6.1.3 (a)(2)): every certificate, against `now`. Pure.
import type { Check, CheckResult } from './context';
import { onPath, parsed, phrase } from './context';
import { finding } from './findings';
import { day, iso } from './words';

export const checkValidity: Check = (ctx) =>
  parsed(ctx).map(([index, cert]): CheckResult => {
    const who = phrase(ctx, index);
    const detail = { notBefore: iso(cert.notBefore), notAfter: iso(cert.notAfter), now: iso(ctx.now) };
    const off = !onPath(ctx, index);
    const findings = [];
    if (ctx.now.getTime() > cert.notAfter.getTime()) {
      findings.push(
        finding(
          'CERT_EXPIRED',
          index,
          `${who} expired on ${day(cert.notAfter)}; today is ${day(ctx.now)}, so it can no longer be trusted.`,
          detail,
          off,
        ),
      );
    }
    if (ctx.now.getTime() < cert.notBefore.getTime()) {
      findings.push(
        finding(
          'CERT_NOT_YET_VALID',
          index,
          `${who} only becomes valid on ${day(cert.notBefore)}; today is ${day(ctx.now)} (a wrong clock on either side causes this too).`,
          detail,
          off,
        ),
      );
    }
    return {
      index,
      check: 'validity',
      findings,
      okMessage: `Valid from ${day(cert.notBefore)} to ${day(cert.notAfter)}, and today (${day(ctx.now)}) is inside that period.`,
    };
  });
