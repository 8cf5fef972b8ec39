// A token bucket as a value: `capacity` tokens, refilled at `perSecond`; taking one is allowed while any is
// left. Pure arithmetic over an injected clock (milliseconds); the callers keep one bucket per key.

export interface BucketRule {
  /** Most tokens the bucket holds (the burst). */
  capacity: number;
  /** Tokens added per second. */
  perSecond: number;
}

export interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/** Rates like 10 a minute are not exact in binary: a token counts as whole within this much. */
const EPS = 1e-9;

/** True when at least one whole token is in the bucket. Call after `refill`. */
export function hasToken(b: Bucket): boolean {
  return b.tokens >= 1 - EPS;
}

export function fullBucket(rule: BucketRule, now: number): Bucket {
  return { tokens: rule.capacity, at: now };
}

/** Tops the bucket up for the time passed (a clock going backwards adds nothing). */
export function refill(b: Bucket, rule: BucketRule, now: number): void {
  const elapsed = Math.max(0, now - b.at);
  b.tokens = Math.min(rule.capacity, b.tokens + (elapsed * rule.perSecond) / 1000);
  b.at = Math.max(b.at, now);
}

/** Takes one token if there is one; otherwise says how long until there will be. */
export function take(b: Bucket, rule: BucketRule, now: number): { ok: true } | { ok: false; retryAfterMs: number } {
  refill(b, rule, now);
  if (hasToken(b)) {
    b.tokens = Math.max(0, b.tokens - 1);
    return { ok: true };
  }
  return { ok: false, retryAfterMs: waitFor(b, rule) };
}

/** Milliseconds until one token is available (0 when one is). Call after `refill`. */
export function waitFor(b: Bucket, rule: BucketRule): number {
  if (hasToken(b)) return 0;
  return rule.perSecond <= 0 ? Number.POSITIVE_INFINITY : Math.ceil(((1 - b.tokens) * 1000) / rule.perSecond);
}

/** True when the bucket is full again at `now`: it then holds no information and may be forgotten. */
export function isFull(b: Bucket, rule: BucketRule, now: number): boolean {
  refill(b, rule, now);
  return b.tokens >= rule.capacity - EPS;
}
