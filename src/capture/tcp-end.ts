// Step 8 as it happens on the wire: tlslab's peer on a leg ends its TCP connection, with or without close_notify first
// (RFC 8446 §6.1, RFC 5246 §7.2.1). The event and its sentences; LegCapture sees the socket's end and calls this.
import type { Leg, Side } from '../events/schema';
import type { SessionEventDraft } from './session';

/** What each kind of end means, one sentence or two per case: docs/lesson-text.md prints them. */
export const TCP_END_TEXT = {
  serverFin:
    'The server closed TCP without sending close_notify first (step 8). A response whose end only this close marks (no Content-Length, not chunked) could have been cut short by an attacker, and the client could not tell. tlslab still ends the client leg with its own close_notify: the one your browser receives comes from tlslab, not from the server.',
  serverReset: 'The server reset the TCP connection without sending close_notify (step 8); tlslab ends the client leg at once.',
  serverClean: 'The server sent close_notify, then closed TCP: a clean end (step 8).',
  browserFin: 'The browser closed TCP without sending close_notify first, as browsers often do when they are done with a connection.',
  browserReset: 'The browser reset the TCP connection, without close_notify. Browsers drop a connection they kept for reuse this way; once every request has had its answer it is a normal end.',
  browserClean: 'The browser sent close_notify, then closed TCP: a clean end (step 8).',
} as const satisfies Record<string, string>;

/** The note for a peer's end: `leg` says which peer (the browser on the client leg, the server upstream). */
export function tcpEndNote(leg: Leg, how: 'fin' | 'reset', closeNotify: boolean): string {
  const who = leg === 'client' ? 'browser' : 'server';
  const kind = closeNotify ? 'Clean' : how === 'reset' ? 'Reset' : 'Fin';
  return TCP_END_TEXT[`${who}${kind}`];
}

/** The `tls:tcp-end` draft for tlslab's peer on `leg` (who plays `peer` on that leg). */
export function tcpEndEvent(leg: Leg, peer: Side, how: 'fin' | 'reset', closeNotify: boolean): SessionEventDraft {
  return { type: 'tls:tcp-end', leg, from: peer, step: 8, how, closeNotify, note: tcpEndNote(leg, how, closeNotify) };
}
