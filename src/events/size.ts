// A cheap estimate of an event's memory footprint, used to bound the history by bytes.
// Pure: walks the object once without allocating (no JSON.stringify); no Node imports.
import type { TlslabEvent } from './schema.js';

/** Fixed cost per object or array (header, hidden class, pointers), in bytes. */
const OBJECT_OVERHEAD = 32;
/** Cost per property or element slot. */
const SLOT = 8;
/** Deeper structures than this are counted as a flat guess (events are shallow; this only guards cycles). */
const MAX_DEPTH = 12;

/** What a string, a scalar or a (non-null) object counts for: objects and arrays by walking them. */
function sizeOf(value: unknown, depth: number): number {
  if (typeof value === 'string') return 16 + value.length; // mostly one-byte (hex, ASCII) strings: length plus a header
  if (typeof value !== 'object' || value === null) return SLOT; // numbers, booleans, undefined, null
  if (depth >= MAX_DEPTH) return OBJECT_OVERHEAD;
  let total = OBJECT_OVERHEAD;
  // Scalars and strings, the most common members, are counted here rather than in a call of their own.
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) total += SLOT + member(value[i], depth);
    return total;
  }
  for (const key in value as Record<string, unknown>) total += SLOT + member((value as Record<string, unknown>)[key], depth);
  return total;
}

/** sizeOf(v, depth + 1), with strings and scalars answered inline. */
function member(v: unknown, depth: number): number {
  if (typeof v === 'string') return 16 + v.length;
  if (typeof v !== 'object' || v === null) return SLOT;
  return sizeOf(v, depth + 1);
}

/**
 * Approximate bytes an event holds in memory. Within a small factor of its JSON length
 * (hex strings dominate large events and are counted one byte per character).
 */
export function estimateEventBytes(event: TlslabEvent): number {
  return sizeOf(event, 0);
}
