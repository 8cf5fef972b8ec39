// Test helper: a real Node TLS client and server on 127.0.0.1 port 0 with a plain TCP relay between them
// that records every byte each side sent, plus both sides' 'keylog' lines. I/O: sockets on loopback only.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { selfSigned } from '../../scripts/lib/test-pki';

/** A throwaway self-signed RSA certificate for localhost, made in memory. */
export function selfSignedCert(): { key: string; cert: string } {
  const { key, cert } = selfSigned({ commonName: 'localhost', dnsNames: ['localhost'] });
  return { key, cert };
}

export interface Capture {
  /** Every byte the client sent, in order. */
  c2s: Buffer;
  /** Every byte the server sent, in order. */
  s2c: Buffer;
  /** NSS key-log lines from both sides. */
  keylog: string;
  clientData: Buffer;
  serverData: Buffer;
  protocol: string | null;
  cipher: string;
}

export interface CaptureOptions {
  cert: { key: string; cert: string };
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  ciphers: string;
  /** Extra options for the client (e.g. secureOptions). */
  client?: tls.ConnectionOptions;
  server?: tls.TlsOptions;
  clientBytes?: number;
  serverBytes?: number;
}

/** One connection: the client sends `clientBytes` random bytes, the server answers `serverBytes`, both close. */
export async function captureNodeTls(o: CaptureOptions): Promise<Capture> {
  const clientData = randomBytes(o.clientBytes ?? 40_000);
  const serverData = randomBytes(o.serverBytes ?? 70_000);
  const keylog: string[] = [];
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  // Every socket the capture opens, destroyed at the end: a half-closed relay socket would outlive the test file.
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = tls.createServer({ ...o.cert, minVersion: o.minVersion, maxVersion: o.maxVersion, ciphers: o.ciphers, ...o.server });
  server.on('keylog', (line: Buffer) => keylog.push(line.toString()));
  server.on('connection', track);
  server.on('secureConnection', (socket) => {
    let got = 0;
    socket.on('data', (chunk: Buffer) => {
      got += chunk.length;
      if (got === clientData.length) socket.end(serverData);
    });
    socket.on('error', () => undefined);
  });
  const relay = net.createServer((inbound) => {
    const outbound = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    track(inbound);
    track(outbound);
    inbound.on('data', (d: Buffer) => c2s.push(Buffer.from(d)));
    outbound.on('data', (d: Buffer) => s2c.push(Buffer.from(d)));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  server.listen(0, '127.0.0.1');
  relay.listen(0, '127.0.0.1');
  await Promise.all([once(server, 'listening'), once(relay, 'listening')]);
  let socket: tls.TLSSocket | null = null;
  try {
    socket = tls.connect({
      host: '127.0.0.1',
      port: (relay.address() as net.AddressInfo).port,
      servername: 'localhost',
      ca: o.cert.cert,
      minVersion: o.minVersion,
      maxVersion: o.maxVersion,
      ciphers: o.ciphers,
      ...o.client,
    });
    socket.on('keylog', (line: Buffer) => keylog.push(line.toString()));
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    await once(socket, 'secureConnect');
    const protocol = socket.getProtocol();
    const cipher = socket.getCipher().standardName;
    socket.write(clientData);
    await Promise.race([
      once(socket, 'end'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('capture timed out')), 10_000).unref()),
    ]);
    socket.end();
    await once(socket, 'close');
    if (!Buffer.concat(received).equals(serverData)) throw new Error('the client did not receive the server data');
    return { c2s: Buffer.concat(c2s), s2c: Buffer.concat(s2c), keylog: keylog.join(''), clientData, serverData, protocol, cipher };
  } finally {
    socket?.destroy();
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise((r) => relay.close(r)), new Promise((r) => server.close(r))]);
  }
}
