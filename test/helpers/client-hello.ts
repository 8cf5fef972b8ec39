// A real ClientHello from Node's TLS client, captured by handing it a stream that never answers; and re-framing.
import type net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

/** The first flight a Node TLS client sends with `opts` (no server is involved: the bytes are only recorded). */
export function captureClientHello(opts: tls.ConnectionOptions = {}): Promise<Buffer> {
  return new Promise((resolve) => {
    const sink = new Duplex({ read() {}, write(chunk: Buffer, _enc, cb) { resolve(Buffer.from(chunk)); cb(); } });
    const t = tls.connect({ socket: sink, ...opts });
    t.on('error', () => undefined);
    setImmediate(() => t.destroy());
  });
}

/** The handshake messages of `flight` (one or more records) cut again into handshake records of `size` bytes. */
export function reframe(flight: Buffer, size: number): Buffer {
  const fragments: Buffer[] = [];
  for (let at = 0; at + 5 <= flight.length; ) {
    const len = flight.readUInt16BE(at + 3);
    fragments.push(flight.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  return records(Buffer.concat(fragments), size);
}

/** Handshake bytes `msg` in handshake records (RFC 8446 §5.1) of `size` bytes each. */
export function records(msg: Buffer, size: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; i < msg.length; i += size) {
    const part = msg.subarray(i, i + size);
    out.push(Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part);
  }
  return Buffer.concat(out);
}

/**
 * `raw` as a stream for a TLS client whose first write (its ClientHello) goes out re-cut into records of `size`
 * bytes; everything else passes unchanged. The handshake transcript covers messages, not records, so it completes.
 */
export function reframingSocket(raw: net.Socket, size: number): Duplex {
  let first = true;
  const d = new Duplex({
    read() {
      raw.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      raw.write(first ? reframe(chunk, size) : chunk, cb);
      first = false;
    },
    final(cb) {
      raw.end();
      cb();
    },
    destroy(err, cb) {
      raw.destroy();
      cb(err);
    },
  });
  raw.on('data', (c: Buffer) => {
    if (!d.push(c)) raw.pause();
  });
  raw.on('end', () => d.push(null));
  raw.on('close', () => d.destroy());
  raw.on('error', () => undefined);
  return d;
}
