// Failed sign-ins per source address: a token bucket each (10 failures, then one more every 6 s by default), kept
// in a bounded LRU so a flood of addresses cannot grow memory. Pure over an injected clock.
import { BoundedMap } from './bounded-map';
import { addressKey, parseIpLiteral } from './ip-address';
import { fullBucket, hasToken, isFull, refill, take, waitFor, type Bucket, type BucketRule } from './token-bucket';

export interface FailureLimiterOptions {
  /** Default: 10 failures at once, refilled at 10 a minute. */
  rule?: BucketRule;
  /** Addresses remembered at most (least recently failed forgotten first); default 4096. */
  maxAddresses?: number;
  now?: () => number;
}

export const DEFAULT_FAILURE_RULE: BucketRule = { capacity: 10, perSecond: 10 / 60 };

export type LimitCheck = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Usage: `check(addr)` before looking at credentials (refused → answer 429 without checking them), then
 * `fail(addr)` when they were wrong. A success does not reset the count: behind NAT, one student's success
 * must not wipe out another client's failures.
 */
export class FailureLimiter {
  readonly #rule: BucketRule;
  readonly #now: () => number;
  readonly #buckets: BoundedMap<string, Bucket>;

  constructor(opts: FailureLimiterOptions = {}) {
    this.#rule = opts.rule ?? DEFAULT_FAILURE_RULE;
    this.#now = opts.now ?? Date.now;
    this.#buckets = new BoundedMap(opts.maxAddresses ?? 4096);
  }

  /** IPv4 by address, IPv6 by /64, anything unreadable under one shared key. */
  static keyOf(address: string | undefined): string {
    const a = address === undefined ? null : parseIpLiteral(address);
    return a === null ? '(unknown)' : addressKey(a);
  }

  check(address: string | undefined): LimitCheck {
    const key = FailureLimiter.keyOf(address);
    const b = this.#buckets.peek(key);
    if (b === undefined) return { ok: true };
    const now = this.#now();
    if (isFull(b, this.#rule, now)) {
      this.#buckets.delete(key);
      return { ok: true };
    }
    refill(b, this.#rule, now);
    return hasToken(b) ? { ok: true } : { ok: false, retryAfterMs: waitFor(b, this.#rule) };
  }

  /** Records one failed sign-in. */
  fail(address: string | undefined): void {
    const key = FailureLimiter.keyOf(address);
    const now = this.#now();
    const b = this.#buckets.get(key) ?? fullBucket(this.#rule, now);
    take(b, this.#rule, now);
    this.#buckets.set(key, b);
  }

  /** Addresses currently remembered (for tests and the room overview). */
  get size(): number {
    return this.#buckets.size;
  }
}
