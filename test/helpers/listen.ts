// Test servers on 127.0.0.1 port 0: listen, keep the server-side sockets (and count those that closed), and close
// the whole server at the end of a test. I/O: the listening socket.
import type net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Listening {
  port: number;
  /** Server-side sockets that closed, for checks that tlslab let go of its upstream connections. */
  closedSockets(): number;
  openSockets(): number;
  /** Runs `before` (e.g. closing a WebSocket server), destroys every open socket, then closes the server. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 and tracks every connection (a socket error is the test's to see, not an unhandled one). */
export async function listenLocal(server: net.Server, before: () => void = () => undefined): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  let closed = 0;
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => {
      sockets.delete(s);
      closed += 1;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    closedSockets: () => closed,
    openSockets: () => sockets.size,
    close: async () => {
      before();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
