// Bounded LRU of TLS SecureContexts for minted leaves, keyed by the sorted name list; concurrent requests
// for one key share one issuance. In memory only; the CA does the issuing.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CertificateAuthority } from './authority';
import { normalizeNames, type LeafNames } from './names';

export class LeafCache {
  readonly #ca: CertificateAuthority;
  readonly #max: number;
  /** Map iteration order is insertion order: the first entry is the least recently used. */
  readonly #entries = new Map<string, SecureContext>();
  readonly #inFlight = new Map<string, Promise<SecureContext>>();
  #issued = 0;

  constructor(ca: CertificateAuthority, max = 1000) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`LeafCache bound must be a positive integer, got ${max}`);
    this.#ca = ca;
    this.#max = max;
  }

  /** Contexts currently cached. */
  get size(): number {
    return this.#entries.size;
  }

  /** Leaves issued since this cache was made (misses). */
  get issued(): number {
    return this.#issued;
  }

  /** A SecureContext whose certificate covers `names` (leaf + CA chain, shared leaf key). */
  get(names: LeafNames): Promise<SecureContext> {
    let key: string;
    let normalized: ReturnType<typeof normalizeNames>;
    try {
      normalized = normalizeNames(names);
      key = normalized.key;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return Promise.resolve(hit);
    }
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    const made = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        const leaf = this.#ca.issueNormalized(normalized);
        this.#issued += 1;
        const context = createSecureContext({ cert: [leaf.certPem, ...leaf.chainPem].join(''), key: leaf.keyPem });
        this.#entries.set(key, context);
        while (this.#entries.size > this.#max) {
          const oldest = this.#entries.keys().next().value as string;
          this.#entries.delete(oldest);
        }
        return context;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, made);
    return made;
  }

  /** Is a context for `names` cached right now? (Does not refresh its place.) */
  has(names: LeafNames): boolean {
    return this.#entries.has(normalizeNames(names).key);
  }
}
