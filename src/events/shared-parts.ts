// Keeps the parts that events repeat once in memory: the history holds tens of thousands of events, and most of what a
// connection's events carry — protocol names, a client's offered suites and extensions, certificates, verdict chains —
// is the same for the next connection to the same host from the same browser. Pure: no I/O, no Node imports.
import type { Named, TlslabEvent } from './schema.js';

/** Distinct values each table keeps (the oldest is let go first): the tables' memory bound. */
export const SHARED_EVENT_PARTS_MAX = 2048;
/** Strings shorter than this are not looked up (names, codes and notes are shared already, or too small to matter). */
const MIN_TEXT = 256;
/** Nested objects deeper than this are left as they are (the parts worth sharing sit near the top). */
const MAX_DEPTH = 4;
/** Keys whose values are unique to one event (bytes as hex, field trees): never walked. */
const UNIQUE_KEYS: ReadonlySet<string> = new Set(['hex', 'fields', 'previewHex', 'random', 'sessionId']);
/** Arrays of objects shared as a whole: certificate chains and verdict findings. */
const WHOLE_KEYS: ReadonlySet<string> = new Set(['chain', 'findings']);
/** Separates the parts of a table key. */
const SEP = '\u0000';

/**
 * The value kept under each key, handed out again for an equal one; at most `max` keys (oldest let go first). A key
 * may be short of the whole value: `same` decides, and an unequal value takes the key over. A key that names its
 * whole value passes `() => true`.
 */
export class Kept<T, K = string> {
  private readonly byKey = new Map<K, T>();

  constructor(private readonly max: number) {}

  get(key: K, value: T, same: (kept: T, value: T) => boolean = (a, b) => a === b): T {
    const kept = this.byKey.get(key);
    if (kept !== undefined && same(kept, value)) return kept;
    if (kept === undefined && this.byKey.size >= this.max) this.byKey.delete(this.byKey.keys().next().value as K);
    this.byKey.set(key, value);
    return value;
  }
}

/** A long string's key: its length and its two ends (certificates differ at the end: their signatures). */
function textKey(t: string): string {
  return t.length <= 96 ? t : `${t.length}${SEP}${t.slice(0, 32)}${SEP}${t.slice(-64)}`;
}

/** A short key for an object: its first few members, strings cut short. Equal objects have equal keys. */
function objectKey(o: unknown): string {
  if (typeof o !== 'object' || o === null) return String(o);
  let key = '';
  let n = 0;
  for (const k in o as Plain) {
    const v = (o as Plain)[k];
    if (typeof v === 'string') key += `${v.slice(0, 96)}${SEP}`;
    else if (Array.isArray(v)) key += `[${v.length}${SEP}`;
    else if (typeof v === 'number' || typeof v === 'boolean') key += `${v}${SEP}`;
    else key += `${typeof v}${SEP}`;
    if (++n === 8) break;
  }
  return key;
}

function sameName(a: Named, b: Named): boolean {
  return a.name === b.name;
}

/** Deep equality of JSON-like values, key order included (equal values serialize the same). */
function same(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > 8) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i] || !same((a as Plain)[ka[i]], (b as Plain)[kb[i]], depth + 1)) return false;
  }
  return true;
}

type Plain = Record<string, unknown>;

function isNamed(v: Plain): v is Plain & Named {
  if (typeof v.code !== 'number' || typeof v.name !== 'string') return false;
  let keys = 0;
  for (const _ in v) keys++;
  return keys === 2;
}

/**
 * `share(event)` puts, in place of parts of the event's nested objects, equal ones kept from earlier events: the same
 * keys in the same order and the same values, so the event reads and serializes exactly as before. Events are never
 * changed once emitted (the bus's rule), which is what makes sharing safe. Unique parts (hex, field trees, randoms)
 * are not looked at, and each table is bounded.
 */
export class SharedEventParts {
  /** By code: a code has one name (unknown codes' names are made from the code), `sameName` checks it. */
  private readonly named = new Kept<Named, number>(SHARED_EVENT_PARTS_MAX);
  private readonly lists = new Kept<unknown[]>(SHARED_EVENT_PARTS_MAX);
  private readonly texts = new Kept<string>(SHARED_EVENT_PARTS_MAX);
  private readonly wholes = new Kept<unknown[]>(SHARED_EVENT_PARTS_MAX);

  share(event: TlslabEvent): void {
    this.walk(event as unknown as Plain, 0);
  }

  /** Replaces the object's shareable members by kept equal ones. */
  private walk(o: Plain, depth: number): void {
    for (const key in o) {
      const v = o[key];
      // Numbers, booleans and short strings (most members) are left at once.
      if (typeof v !== 'object' && (typeof v !== 'string' || v.length < MIN_TEXT)) continue;
      if (v === null || UNIQUE_KEYS.has(key)) continue;
      const shared = WHOLE_KEYS.has(key) && Array.isArray(v) ? this.whole(v) : this.value(v, depth + 1);
      if (shared !== v) o[key] = shared;
    }
  }

  private value(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return v.length >= MIN_TEXT ? this.texts.get(textKey(v), v) : v;
    if (typeof v !== 'object' || v === null || depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) return this.list(v, depth);
    if (isNamed(v as Plain)) return this.named.get((v as Named).code, v as Named, sameName);
    this.walk(v as Plain, depth);
    return v;
  }

  /** An array of names, or of strings (ALPN protocols, key labels, certificates): shared whole once its members are. */
  private list(a: unknown[], depth: number): unknown[] {
    let key = '';
    let listable = true;
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      const shared = this.value(v, depth);
      if (shared !== v) a[i] = shared;
      if (!listable) continue;
      if (typeof shared === 'string') key += `s${textKey(shared)}${SEP}`;
      else if (typeof shared === 'object' && shared !== null && !Array.isArray(shared) && isNamed(shared as Plain)) key += `${(shared as Named).code},`;
      else listable = false;
    }
    return listable ? this.lists.get(key, a, same) : a;
  }

  /** A chain or a list of findings: the same certificates checked the same way, shared whole. */
  private whole(a: unknown[]): unknown[] {
    if (a.length === 0) return a;
    let key = '';
    for (const v of a) key += `${objectKey(v)}${SEP}`;
    return this.wholes.get(key, a, same);
  }
}
