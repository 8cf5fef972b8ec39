// The teaching page over TLS: when the upstream failed or was blocked, the client handshake completes with a good
// leaf and the first request gets an HTTP 502 page saying why. I/O: the client socket (through its TLS leg).
import type net from 'node:net';
import type { FailureCause, Finding } from '../events/schema';
import type { ConnectionSession } from '../capture/session';
import { ClientOutcomeWatcher } from '../capture/client-outcome';
import { HttpObserver } from '../capture/http-observer';
import { upstreamFailurePage, upstreamFailureStep } from './pages';
import type { ProxyContext } from './context';
import { endIdle, watchIdle } from './idle-timer';
import { leafOrRefuse } from './leaf-or-refuse';
import { clientTls } from './client-leg';
import { closeWhenPeerSilent, endAfterFlush } from './leg-close';
import { mergeNames } from './leaf-names';

export interface FailureInfo {
  code: string;
  cause: FailureCause;
  reason: string;
  findings?: Finding[];
  nodeError?: string | null;
}

/** Completes the client handshake with a good leaf and answers the first request with the teaching page (HTTP 502). */
export async function serveFailure(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, prefix: Buffer, host: string, port: number, f: FailureInfo): Promise<void> {
  const secureContext = await leafOrRefuse(ctx, session, socket, mergeNames([], [], [host]), host);
  if (!secureContext) return;
  const client = clientTls(session, socket, prefix, secureContext, ['http/1.1'], 'leaf', { host, ca: ctx.ca });
  const watcher = new ClientOutcomeWatcher(session, { host, mode: 'leaf', caUrl: 'http://tlslab/' }, ctx.timeouts.clientHandshakeMs, () => client.tls.destroy());
  watchIdle([client.tls], ctx.timeouts.tunnelIdleMs, () => endIdle(session, ctx.timeouts.tunnelIdleMs, [client.tls]));
  const http = new HttpObserver(session, 'http/1.1');
  // The step the page names is the one the dashboard shows: a server that reset before its ServerHello stopped step 1.
  const step = upstreamFailureStep(f.cause, session.upstream.bytes.server > 0);
  const kind = f.cause === 'upstream-cert-invalid' ? 'certificate' : 'connection';
  const body = upstreamFailurePage({ host, port, reason: f.reason, code: f.code, step, kind, findings: f.findings, nodeError: f.nodeError, dashboardUrl: ctx.dashboardUrl ?? undefined, conn: session.id });
  let answered = false;
  client.tls.on('secure', () => watcher.onSecure());
  client.tls.on('data', (chunk: Buffer) => {
    watcher.noteData();
    http.fromClient(chunk);
    if (answered) return;
    answered = true;
    const head = `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nX-Tlslab-Error: ${f.code}\r\nConnection: close\r\n\r\n`;
    // The observer reads the whole page (head and body): its http:response is reported at the end of the body.
    http.fromServer(Buffer.from(head + body));
    client.tls.end(head + body);
  });
  // The client ended its side (close_notify, an alert or a bare FIN), with or without a request: end ours too,
  // after the page if it is still being written. A half-open TLSSocket never does this by itself (CLOSE-WAIT).
  client.tls.once('end', () => endAfterFlush(client.tls));
  closeWhenPeerSilent(client.tls);
  client.tls.on('error', () => client.tls.destroy());
  client.tls.once('close', () => {
    watcher.onClose();
    session.close(f.cause);
  });
}
