// Test helper: a Node TLS client and server on 127.0.0.1 port 0 moving data both ways at once through a TCP relay
// that records each side's bytes in the order the relay saw them (what a proxy's taps see), then both close with
// close_notify. I/O: sockets on loopback only.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import type { CaptureOptions } from './tls-crypto-capture';

export interface OrderedChunk {
  from: 'client' | 'server';
  bytes: Buffer;
}

export interface OrderedCapture {
  /** Every byte either side sent, in the order the relay received it. */
  chunks: OrderedChunk[];
  c2s: Buffer;
  s2c: Buffer;
  /** NSS key-log lines from both sides. */
  keylog: string;
  clientData: Buffer;
  serverData: Buffer;
}

/**
 * Client and server each send their bytes as soon as the handshake is done; the client ends (close_notify, FIN)
 * once it has all of the server's, and the server ends when the client has.
 */
export async function captureOrdered(o: CaptureOptions): Promise<OrderedCapture> {
  const clientData = randomBytes(o.clientBytes ?? 40_000);
  const serverData = randomBytes(o.serverBytes ?? 70_000);
  const keylog: string[] = [];
  const chunks: OrderedChunk[] = [];
  const sockets: net.Socket[] = [];
  let serverGot = 0;
  const server = tls.createServer({ ...o.cert, minVersion: o.minVersion, maxVersion: o.maxVersion, ciphers: o.ciphers, ...o.server });
  server.on('keylog', (line: Buffer) => keylog.push(line.toString()));
  server.on('secureConnection', (socket) => {
    socket.on('data', (chunk: Buffer) => (serverGot += chunk.length));
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
    socket.write(serverData);
  });
  // Forwarded by hand, half-open: with pipe(), the server's close_notify after the client's can be lost (once the
  // client's socket closes, unpipe pauses the server's side and its last bytes are never read).
  const relay = net.createServer({ allowHalfOpen: true }, (inbound) => {
    const outbound = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(inbound, outbound);
    const forward = (from: 'client' | 'server', src: net.Socket, dst: net.Socket): void => {
      src.on('data', (d: Buffer) => {
        chunks.push({ from, bytes: Buffer.from(d) });
        if (!dst.destroyed) dst.write(d);
      });
      src.on('end', () => dst.end());
      src.on('error', () => dst.destroy());
    };
    forward('client', inbound, outbound);
    forward('server', outbound, inbound);
  });
  server.listen(0, '127.0.0.1');
  relay.listen(0, '127.0.0.1');
  await Promise.all([once(server, 'listening'), once(relay, 'listening')]);
  let timer: NodeJS.Timeout | undefined;
  try {
    const socket = tls.connect({
      host: '127.0.0.1', port: (relay.address() as net.AddressInfo).port, servername: 'localhost', ca: o.cert.cert,
      minVersion: o.minVersion, maxVersion: o.maxVersion, ciphers: o.ciphers, ...o.client,
    });
    sockets.push(socket);
    socket.on('keylog', (line: Buffer) => keylog.push(line.toString()));
    const received: Buffer[] = [];
    let got = 0;
    socket.on('data', (d: Buffer) => {
      received.push(d);
      got += d.length;
      if (got === serverData.length) socket.end();
    });
    await once(socket, 'secureConnect');
    socket.write(clientData);
    await Promise.race([
      once(socket, 'close'),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('capture timed out')), 20_000))),
    ]);
    if (!Buffer.concat(received).equals(serverData)) throw new Error('the client did not receive the server data');
    if (serverGot !== clientData.length) throw new Error(`the server received ${serverGot} of ${clientData.length} bytes`);
    const side = (from: 'client' | 'server'): Buffer => Buffer.concat(chunks.filter((c) => c.from === from).map((c) => c.bytes));
    return { chunks, c2s: side('client'), s2c: side('server'), keylog: keylog.join(''), clientData, serverData };
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise((r) => relay.close(r)), new Promise((r) => server.close(r))]);
  }
}
