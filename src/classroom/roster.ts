// Who is signed in under which name, and from where: a name belongs to the address that first used it until it
// has been idle for a while, so a classmate cannot take over someone's name (and their view) from another computer.
import { BoundedMap } from './bounded-map';
import { effectiveAddress, parseIpLiteral } from './ip-address';

export interface RosterEntry {
  id: string;
  name: string;
  /** The address that holds the name (effective address: `::ffff:10.0.0.7` is 10.0.0.7). */
  address: string;
  firstSeen: number;
  lastSeen: number;
}

export interface RosterOptions {
  /** A name idle this long (ms) can be taken from another address; default 15 minutes. */
  idleReleaseMs?: number;
  /** Names remembered at most (least recently seen forgotten first); default 4096. */
  maxNames?: number;
  now?: () => number;
}

export type ClaimResult = { ok: true; entry: RosterEntry; isNew: boolean } | { ok: false; heldBy: string; idleForMs: number };

export class Roster {
  readonly #idleReleaseMs: number;
  readonly #now: () => number;
  readonly #byId: BoundedMap<string, RosterEntry>;

  constructor(opts: RosterOptions = {}) {
    this.#idleReleaseMs = opts.idleReleaseMs ?? 15 * 60_000;
    this.#now = opts.now ?? Date.now;
    this.#byId = new BoundedMap(opts.maxNames ?? 4096);
  }

  /**
   * A signed-in request under (id, name) from `client`. Same address (NAT included: two students behind one
   * address keep their own names) → ok; another address while the name is in use → refused (407 "name in use").
   */
  claim(id: string, name: string, client: string | undefined): ClaimResult {
    const parsed = client === undefined ? null : parseIpLiteral(client);
    const address = parsed === null ? '(unknown)' : effectiveAddress(parsed).text;
    const now = this.#now();
    const held = this.#byId.get(id);
    if (held !== undefined && held.address !== address && now - held.lastSeen < this.#idleReleaseMs) {
      return { ok: false, heldBy: held.address, idleForMs: now - held.lastSeen };
    }
    const isNew = held === undefined || held.address !== address;
    const entry: RosterEntry = isNew ? { id, name, address, firstSeen: now, lastSeen: now } : { ...held, name, lastSeen: now };
    this.#byId.set(id, entry);
    return { ok: true, entry, isNew };
  }

  /** Lets another address take a name at once (the instructor's "release", or a student who changed computer). */
  release(id: string): boolean {
    return this.#byId.delete(id);
  }

  get(id: string): RosterEntry | undefined {
    return this.#byId.peek(id);
  }

  /** Everyone, most recently seen last. */
  list(): RosterEntry[] {
    return [...this.#byId.entries()].map(([, e]) => e);
  }
}
