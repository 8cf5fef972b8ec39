// Test helper: a real Node TLS client and server talking through a loopback relay that records every chunk
// each side sent (with its time), plus the key log from the 'keylog' events — a capture without a sniffer.
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';

export interface RecordedChunk {
  from: 'client' | 'server';
  bytes: Buffer;
  timeMs: number;
}

export interface RecordedConnection {
  chunks: RecordedChunk[];
  keyLog: string;
  /** What the client received, decrypted by Node itself. */
  clientReceived: Buffer;
  serverReceived: Buffer;
}

export interface PairOptions {
  key: Buffer;
  cert: Buffer;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  /** Bytes the client sends once connected; the server answers each chunk with `reply(chunk)`. */
  request: Buffer;
  reply: (chunk: Buffer) => Buffer;
  /** The client closes once it has received this many bytes. */
  expectBytes: number;
}

export function recordNodePair(opts: PairOptions): Promise<RecordedConnection> {
  return new Promise((resolve, reject) => {
    const chunks: RecordedChunk[] = [];
    const keyLog: string[] = [];
    const received: Buffer[] = [];
    const serverGot: Buffer[] = [];
    const server = tls.createServer({ key: opts.key, cert: opts.cert, ciphers: opts.ciphers }, (s) => {
      s.on('data', (d: Buffer) => {
        serverGot.push(d);
        s.write(opts.reply(d));
      });
      s.on('end', () => s.end());
      s.on('error', () => {});
    });
    server.on('keylog', (l: Buffer) => keyLog.push(l.toString()));
    const relay = net.createServer((inbound) => {
      const outbound = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
      inbound.on('data', (d: Buffer) => {
        chunks.push({ from: 'client', bytes: d, timeMs: performance.timeOrigin + performance.now() });
        outbound.write(d);
      });
      outbound.on('data', (d: Buffer) => {
        chunks.push({ from: 'server', bytes: d, timeMs: performance.timeOrigin + performance.now() });
        inbound.write(d);
      });
      inbound.on('end', () => outbound.end());
      outbound.on('end', () => inbound.end());
      inbound.on('error', () => {});
      outbound.on('error', () => {});
      outbound.on('close', () => {
        relay.close();
        server.close();
        resolve({ chunks, keyLog: keyLog.join(''), clientReceived: Buffer.concat(received), serverReceived: Buffer.concat(serverGot) });
      });
    });
    server.listen(0, '127.0.0.1', () =>
      relay.listen(0, '127.0.0.1', () => {
        const c = tls.connect({
          port: (relay.address() as AddressInfo).port, host: '127.0.0.1', servername: 'localhost', ca: opts.cert,
          maxVersion: opts.maxVersion, ciphers: opts.ciphers, checkServerIdentity: () => undefined,
        });
        c.on('secureConnect', () => c.write(opts.request));
        let got = 0;
        c.on('data', (d: Buffer) => {
          received.push(d);
          got += d.length;
          if (got >= opts.expectBytes) c.end();
        });
        c.on('error', reject);
      }),
    );
  });
}
