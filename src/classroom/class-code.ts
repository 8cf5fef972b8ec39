// The class code: the shared password students type as their proxy password. Generated as two words and a
// number (`maple-rocket-47`, easy to read aloud), or given with `--class-code`. Pure but for node:crypto randomness.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { CODE_WORDS } from './code-words';

/** The shortest code accepted, counted without separators (`ab-cd-ef` counts 6). */
export const CLASS_CODE_MIN = 6;
/** The longest code accepted, as typed. */
export const CLASS_CODE_MAX = 64;

/**
 * A fresh code: `word-word-NN` with 256 words and NN in 10–99, about 22.5 bits. Guessing is slowed by the
 * per-address failure limit (failure-limiter.ts); the code keeps strangers out, it is not a personal password.
 */
export function generateClassCode(random: (max: number) => number = randomInt): string {
  const word = (): string => CODE_WORDS[random(CODE_WORDS.length)];
  return `${word()}-${word()}-${10 + random(90)}`;
}

/**
 * How a code is compared: NFKC, lower case, and without spaces, hyphens, underscores and dots, so that
 * `Maple Rocket 47`, `maple-rocket-47` and `MAPLEROCKET47` are the same code.
 */
export function canonicalCode(code: string): string {
  return code.normalize('NFKC').toLowerCase().replace(/[\s\-_.]+/gu, '');
}

export type ClassCodeError = 'too-short' | 'too-long' | 'bad-character';

const CODE_ERRORS = {
  'too-short': `is too short: it needs at least ${CLASS_CODE_MIN} letters or digits (not counting - _ . and spaces)`,
  'too-long': `is too long: at most ${CLASS_CODE_MAX} characters`,
  'bad-character': 'may hold only the letters A–Z and a–z, digits, and - _ . (so it can be typed on any keyboard and in a proxy URL)',
} as const satisfies Record<ClassCodeError, string>;

export type ClassCodeCheck = { ok: true; code: string } | { ok: false; error: ClassCodeError; message: string };

/** Checks a `--class-code` value. The message names the option and says what to change. */
export function checkClassCode(value: string): ClassCodeCheck {
  const fail = (error: ClassCodeError, extra = ''): ClassCodeCheck => ({ ok: false, error, message: `--class-code ${CODE_ERRORS[error]}${extra}` });
  if (value.length > CLASS_CODE_MAX) return fail('too-long');
  const bad = /[^A-Za-z0-9\-_.]/u.exec(value);
  if (bad !== null) return fail('bad-character', ` (found ${JSON.stringify(bad[0])} at position ${bad.index + 1})`);
  if (canonicalCode(value).length < CLASS_CODE_MIN) return fail('too-short');
  return { ok: true, code: value };
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * True when a typed password is the class code (compared canonically). Constant time: both sides are hashed
 * first, so neither their contents nor their lengths change how long the comparison takes.
 */
export function classCodeMatches(typed: string, code: string): boolean {
  const expected = canonicalCode(code);
  const same = timingSafeEqual(digest(canonicalCode(typed)), digest(expected));
  // A code that checkClassCode would refuse (empty, say) matches nothing.
  return same && expected.length >= CLASS_CODE_MIN;
}
