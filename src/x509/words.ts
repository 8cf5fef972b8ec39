// Wording shared by every check: dates as a student reads them, how to name a certificate, lists.
// Pure formatting; no I/O.
import { assertNever } from '../events/schema';
import { CERT_PHRASE, fillTemplate } from './finding-text';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `3 March 2024` (UTC). */
export function day(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** ISO 8601 without milliseconds, for `detail`. */
export function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** `a`, `a and b`, `a, b and c`, `a, b, c and 4 more`. */
export function list(items: readonly string[], max = 4): string {
  if (items.length === 0) return 'nothing';
  if (items.length === 1) return items[0];
  if (items.length > max) return `${items.slice(0, max - 1).join(', ')} and ${items.length - max + 1} more`;
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Where a certificate sits, for the subject of a sentence. */
export type CertRole = 'leaf' | 'intermediate' | 'root' | 'extra';

/** `The server's certificate`, `The intermediate certificate “R3” (#1)`, `The root certificate “X” from the trust store`. */
export function certPhrase(role: CertRole, name: string, index: number, fromTrustStore: boolean): string {
  switch (role) {
    case 'leaf':
      return CERT_PHRASE.leaf;
    case 'intermediate':
      return fillTemplate(CERT_PHRASE.intermediate, { name, index });
    case 'root':
      return fillTemplate(fromTrustStore ? CERT_PHRASE['root.trust_store'] : CERT_PHRASE.root, { name, index });
    case 'extra':
      return fillTemplate(CERT_PHRASE.extra, { name, index });
    default:
      return assertNever(role);
  }
}

/** Lower-cases the first letter, for a phrase in mid-sentence. */
export function lower(phrase: string): string {
  return phrase.charAt(0).toLowerCase() + phrase.slice(1);
}
