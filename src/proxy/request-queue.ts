// Pipelined plain-HTTP requests on one client connection, forwarded one at a time and in the order they came: their
// responses go back in that order anyway (RFC 9112 §9.3.2), and one client connection must not make tlslab open a
// server connection per request it pipelines. I/O: pauses and resumes the client socket while requests wait.
import type net from 'node:net';
import type { ServerResponse } from 'node:http';

/** Requests that may wait behind the one in progress; a client that pipelines more is cut off. */
export const MAX_WAITING = 32;

/** A request's place in line: it starts once the requests before it are done and it is ready itself. */
export interface Slot {
  /** The request is ready (its checks are done): `run` is called when its turn comes. */
  start(run: () => void): void;
  /** The request will not be forwarded (it was refused or answered otherwise): it gives up its place. */
  cancel(): void;
}

interface Waiting {
  res: ServerResponse;
  run: (() => void) | null;
  cancelled: boolean;
}

export class RequestQueue {
  private active: ServerResponse | null = null;
  private waiting: Waiting[] = [];
  private paused = false;

  constructor(private readonly socket: net.Socket) {
    socket.once('close', () => {
      this.waiting = [];
    });
  }

  /** Takes a place in line for the request answered by `res`; null when too many wait already (end the connection). */
  reserve(res: ServerResponse): Slot | null {
    if (this.waiting.length >= MAX_WAITING) return null;
    const w: Waiting = { res, run: null, cancelled: false };
    this.waiting.push(w);
    this.next();
    return {
      start: (run) => {
        w.run = run;
        this.next();
      },
      cancel: () => {
        w.cancelled = true;
        this.next();
      },
    };
  }

  private next(): void {
    while (this.active === null && this.waiting.length > 0) {
      const head = this.waiting[0];
      if (head.cancelled || head.res.destroyed || this.socket.destroyed) {
        this.waiting.shift();
        continue;
      }
      if (head.run === null) break;
      this.waiting.shift();
      this.active = head.res;
      head.res.once('close', () => {
        this.active = null;
        this.next();
      });
      head.run();
    }
    // Requests are parsed in order, so only the last one parsed can still be receiving its body: reading stops while
    // requests wait, and starts again when none does. (Node pauses the socket itself when responses back up, and
    // resumes it itself.)
    if (this.waiting.length > 0 && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (this.waiting.length === 0 && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }
}
