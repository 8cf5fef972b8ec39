// How far V8 lets the old generation grow before a full collection, by what the proxy is doing. I/O: V8's flags.
//
// New connections leave garbage in the old generation: the objects of connections still open at each young collection
// are moved there and die there. V8's own growing factor lets it grow up to 4x past what the last full collection left
// (after 20,000 connections: 313 MiB committed for 82 MiB live), so a burst of handshakes is collected sooner here:
// at 30 % growth. A bulk transfer is the opposite case: the buffers in flight outside V8's heap count against that
// limit, and at 30 % a 256 MiB download ran ~55 full collections instead of 2 (a quarter slower). So while any leg
// streams (more than STREAM_BYTES since it started), V8 sizes the old generation itself again. Nothing is capped
// either way: the heap may still grow to V8's default limit.
import v8 from 'node:v8';

/** Old-generation growth between full collections while only handshakes and small exchanges go on, in percent. */
export const HANDSHAKE_GROWING_PERCENT = 30;
/** A leg that has carried this many bytes is streaming (a download, a video). */
export const STREAM_BYTES = 1024 * 1024;

let enabled = false;
let streams = 0;
let applied: number | null = null;

/** The setting for now: V8's own factor (0) while a leg streams, HANDSHAKE_GROWING_PERCENT otherwise. */
function apply(): void {
  if (!enabled) return;
  const percent = streams > 0 ? 0 : HANDSHAKE_GROWING_PERCENT;
  if (percent === applied) return;
  applied = percent;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Turns this on for the process (the proxy calls it at start), unless node was started with its own
 * `--heap-growing-percent` (then that one stays, always).
 */
export function tuneHeap(): void {
  const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /^--heap[-_]growing[-_]percent\b/.test(a));
  if (own || enabled) return;
  enabled = true;
  apply();
}

/** A leg started streaming; the function it returns says it stopped (once). */
export function streamStarted(): () => void {
  streams += 1;
  apply();
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    streams -= 1;
    apply();
  };
}

/** What is in effect: the percent set (0: V8's own factor), or null when the proxy did not turn this on. */
export function heapGrowingPercent(): number | null {
  return enabled ? applied : null;
}
