// Viewers that stop reading their stream: when a backed-up socket counts as stalled, and how such a viewer is closed
// (VIEWER_STALLED, then cut off if it never reads up to the close frame). I/O: ws.close / ws.terminate.
import type { StreamClient } from './stream-client';

/** Close code and reason sent to a viewer that stopped reading (4000–4999: the application's own range, RFC 6455 §7.4.2). */
export const VIEWER_STALLED = { code: 4008, reason: 'tlslab: this viewer stopped reading its stream' } as const;
/** After the close frame is queued, the socket is destroyed this much later if the viewer has not read up to it. */
const CLOSE_GRACE_MS = 10_000;

/**
 * One look at `c`, whose socket holds `buffered` bytes at `now`: true once it has stayed above `highWater` without
 * its backlog shrinking below its lowest level for `stallMs` (tracked in `c.stallSince` / `c.stallLow`).
 */
export function hasStalled(c: StreamClient, buffered: number, now: number, highWater: number, stallMs: number): boolean {
  if (buffered <= highWater) {
    c.stallSince = null;
  } else if (c.stallSince === null || buffered < c.stallLow) {
    c.stallSince = now;
    c.stallLow = buffered;
  } else if (now - c.stallSince >= stallMs) {
    return true;
  }
  return false;
}

/** Closes a stalled viewer the hub has already let go of: nothing more is sent to it, and it is told why. */
export function closeStalled(c: StreamClient): void {
  c.dropped = true;
  c.pendingFilter = null;
  c.queue.clear();
  try {
    c.ws.close(VIEWER_STALLED.code, VIEWER_STALLED.reason);
  } catch {
    /* already closing */
  }
  // The close frame waits behind the backlog; a viewer that never reads it is cut off.
  setTimeout(() => c.ws.terminate(), CLOSE_GRACE_MS).unref();
}
