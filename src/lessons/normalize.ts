// How an answer is compared with the value read from a connection: case, spaces and punctuation do not matter, and
// a few names have aliases (P-256 is secp256r1). Pure; no Node imports.

/** RFC 8446 §4.2.7 group names and the names OpenSSL and NIST use for the same curves. */
const ALIASES: Readonly<Record<string, string>> = {
  p256: 'secp256r1',
  prime256v1: 'secp256r1',
  p384: 'secp384r1',
  p521: 'secp521r1',
  sha256: 'sha256',
  sha384: 'sha384',
};

/** Lowercase, without spaces, dashes, underscores or dots; an alias becomes its canonical name. */
export function canonical(answer: string): string {
  const flat = answer.trim().toLowerCase().replace(/[\s_.-]+/g, '');
  return ALIASES[flat] ?? flat;
}

/** Two spellings of the same answer. A comma-separated list matches the same items in any order. */
export function sameAnswer(a: string, b: string): boolean {
  if (a.includes(',') || b.includes(',')) {
    const set = (s: string): string => s.split(',').map(canonical).filter((x) => x !== '').sort().join(',');
    return set(a) === set(b);
  }
  return canonical(a) === canonical(b);
}
