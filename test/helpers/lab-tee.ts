// Test helper for the lab: a TLS client over a tee, to see the server's raw TLS records (type, version).
// Real sockets to 127.0.0.1; the tee only records what the server sent.
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

/** A Duplex over a TCP socket that keeps a copy of every byte the server sent. */
export class RecordingTee extends Duplex {
  readonly received: Buffer[] = [];
  constructor(private readonly raw: net.Socket) {
    super();
    raw.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('error', (err) => this.destroy(err));
  }
  override _read(): void {
    this.raw.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.raw.write(chunk, cb);
  }
  override _final(cb: () => void): void {
    this.raw.end(cb);
  }
  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.raw.destroy();
    cb(err);
  }
}

/** TLS record content types in what the server sent (RFC 5246 §6.2.1): 20 CCS, 21 alert, 22 handshake, 23 data. */
export function recordTypes(bytes: Buffer): number[] {
  const types: number[] = [];
  for (let off = 0; off + 5 <= bytes.length; ) {
    types.push(bytes[off]);
    off += 5 + bytes.readUInt16BE(off + 3);
  }
  return types;
}

export interface TeeFetch {
  body: string;
  serverRecords: number[];
  protocol: string | null;
  cipher: tls.CipherNameAndProtocol;
}

/** GET / over TLS 1.2 (records in the clear) and return the body and the server's record types. */
export function fetchOverTee(port: number, servername: string, ca: string): Promise<TeeFetch> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(port, '127.0.0.1');
    const tee = new RecordingTee(raw);
    const socket = tls.connect({ socket: tee, servername, ca, maxVersion: 'TLSv1.2' });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('fetchOverTee timed out'));
    }, 10000);
    socket.on('secureConnect', () => socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
    raw.on('close', () => {
      clearTimeout(timer);
      resolve({
        body: Buffer.concat(chunks).toString('utf8'),
        serverRecords: recordTypes(Buffer.concat(tee.received)),
        protocol: socket.getProtocol(),
        cipher: socket.getCipher(),
      });
    });
  });
}
