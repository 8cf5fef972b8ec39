// Per-student fair share of the proxy: open tunnels at once, and new connections per second (a token bucket),
// so one student's flood cannot starve the room. Pure accounting over an injected clock; the caller enforces.
import { BoundedMap } from './bounded-map';
import { fullBucket, take, type Bucket, type BucketRule } from './token-bucket';

export type ShareLimit = 'concurrent-tunnels' | 'connection-rate';

export interface ShareLimits {
  /** Tunnels (CONNECT or plain-HTTP relays) one student may have open at once. */
  maxTunnels: number;
  /** New connections: burst and sustained rate per student. */
  connections: BucketRule;
}

/**
 * Defaults: a browser opens up to 6 connections per host and 32 per proxy (Chromium), a page load through the
 * lab a few dozen; 64 open and 40 at once then 10 a second leave that untouched and stop a script's flood.
 */
export const DEFAULT_SHARE_LIMITS: ShareLimits = { maxTunnels: 64, connections: { capacity: 40, perSecond: 10 } };

/** Returned when a connection is admitted; `release()` when it closes (a second call does nothing). */
export interface Lease {
  readonly studentId: string;
  release(): void;
}

export type AdmitResult =
  | { ok: true; lease: Lease }
  /** `value` is the limit that bit (for the event and the 429 text); `open` how many the student has open. */
  | { ok: false; limit: ShareLimit; value: number; open: number; retryAfterMs: number };

interface StudentShare {
  open: number;
  bucket: Bucket;
}

export interface FairShareOptions {
  limits?: ShareLimits;
  /** Students tracked at most (idle ones forgotten first; ones with open tunnels are never forgotten). */
  maxStudents?: number;
  now?: () => number;
}

export class FairShare {
  readonly limits: ShareLimits;
  readonly #now: () => number;
  readonly #students: BoundedMap<string, StudentShare>;

  constructor(opts: FairShareOptions = {}) {
    this.limits = opts.limits ?? DEFAULT_SHARE_LIMITS;
    this.#now = opts.now ?? Date.now;
    this.#students = new BoundedMap(opts.maxStudents ?? 4096, (s) => s.open === 0);
  }

  /** Admits one new connection for a student, or says which limit bit. A refused one costs no token. */
  admit(studentId: string): AdmitResult {
    const now = this.#now();
    const s = this.#students.get(studentId) ?? { open: 0, bucket: fullBucket(this.limits.connections, now) };
    this.#students.set(studentId, s);
    if (s.open >= this.limits.maxTunnels) {
      return { ok: false, limit: 'concurrent-tunnels', value: this.limits.maxTunnels, open: s.open, retryAfterMs: 1000 };
    }
    const t = take(s.bucket, this.limits.connections, now);
    if (!t.ok) return { ok: false, limit: 'connection-rate', value: this.limits.connections.perSecond, open: s.open, retryAfterMs: t.retryAfterMs };
    s.open++;
    let released = false;
    return {
      ok: true,
      lease: {
        studentId,
        release: () => {
          if (released) return;
          released = true;
          s.open = Math.max(0, s.open - 1);
        },
      },
    };
  }

  /** Open tunnels of one student. */
  openCount(studentId: string): number {
    return this.#students.peek(studentId)?.open ?? 0;
  }

  /** Students tracked right now. */
  get size(): number {
    return this.#students.size;
  }
}
