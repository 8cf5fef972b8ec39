// The client leg's certificate, or a clean end of the tunnel when none can be made: a TLS alert, a conn:error and
// conn:close, and the socket freed. I/O: the client socket, only to end it.
import type net from 'node:net';
import type tls from 'node:tls';
import type { ConnectionSession } from '../capture/session';
import { normalizeNames, type LeafNames } from '../ca';
import type { ProxyContext } from './context';

/** Fatal alerts (RFC 8446 §6, §6.2) in a plaintext record: unrecognized_name (112, RFC 6066 §3), internal_error (80). */
const UNRECOGNIZED_NAME_ALERT = Buffer.from('15030300020270', 'hex');
const INTERNAL_ERROR_ALERT = Buffer.from('15030300020250', 'hex');

/** True when `names` can go in a certificate (DNS names and IP addresses only). */
function certifiable(names: LeafNames): boolean {
  try {
    normalizeNames(names);
    return true;
  } catch {
    return false;
  }
}

/**
 * A secure context with a leaf for `names`, or null once the tunnel has been ended: the client asked for a name no
 * certificate can carry (`a!b`), or issuing failed. The client leg's decoder has the ClientHello already (the student
 * sees what was asked); it gets the alert tlslab answers with.
 */
export async function leafOrRefuse(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, names: LeafNames, host: string): Promise<tls.SecureContext | null> {
  try {
    return await ctx.leaves.get(names);
  } catch (err) {
    const badName = !certifiable(names);
    const alert = badName ? UNRECOGNIZED_NAME_ALERT : INTERNAL_ERROR_ALERT;
    const shown = host.slice(0, 100).replace(/[^\x20-\x7e]/g, '?');
    session.client.feed('server', alert);
    session.emit({
      type: 'conn:error',
      leg: 'client',
      code: 'TLSLAB_ERR_LEAF_ISSUE',
      cause: badName ? 'client-tls-failed' : 'proxy-error',
      message: badName
        ? `The client asked for "${shown}", a name no certificate can carry (only DNS names and IP addresses can), so tlslab answered with an unrecognized_name alert and closed the tunnel.`
        : `tlslab could not issue a certificate for "${shown}" (${err instanceof Error ? err.message : String(err)}), so it answered with an internal_error alert and closed the tunnel.`,
    });
    ctx.log.debug({ conn: session.id, err: err instanceof Error ? err.message : String(err) }, 'no leaf for the client leg');
    endWithAlert(socket, alert);
    session.close(badName ? 'client-tls-failed' : 'proxy-error');
    return null;
  }
}

/** How long a refused client gets to read our alert and hang up before its socket is destroyed. */
const REFUSED_GRACE_MS = 2000;

/**
 * Sends a fatal alert and ends the tunnel's socket. What the client still sends is read and dropped (unread bytes
 * would turn our close into a reset that can overtake the alert); the socket is destroyed when the client hangs up
 * too, or after REFUSED_GRACE_MS.
 */
export function endWithAlert(socket: net.Socket, alert: Buffer): void {
  socket.on('data', () => undefined);
  socket.resume();
  socket.end(alert);
  const timer = setTimeout(() => socket.destroy(), REFUSED_GRACE_MS);
  socket.once('close', () => clearTimeout(timer));
}
