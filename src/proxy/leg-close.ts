// Ending tlslab's own side of a TLS leg: close_notify + FIN once everything before it is written, and a backstop for
// a peer that never answers with its end. I/O: end() / destroy() on the TLSSocket, and one timer.
import type tls from 'node:tls';

/**
 * Ends our side of `sock` (close_notify + FIN) after every byte written to it so far: end() waits for earlier writes.
 * Mid-handshake there is nothing to close politely, and a TLS socket over a tap must not be shut down then: the
 * handshake message that answers the peer's next flight would be a write after the shutdown, which Node's wrapper for
 * JS streams rejects with an assertion (a crash). So a socket whose handshake is not done is destroyed instead. No
 * empty write either: over a tap it overlaps the TLS engine's own next write, with the same assertion.
 */
export function endAfterFlush(sock: tls.TLSSocket): void {
  if (sock.destroyed || sock.writableEnded) return;
  if (sock.getPeerFinished() === undefined) sock.destroy();
  else sock.end();
}

/** How long a peer may take to answer our close_notify + FIN with its own end before its socket is destroyed. */
const PEER_END_GRACE_MS = 5000;

/**
 * Backstop for a socket we have finished writing (our close_notify + FIN are out): if its peer never ends its side,
 * destroy it after PEER_END_GRACE_MS rather than hold it open. A peer that does answer closes it long before.
 */
export function closeWhenPeerSilent(sock: tls.TLSSocket): void {
  sock.once('finish', () => {
    if (sock.destroyed) return;
    const timer = setTimeout(() => sock.destroy(), PEER_END_GRACE_MS);
    sock.once('close', () => clearTimeout(timer));
  });
}
