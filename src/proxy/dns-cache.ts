// Recent DNS answers, so that a browser's burst of connections to one host costs one lookup, not one each (a
// lookup through the system resolver is ~0.5 ms of the proxy's time plus a thread-pool slot). Only successful answers
// are kept, for a few seconds — less than a browser keeps them itself — and each connection still uses exactly the
// addresses that were checked. I/O: DNS, through the lookup function it is given.
import type { Resolution } from './upstream';

export interface DnsCacheOptions {
  /** How long an answer is reused, ms (default 5,000). */
  ttlMs?: number;
  /** Most names kept (default 1,024): the oldest answer goes first. */
  maxNames?: number;
  /** Now, ms (default Date.now). */
  clock?: () => number;
}

/** One lookup per name every `ttlMs`; lookups of a name already in flight share it. */
export class DnsCache {
  readonly #ttlMs: number;
  readonly #maxNames: number;
  readonly #clock: () => number;
  readonly #answers = new Map<string, { resolution: Resolution; until: number }>();
  readonly #inFlight = new Map<string, Promise<Resolution>>();
  /** Lookups actually made (the rest were answered from the cache). */
  lookups = 0;

  constructor(
    private readonly lookup: (name: string) => Promise<Resolution>,
    opts: DnsCacheOptions = {},
  ) {
    this.#ttlMs = opts.ttlMs ?? 5000;
    this.#maxNames = Math.max(1, opts.maxNames ?? 1024);
    this.#clock = opts.clock ?? Date.now;
  }

  /** `name`'s addresses: a recent successful answer, or a new lookup (failures are not kept). */
  resolve(name: string): Promise<Resolution> {
    const key = name.toLowerCase();
    const kept = this.#answers.get(key);
    if (kept && kept.until > this.#clock()) return Promise.resolve(kept.resolution);
    if (kept) this.#answers.delete(key);
    const pending = this.#inFlight.get(key);
    if (pending) return pending;
    this.lookups += 1;
    const p = this.lookup(name).then((r) => {
      this.#inFlight.delete(key);
      if (r.ok) this.#keep(key, r);
      return r;
    });
    this.#inFlight.set(key, p);
    return p;
  }

  #keep(key: string, resolution: Resolution): void {
    this.#answers.delete(key);
    this.#answers.set(key, { resolution, until: this.#clock() + this.#ttlMs });
    while (this.#answers.size > this.#maxNames) this.#answers.delete(this.#answers.keys().next().value as string);
  }
}
