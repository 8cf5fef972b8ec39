// The last resort of `tlslab start`: an exception or a rejected promise that nothing caught is logged, and tlslab
// keeps serving. I/O: the process's 'uncaughtException' and 'unhandledRejection' events, and the logger.
//
// This is not how tlslab deals with what clients send: each handler checks its input before any library sees it, and
// each connection ends on its own errors with an event. Reaching this handler means a bug in tlslab or in a library.
// One bug in one connection should not end the lesson for a whole class, so the process carries on; the log line
// (TLSLAB_ERR_INTERNAL) is the bug report. Tests and library use do not install it, so a real failure still fails them.

/** The part of a logger this needs (pino's `error`). */
export interface ErrorLog {
  error(obj: object, msg: string): void;
}

/** The part of `process` this needs. */
export interface ProcessEvents {
  on(event: 'uncaughtException', fn: (err: unknown) => void): unknown;
  on(event: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
}

/** Log lines per minute at most: a failure that repeats on every request must not flood the terminal. */
const MAX_LINES_PER_MINUTE = 20;
const MAX_MESSAGE = 300;

/** What goes in the log: the error's kind, code, message (cut short) and stack frames. */
export function describeFailure(err: unknown): { name: string; code?: string; message: string; frames?: string[] } {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err).slice(0, MAX_MESSAGE) };
  const code = (err as NodeJS.ErrnoException).code;
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 12).map((l) => l.trim());
  return { name: err.name, ...(typeof code === 'string' ? { code } : {}), message: err.message.slice(0, MAX_MESSAGE), frames };
}

/** Installs both handlers on `proc`; returns how many failures they have seen (for the log and for tests). */
export function installLastResort(log: ErrorLog, proc: ProcessEvents = process): { count(): number } {
  let seen = 0;
  let windowStart = Date.now();
  let inWindow = 0;
  const report = (kind: 'uncaughtException' | 'unhandledRejection', err: unknown): void => {
    seen += 1;
    const now = Date.now();
    if (now - windowStart > 60_000) {
      windowStart = now;
      inWindow = 0;
    }
    inWindow += 1;
    if (inWindow > MAX_LINES_PER_MINUTE) return;
    log.error({ code: 'TLSLAB_ERR_INTERNAL', kind, failure: describeFailure(err), seen }, `${kind}: tlslab caught a bug it did not expect and keeps serving`);
  };
  proc.on('uncaughtException', (err) => report('uncaughtException', err));
  proc.on('unhandledRejection', (reason) => report('unhandledRejection', reason));
  return { count: () => seen };
}
