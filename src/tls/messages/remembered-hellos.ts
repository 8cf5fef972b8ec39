// ClientHellos parsed ahead of the decoder, kept for the one later parse of the very same bytes. The proxy reads each
// client's ClientHello from its first flight (SNI, ALPN) before any upstream exists, and the client leg's decoder
// parses the same message again as that leg's first: the second parse gets the first one's result instead of doing
// the work twice. Pure, in-memory, bounded; results are the same objects the first parse returned (treat as read-only).
import type { MessageContext } from './types';

/** Oldest first; forgotten beyond this many (a connection that ends before its decoder runs leaves one behind). */
const MAX_REMEMBERED = 128;
/** RFC 8446 §4.1.2: msg_type (1), length (3), legacy_version (2), then the 32-byte random that names the hello. */
const RANDOM_AT = 6;
const RANDOM_END = RANDOM_AT + 32;

interface Remembered<T> {
  bytes: Buffer;
  parsed: T;
  /** Parsed with its field tree: it can stand in for a parse with or without one (one without cannot). */
  withFields: boolean;
}

const remembered = new Map<string, Remembered<unknown>>();
let remembering = 0;

/** Runs `fn`, remembering every ClientHello it parses successfully, for the next parse of the same bytes. */
export function rememberingClientHellos<T>(fn: () => T): T {
  remembering++;
  try {
    return fn();
  } finally {
    remembering--;
  }
}

function keyOf(msg: Uint8Array, ctx: MessageContext): string | null {
  if (msg[0] !== 1 || ctx.from !== 'client' || msg.length < RANDOM_END) return null;
  return Buffer.from(msg.buffer, msg.byteOffset + RANDOM_AT, 32).toString('latin1');
}

/**
 * The remembered result for exactly these ClientHello bytes, forgotten as it is handed out; else `parse()`'s.
 * `withFields`: whether `parse()` builds the field tree; a result remembered without one is not handed to a parse
 * that wants it (that parse runs, and the entry is forgotten).
 */
export function parseRemembered<T>(msg: Uint8Array, ctx: MessageContext, withFields: boolean, parse: () => T, ok: (parsed: T) => boolean): T {
  const key = keyOf(msg, ctx);
  if (key === null) return parse();
  const hit = remembered.get(key);
  if (hit !== undefined && hit.bytes.equals(msg)) {
    remembered.delete(key);
    if (hit.withFields || !withFields) return hit.parsed as T;
  }
  const parsed = parse();
  if (remembering > 0 && ok(parsed)) {
    remembered.delete(key);
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
    remembered.set(key, { bytes: Buffer.from(msg), parsed, withFields });
  }
  return parsed;
}

/** How many are waiting (for tests). */
export function rememberedCount(): number {
  return remembered.size;
}
