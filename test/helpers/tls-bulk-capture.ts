// Test helper: a TCP relay on 127.0.0.1 port 0 that records both sides' bytes in the order it saw them (what a
// proxy's taps see), and Node TLS client and server moving data both ways through it. I/O: loopback sockets only.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { selfSigned } from '../../scripts/lib/test-pki';
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

export interface OrderedRelay {
  port: number;
  /** What went through so far, in order. */
  chunks: OrderedChunk[];
  /** Destroys the connections it holds and stops listening. */
  close(): Promise<void>;
}

/**
 * A relay to 127.0.0.1:`target`. Forwarded by hand and half-open: with pipe(), a server's close_notify after the
 * client's can be lost (once the client's socket closes, unpipe pauses the server's side and its last bytes are
 * never read).
 */
export async function orderedRelay(target: number): Promise<OrderedRelay> {
  const chunks: OrderedChunk[] = [];
  const sockets: net.Socket[] = [];
  const relay = net.createServer({ allowHalfOpen: true }, (inbound) => {
    const outbound = net.connect({ port: target, host: '127.0.0.1', allowHalfOpen: true });
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
  relay.listen(0, '127.0.0.1');
  await once(relay, 'listening');
  return {
    port: (relay.address() as net.AddressInfo).port,
    chunks,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => relay.close(r));
    },
  };
}

/** One direction's bytes out of the ordered chunks. */
export function sideBytes(chunks: OrderedChunk[], from: 'client' | 'server'): Buffer {
  return Buffer.concat(chunks.filter((c) => c.from === from).map((c) => c.bytes));
}

/**
 * Client and server each send their bytes as soon as the handshake is done; the client ends (close_notify, FIN)
 * once it has all of the server's, and the server ends when the client has.
 */
export async function captureOrdered(o: CaptureOptions): Promise<OrderedCapture> {
  const clientData = randomBytes(o.clientBytes ?? 40_000);
  const serverData = randomBytes(o.serverBytes ?? 70_000);
  const keylog: string[] = [];
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
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const relay = await orderedRelay((server.address() as net.AddressInfo).port);
  let timer: NodeJS.Timeout | undefined;
  try {
    const socket = tls.connect({
      host: '127.0.0.1', port: relay.port, servername: 'localhost', ca: o.cert.cert,
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
    const { chunks } = relay;
    return { chunks, c2s: sideBytes(chunks, 'client'), s2c: sideBytes(chunks, 'server'), keylog: keylog.join(''), clientData, serverData };
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    await Promise.all([relay.close(), new Promise((r) => server.close(r))]);
  }
}

/**
 * A self-signed RSA client certificate whose subjectAltName lists `names` DNS names, made in memory. A TLS 1.3
 * server that asks for client certificates remembers the client's certificate in its session, so the
 * NewSessionTickets it sends (stateless, OpenSSL's default) grow with the size of this certificate.
 */
export function clientCertWithNames(names: number): { key: string; cert: string; der: Buffer } {
  const dnsNames = Array.from({ length: names }, (_, i) => `student-${i}.classroom.example`);
  return selfSigned({ commonName: 'bulk-mode student', dnsNames, extensions: [{ name: 'extKeyUsage', clientAuth: true }] });
}
