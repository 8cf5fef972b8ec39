// The client leg: the browser's socket wrapped in a server-side TLSSocket over a tap, and the chain tlslab presents
// checked as the browser would (tls:presented). I/O: the client socket, read and written through the tap.
import type net from 'node:net';
import tls from 'node:tls';
import type { ConnectionSession } from '../capture/session';
import { Tap } from '../capture/tap';
import { verifyPresentedChain } from '../x509';

/** What tls:presented checks the chain against: the name the browser asked for, and tlslab's CA as its only anchor. */
export interface PresentedCheck {
  host: string;
  ca: { certPem: string; subject: string };
}

/**
 * Wraps the client socket in a server-side TLSSocket over a tap, with the ClientHello bytes replayed first (the client
 * leg decoded them when they arrived; the tap does not hand them to it again).
 */
export function clientTls(session: ConnectionSession, socket: net.Socket, prefix: Buffer, secureContext: tls.SecureContext, alpn: string[] | undefined, mode: 'leaf' | 'mirror', check: PresentedCheck): { tls: tls.TLSSocket; tap: Tap } {
  const tap = new Tap(socket);
  session.client.attach(tap, 'client');
  const ts = new tls.TLSSocket(tap, { isServer: true, secureContext, ALPNProtocols: alpn });
  ts.on('keylog', (line) => session.client.addKeyLog(line));
  ts.once('close', () => tap.destroy());
  session.client.onTlsEvent((e) => {
    if (e.type === 'tls:handshake' && e.from === 'server' && e.details?.kind === 'certificate') {
      const ders = e.details.certificates.map((hex) => Buffer.from(hex, 'hex'));
      const { chain, verdict } = verifyPresentedChain({ chain: ders, host: check.host, caPem: check.ca.certPem, caSubject: check.ca.subject });
      session.emit({ type: 'tls:presented', leg: 'client', mode, chain, verdict });
    }
  });
  tap.start(prefix);
  return { tls: ts, tap };
}
