// Status words, icons and classes shared by the list and the connection view: colour is never the only cue.
// Pure tables; no I/O.
import type { Leg } from '../events/schema.js';
import type { ConnectionStatus, ConnectionSummary } from '../events/stream.js';

export const STATUS_TEXT: Readonly<Record<ConnectionStatus, { icon: string; word: string }>> = {
  open: { icon: '◔', word: 'open' },
  ok: { icon: '✓', word: 'ok' },
  failed: { icon: '✗', word: 'failed' },
  insecure: { icon: '⚠', word: 'insecure' },
};

export const LEG_TEXT: Readonly<Record<Leg, string>> = {
  client: 'browser ↔ tlslab',
  upstream: 'tlslab ↔ server',
};

/** `example.com` or `example.com:8443` (port 0: a refused request whose port could not be read; `host` says what it asked). */
export function hostText(s: ConnectionSummary): string {
  return s.target.port === 443 || s.target.port === 0 ? s.target.host : `${s.target.host}:${s.target.port}`;
}

/** `TLS 1.3` from a Named version, or `—` (the same text the search matches). */
export { versionText } from '../events/filter.js';
