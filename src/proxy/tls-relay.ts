// The decrypted relay of an intercepted tunnel: client leg to upstream and back with the observers beside it, each
// side's end passed on, and why the connection ended. I/O: the two TLSSockets (over their taps).
import type net from 'node:net';
import type tls from 'node:tls';
import type { FailureCause } from '../events/schema';
import type { ConnectionSession } from '../capture/session';
import type { Tap } from '../capture/tap';
import { ClientOutcomeWatcher } from '../capture/client-outcome';
import { HttpObserver } from '../capture/http-observer';
import type { ProxyContext } from './context';
import { endIdle, watchIdle } from './idle-timer';
import { relayDirection } from './relay-direction';
import { clientTls } from './client-leg';
import { endAfterFlush } from './leg-close';

export interface RelayOptions {
  name: string;
  secureContext: tls.SecureContext;
  alpn: string | null;
  mode: 'leaf' | 'mirror';
  mirrored?: string;
  /** Mirror mode: the codes of the upstream's error findings, which the presented chain carries. */
  mirroredCodes?: string[];
}

export function relayTls(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, prefix: Buffer, upTls: tls.TLSSocket, upTap: Tap, o: RelayOptions): void {
  const client = clientTls(session, socket, prefix, o.secureContext, o.alpn ? [o.alpn] : undefined, o.mode, { host: o.name, ca: ctx.ca });
  const watcher = new ClientOutcomeWatcher(session, { host: o.name, mode: o.mode, mirrored: o.mirrored, mirroredCodes: o.mirroredCodes, caUrl: 'http://tlslab/' }, ctx.timeouts.clientHandshakeMs, () => client.tls.destroy());
  const http = new HttpObserver(session, o.alpn);
  client.tls.on('secure', () => watcher.onSecure());
  // Each side's end is passed on only once everything before it has been written: ending a TLSSocket while its
  // last records are still being written to the tap loses its close_notify (step 8 would vanish on big responses).
  relayDirection(client.tls, upTls, (chunk) => {
    watcher.noteData();
    http.fromClient(chunk);
  });
  relayDirection(upTls, client.tls, (chunk) => http.fromServer(chunk));
  // A response whose body runs until the server's close is complete (and reported) when the server's stream ends.
  upTls.once('end', () => http.serverEnded());
  upTls.once('close', () => http.serverEnded());
  const idle = watchIdle([client.tls, upTls], ctx.timeouts.tunnelIdleMs, () => endIdle(session, ctx.timeouts.tunnelIdleMs, [client.tls, upTls]));
  // Half-close (RFC 8446 §6.1: each side closes its own direction). Both TLSSockets are half-open (the taps are):
  // a side's close_notify + FIN is passed on to the other, and the other direction keeps flowing, so a client that
  // ends its side after the request still gets the whole response. Nothing paused here: a paused source's end
  // would never be read (the socket stayed in CLOSE-WAIT for good).
  client.tls.once('end', () => endAfterFlush(upTls));
  upTls.once('end', () => endAfterFlush(client.tls));

  let open = 2;
  const closed = (): void => {
    open -= 1;
    if (open === 1) {
      // One side is gone. The other gets our end (if it has not already), and once it has flushed what it still
      // holds to a slow reader, its peer has a moment to answer with close_notify before it is destroyed.
      for (const side of [client.tls, upTls]) {
        if (side.destroyed) continue;
        endAfterFlush(side); // the other side may have gone without an end (a reset): pass the end on now
        side.resume(); // its relay's destination is gone, which paused it: keep reading, so its peer's end is seen
        const timers: NodeJS.Timeout[] = [setTimeout(() => side.destroy(), 60_000)];
        // 'finish' can come after 'close': a side destroyed (a reset) while its end was still being written finishes
        // that write afterwards. Its close has cleared the timers already; a timer armed now would outlive it.
        const later = (): void => {
          if (!side.destroyed) timers.push(setTimeout(() => side.destroy(), 2000));
        };
        if (side.writableFinished) later();
        else side.once('finish', later);
        // Timers hold the session: clear them as soon as the side is gone.
        side.once('close', () => timers.forEach(clearTimeout));
      }
    }
    if (open === 0) {
      watcher.onClose();
      session.close(closeCause());
    }
  };
  /**
   * Why the connection ended, decided once at the end (errors race with closes, so no running guess): the client
   * refusing our certificate is the story; then resets, read from the raw sockets (a TLSSocket over a tap sees a
   * reset as a plain close); then a client that ended after the handshake without a request (it may have refused
   * the certificate then); then a client handshake that failed for another reason. Under policy allow a normal end
   * stays `closed`: the verdict already marks the connection insecure.
   */
  let clientError = false;
  const closeCause = (): FailureCause => {
    if (idle.fired) return 'idle-timeout';
    if (watcher.outcome === 'timeout') return 'client-timeout';
    const outcome = watcher.outcome;
    // The server went before the client had sent a request, and tlslab ended the client leg for it: the client's
    // silence is no verdict on the certificate.
    const clientSilent = outcome === null || outcome === 'closed-in-handshake' || outcome === 'closed-after-handshake';
    if (firstToGo === 'upstream' && clientSilent) return upTap.socketError?.code === 'ECONNRESET' ? 'upstream-reset' : 'closed';
    if (outcome !== null && outcome !== 'accepted' && outcome !== 'closed-after-handshake') return 'client-rejected-cert';
    if (client.tap.socketError?.code === 'ECONNRESET') return 'client-reset';
    if (upTap.socketError?.code === 'ECONNRESET') return 'upstream-reset';
    // An orderly end after the handshake with no request (curl on a wrong name); a reset there is only a reset.
    if (outcome === 'closed-after-handshake') return 'client-rejected-cert';
    if (clientError && watcher.outcome !== 'accepted') return 'client-tls-failed';
    return 'closed';
  };
  client.tls.on('error', (err: NodeJS.ErrnoException) => {
    clientError = true;
    ctx.log.debug({ conn: session.id, err: err.message }, 'client leg error');
    upTls.destroy();
  });
  upTls.on('error', (err: NodeJS.ErrnoException) => {
    ctx.log.debug({ conn: session.id, err: err.message }, 'upstream leg error');
    client.tls.destroy();
  });
  /** Which side ended or closed first: the other one's end is then tlslab passing it on. */
  let firstToGo: 'client' | 'upstream' | null = null;
  const went = (side: 'client' | 'upstream') => (): void => void (firstToGo ??= side);
  client.tls.once('end', went('client'));
  client.tls.once('close', went('client'));
  upTls.once('end', went('upstream'));
  upTls.once('close', went('upstream'));
  client.tls.once('close', closed);
  // The upstream may have gone while the leaf was being made (its 'close' is then already past).
  if (upTls.closed) {
    went('upstream')();
    closed();
  } else upTls.once('close', closed);
}
