// The one root logger (pino). Logs are for operators; events are the product.
// Pretty output through pino-pretty when stderr is a terminal; JSON lines otherwise. Secrets are redacted.
import pino from 'pino';
import type PinoPretty from 'pino-pretty';

export type Logger = pino.Logger;

const REDACT = [
  'key', '*.key', 'privateKey', '*.privateKey', 'secret', '*.secret', 'token', '*.token',
  'headers.authorization', 'headers.cookie', 'headers["proxy-authorization"]', 'headers["set-cookie"]',
];

export interface LogOptions {
  level?: string;
  pretty?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const level = opts.level ?? process.env.TLSLAB_LOG_LEVEL ?? 'info';
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' }, base: undefined };
  if (pretty) {
    // Synchronous pretty stream to stderr: no worker thread, nothing lost on exit.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for a terminal: JSON logging (services, tests) never pays for pino-pretty
    const pinoPretty = require('pino-pretty') as typeof PinoPretty;
    return pino(base, pinoPretty({ destination: 2, sync: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: false }));
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
