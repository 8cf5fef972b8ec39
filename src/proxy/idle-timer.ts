// Ends a tunnel nobody uses: one timer per connection, pushed back by bytes in either direction, that fires once.
// I/O: it listens to 'data' on the streams it watches, arms a timer, and ends the sockets it is given.
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { ConnectionSession } from '../capture/session';

export interface IdleWatch {
  /** Whether the timer fired (the connection was idle for the whole timeout). */
  readonly fired: boolean;
  /** Stops watching (the connection ended some other way). */
  stop(): void;
}

/**
 * Calls `onIdle` once when none of `streams` has emitted 'data' for `ms` milliseconds. Every chunk refreshes the
 * timer (no timer per chunk). The watch stops when all of `streams` have closed, so a half-closed relay still times
 * out. Attach it once the streams flow (piped) or are paused on purpose: a 'data' listener starts a stream that
 * has never been started.
 */
export function watchIdle(streams: readonly EventEmitter[], ms: number, onIdle: () => void): IdleWatch {
  let fired = false;
  let open = streams.length;
  const timer = setTimeout(() => {
    fired = true;
    stop();
    onIdle();
  }, ms);
  const touch = (): void => void timer.refresh();
  const closed = (): void => {
    open -= 1;
    if (open === 0) stop();
  };
  function stop(): void {
    clearTimeout(timer);
    for (const s of streams) {
      s.off('data', touch);
      s.off('close', closed);
    }
  }
  for (const s of streams) {
    s.on('data', touch);
    s.once('close', closed);
  }
  return {
    get fired() {
      return fired;
    },
    stop,
  };
}

/** How long the peers of an idle tunnel get to answer our close_notify / FIN before their sockets are destroyed. */
const IDLE_END_GRACE_MS = 2000;

/** Ends an idle tunnel: one `conn:error` (idle-timeout), then each socket ended, and destroyed if its peer is silent. */
export function endIdle(session: ConnectionSession, idleMs: number, sockets: readonly Duplex[]): void {
  session.emit({
    type: 'conn:error',
    code: 'TLSLAB_ERR_IDLE_TIMEOUT',
    cause: 'idle-timeout',
    message: `Nothing moved through the tunnel in either direction for ${idleMs / 1000} s, so tlslab closed it.`,
  });
  for (const s of sockets) if (!s.destroyed) s.end();
  setTimeout(() => sockets.forEach((s) => s.destroy()), IDLE_END_GRACE_MS).unref();
}

/** A timeout pushed back by every touch (armed by the first), that fires once unless cleared: for exchanges the proxy reads itself. */
export class IdleTimeout {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}

  touch(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(this.onIdle, this.ms);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
