// Loads the X.509 fixtures made by test/fixtures/x509/make-certs.sh, and a trust store that holds their root.
// Test-only file I/O (reads the committed fixtures).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTrustStore, pemToDers, type TrustStore } from '../../src/x509';

export const X509_FIXTURES = join(__dirname, '..', 'fixtures', 'x509');

/** A fixed "today" for deterministic dates: the good fixtures run 2025–2045, the expired one 2020–2021. */
export const FIXED_NOW = new Date('2026-11-29T12:00:00Z');

export function pem(name: string): string {
  return readFileSync(join(X509_FIXTURES, `${name}.pem`), 'utf8');
}

export function der(name: string): Buffer {
  return pemToDers(pem(name))[0];
}

export function key(name: string): string {
  return readFileSync(join(X509_FIXTURES, `${name}.key`), 'utf8');
}

/** DERs of the named fixtures, in order: `chain('leaf', 'int')`. */
export function chain(...names: string[]): Buffer[] {
  return names.map(der);
}

/** A trust store holding only the fixtures' "tlslab Test Root". */
export function labTrust(): TrustStore {
  return createTrustStore({ extraPems: [pem('root')] });
}
