// A cheap estimate of an event's memory footprint, used to bound the history by bytes.
// Pure: walks the object once without allocating (no JSON.stringify); no Node imports.
import type { TlslabEvent } from './schema.js';

/** Fixed cost per object or array (header, hidden class, pointers), in bytes. */
const OBJECT_OVERHEAD = 32;
/** Cost per property or element slot. */
const SLOT = 8;
/** Deeper structures than this are counted as a flat guess (events are shallow; this only guards cycles). */
const MAX_DEPTH = 12;

function sizeOf(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      // Mostly one-byte (hex, ASCII) strings: length plus a small header.
      return 16 + value.length;
    case 'number':
    case 'boolean':
    case 'undefined':
      return SLOT;
    case 'object': {
      if (value === null) return SLOT;
      if (depth >= MAX_DEPTH) return OBJECT_OVERHEAD;
      let total = OBJECT_OVERHEAD;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) total += SLOT + sizeOf(value[i], depth + 1);
        return total;
      }
      for (const key in value as Record<string, unknown>) {
        total += SLOT + sizeOf((value as Record<string, unknown>)[key], depth + 1);
      }
      return total;
    }
    default:
      return SLOT;
  }
}

/**
 * Approximate bytes an event holds in memory. Within a small factor of its JSON length
 * (hex strings dominate large events and are counted one byte per character).
 */
export function estimateEventBytes(event: TlslabEvent): number {
  return sizeOf(event, 0);
}
