// Key strength of every certificate: RSA at least 2048 bits (CA/Browser Forum BR §6.1.5), EC only on
// P-256/P-384/P-521, or Ed25519/Ed448. Pure.
import type { Finding } from '../events/schema';
import type { Check, CheckResult } from './context';
import { onPath, parsed, phrase } from './context';
import { finding } from './findings';
import { say, sayOk } from './finding-text';

export const MIN_RSA_BITS = 2048;
/** Below this, Chromium and Firefox refuse an RSA key whatever the root (their weak-key floor). */
export const BROWSER_RSA_FLOOR = 1024;

/** KEY_RSA_TOO_SMALL's sentence: what browsers do depends on the root the chain ends at (public or added by the user). */
export function rsaTooSmall(who: string, bits: number): string {
  return bits >= BROWSER_RSA_FLOOR ? say('KEY_RSA_TOO_SMALL', { who, bits, minimum: MIN_RSA_BITS }) : say('KEY_RSA_TOO_SMALL.below_floor', { who, bits, floor: BROWSER_RSA_FLOOR });
}

export const checkKeyStrength: Check = (ctx) =>
  parsed(ctx).map(([index, cert]): CheckResult => {
    const key = cert.key;
    const who = phrase(ctx, index);
    const off = !onPath(ctx, index);
    const detail = { key: key.label, bits: key.bits === null ? 'unknown' : String(key.bits) };
    const findings: Finding[] = [];
    if ((key.kind === 'RSA' || key.kind === 'RSA-PSS') && key.bits !== null && key.bits < MIN_RSA_BITS) {
      findings.push(
        finding(
          'KEY_RSA_TOO_SMALL',
          index,
          rsaTooSmall(who, key.bits),
          { ...detail, minimum: String(MIN_RSA_BITS) },
          off,
        ),
      );
    } else if (key.kind === 'EC' && !key.curveAccepted) {
      findings.push(
        finding(
          'KEY_WEAK_CURVE',
          index,
          say('KEY_WEAK_CURVE', { who, curve: key.curve ?? 'unknown' }),
          { ...detail, curve: key.curve ?? 'unknown' },
          off,
        ),
      );
    } else if (key.kind === 'DSA' || key.kind === 'unknown') {
      findings.push(
        finding('KEY_UNSUPPORTED_TYPE', index, say('KEY_UNSUPPORTED_TYPE', { who, key: key.label }), detail, off),
      );
    }
    return { index, check: 'key-strength', findings, okMessage: sayOk('key-strength', { key: key.label }) };
  });
