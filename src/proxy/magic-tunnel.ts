// tlslab's own name inside a tunnel: https://tlslab/ (a tlslab leaf, no upstream) and http://tlslab/ in a CONNECT to
// tlslab:80, both answered by Node's HTTP parser. I/O: the client socket, and the handlers the context gives.
import type net from 'node:net';
import http, { type IncomingMessage } from 'node:http';
import type { Student } from '../events/schema';
import type { ConnectionSession } from '../capture/session';
import { ClientOutcomeWatcher } from '../capture/client-outcome';
import type { ProxyContext } from './context';
import { MAGIC_HOST } from './magic-host';
import { endIdle, watchIdle } from './idle-timer';
import { leafOrRefuse } from './leaf-or-refuse';
import { clientTls } from './client-leg';

/** https://tlslab/ : no upstream; the CA page over TLS with a tlslab leaf, served by a Node HTTP parser on the TLSSocket. */
export function serveMagicTls(ctx: ProxyContext, session: ConnectionSession, socket: net.Socket, prefix: Buffer, student: Student | null): void {
  void leafOrRefuse(ctx, session, socket, { dns: [MAGIC_HOST], ips: [] }, MAGIC_HOST).then((secureContext) => {
    if (!secureContext) return;
    const client = clientTls(session, socket, prefix, secureContext, ['http/1.1'], 'leaf', { host: MAGIC_HOST, ca: ctx.ca });
    const watcher = new ClientOutcomeWatcher(session, { host: MAGIC_HOST, mode: 'leaf', caUrl: 'http://tlslab/' }, ctx.timeouts.clientHandshakeMs, () => client.tls.destroy());
    watchIdle([client.tls], ctx.timeouts.tunnelIdleMs, () => endIdle(session, ctx.timeouts.tunnelIdleMs, [client.tls]));
    client.tls.on('secure', () => watcher.onSecure());
    client.tls.on('error', () => client.tls.destroy());
    client.tls.once('close', () => {
      watcher.onClose();
      const outcome = watcher.outcome;
      const reset = client.tap.socketError?.code === 'ECONNRESET';
      session.close(outcome === 'timeout' ? 'client-timeout'
        : outcome === 'rejected-alert' || outcome === 'closed-in-handshake' ? 'client-rejected-cert'
          : reset ? 'client-reset'
            : outcome === 'closed-after-handshake' ? 'client-rejected-cert' : 'closed');
    });
    // Node's HTTP parser reads the TLSSocket natively (no 'data' events): a parsed request is the client's data.
    const server = http.createServer((req, res) => {
      watcher.noteData();
      ctx.magic(req, res, student);
    });
    server.on('upgrade', (req: IncomingMessage, sock: net.Socket, head: Buffer) => {
      watcher.noteData();
      ctx.upgrade(req, sock, head, student);
    });
    server.emit('connection', client.tls);
  });
}

/** http://tlslab/… inside a CONNECT tunnel to `tlslab:80`: requests and WebSocket upgrades, parsed by Node's HTTP server. */
export function serveMagicPlain(ctx: ProxyContext, socket: net.Socket, head: Buffer, student: Student | null): void {
  const server = http.createServer((req, res) => ctx.magic(req, res, student));
  server.on('upgrade', (req: IncomingMessage, sock: net.Socket, rest: Buffer) => {
    sock.setTimeout(0); // a WebSocket keeps its own time (the view's heartbeats)
    ctx.upgrade(req, sock, rest, student);
  });
  // Nothing asked for this long: the tunnel ends (the same idle limit as any tunnel).
  socket.setTimeout(ctx.timeouts.tunnelIdleMs, () => socket.destroy());
  if (head.length > 0) socket.unshift(head);
  server.emit('connection', socket);
}
