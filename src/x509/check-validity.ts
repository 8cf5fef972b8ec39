// Validity period (RFC 5280 §4.1.2.5, §6.1.3 (a)(2)): every certificate, against `now`. Pure.
import type { Check, CheckResult } from './context';
import { onPath, parsed, phrase } from './context';
import { finding } from './findings';
import { say, sayOk } from './finding-text';
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
          say('CERT_EXPIRED', { who, notAfter: day(cert.notAfter), today: day(ctx.now) }),
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
          say('CERT_NOT_YET_VALID', { who, notBefore: day(cert.notBefore), today: day(ctx.now) }),
          detail,
          off,
        ),
      );
    }
    return {
      index,
      check: 'validity',
      findings,
      okMessage: sayOk('validity', { notBefore: day(cert.notBefore), notAfter: day(cert.notAfter), today: day(ctx.now) }),
    };
  });
