// What browsers really do with a flaw when the chain ends at a root the user added (tlslab's CA, the lab root)
// rather than at a public one: the exceptions to "a browser refuses it", as measured. Pure data, no I/O.
import type { FindingCode } from './findings';

/**
 * Flaws Chromium and Firefox accept under a root the user added themselves, with the sentence that says so.
 * Measured with Chromium 156 and Firefox ESR 153 (docs/lab.md, the rsa1024 case, directly and through tlslab in
 * mirror mode). Every other error-level flaw is refused by both, whatever the root.
 */
export const ACCEPTED_UNDER_USER_ROOT: Readonly<Partial<Record<FindingCode, string>>> = {
  KEY_RSA_TOO_SMALL:
    'Chromium and Firefox load a certificate with a 1024-bit RSA key when it chains to a root the user added (as the lab root or tlslab’s CA): their 2048-bit minimum applies to certificates from public certificate authorities.',
};

/** The sentences for the codes in `codes` that browsers accept under a user-added root (none: all are refused). */
export function acceptedUnderUserRoot(codes: readonly string[]): string[] {
  const table: Readonly<Record<string, string | undefined>> = ACCEPTED_UNDER_USER_ROOT;
  return [...new Set(codes)].flatMap((c) => {
    const sentence = table[c];
    return sentence ? [sentence] : [];
  });
}

/** True when browsers refuse every one of `codes`, whatever root the chain ends at. */
export function refusedByBrowsersAnyway(codes: readonly string[]): boolean {
  return acceptedUnderUserRoot(codes).length === 0;
}
