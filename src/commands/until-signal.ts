// How a long-running command ends: on SIGINT or SIGTERM it closes what it started, and leaves after 3 s at most even
// if closing hangs. I/O: process signals and exit.

/** Resolves once `close` has run after SIGINT or SIGTERM (whether it resolved or rejected). */
export function untilSignal(close: () => Promise<void>, onStop: () => void = () => undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      onStop();
      close().then(resolve, resolve);
      setTimeout(() => process.exit(0), 3000).unref();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
