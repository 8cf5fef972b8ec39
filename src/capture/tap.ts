// A tee around a raw TCP socket: every byte read and written passes through a JS Duplex we can see.
// Node's TLSSocket reads a bare net.Socket natively (no 'data' events), so each TLS leg is built on a Tap.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export type TapDirection = 'in' | 'out';
export type TapListener = (direction: TapDirection, chunk: Buffer) => void;

/**
 * Wraps `socket`. Bytes the peer sent come out of the tap's readable side; bytes written to the tap go to
 * the socket. Listeners added with `onChunk` see both, in order, from `start()` on.
 */
export class Tap extends Duplex {
  readonly socket: Socket;
  bytesIn = 0;
  bytesOut = 0;
  /** Set when the raw socket reported an error (a reset shows up only here: the tap sees a plain close). */
  socketError: NodeJS.ErrnoException | null = null;
  private readonly chunkListeners: TapListener[] = [];

  constructor(socket: Socket) {
    // No autoDestroy: the TLSSocket on top reads the tap lazily, and destroying the tap destroys that TLSSocket
    // with ciphertext still undecrypted. The owner destroys the tap when its TLSSocket closes.
    // Half-open as far as the tap goes: when the peer's bytes end, the TLSSocket on top still writes its
    // close_notify; writes the raw socket can no longer take are dropped (see _write), not turned into errors.
    super({ allowHalfOpen: true, autoDestroy: false });
    this.socket = socket;
    // The raw socket must be half-open too, or Node ends its writable side the moment the peer's FIN arrives
    // (net.Socket's default): whatever the TLSSocket still sends, the rest of a response and its close_notify,
    // would be dropped. The tap ends the raw socket itself, in _final, once the TLSSocket has finished writing.
    socket.allowHalfOpen = true;
  }

  /**
   * Starts the flow, once listeners are attached: `prefix` (bytes already read from the socket before the
   * tap existed, e.g. the ClientHello) comes out first, then whatever the socket reads. The listeners are not told of
   * the prefix: whoever read it saw it then (a leg decodes a ClientHello when it arrives).
   */
  start(prefix?: Buffer): this {
    const socket = this.socket;
    if (prefix && prefix.length > 0) this.deliver(prefix, false);
    if (socket.destroyed) {
      // It went (a reset, or destroyed) while paused, before the tap existed: its 'error' and 'close' are past.
      const err = socket.errored;
      if (err) this.socketError = err;
      this.destroy();
      return this;
    }
    socket.on('data', (chunk: Buffer) => {
      if (!this.deliver(chunk)) socket.pause();
    });
    // The peer's FIN may already have been read (its 'end' came while the ClientHello was being judged): pass it on.
    let ended = socket.readableEnded;
    if (ended) this.push(null);
    else {
      socket.on('end', () => {
        ended = true;
        this.push(null);
      });
    }
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (ended && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) {
        // The peer finished and left while our close_notify was on its way: the usual end of a TLS
        // conversation, not a failure.
        this.destroy();
        return;
      }
      this.socketError = err;
      this.destroy(err);
    });
    socket.on('close', () => {
      // After a clean end the tap must outlive the raw socket until its reader has taken every byte
      // (see the constructor); only an abnormal close ends it here.
      if (!ended && !this.destroyed) this.destroy();
    });
    socket.resume();
    return this;
  }

  onChunk(listener: TapListener): void {
    this.chunkListeners.push(listener);
  }

  private deliver(chunk: Buffer, tell = true): boolean {
    this.bytesIn += chunk.length;
    if (tell) for (const l of this.chunkListeners) l('in', chunk);
    try {
      return this.push(chunk);
    } catch (err) {
      // The TLS socket on top processes these bytes synchronously; a write it makes in answer at the wrong moment
      // (after its shutdown began, or over a write in progress) throws an assertion from Node's wrapper for JS
      // streams, here. It must end this connection, not the process.
      this.destroy(err as Error);
      return false;
    }
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytesOut += chunk.length;
    for (const l of this.chunkListeners) l('out', chunk);
    if (!this.socket.writable) {
      cb();
      return;
    }
    // Acknowledge at once unless the socket pushes back: waiting for each flush would halve throughput.
    if (this.socket.write(chunk)) cb();
    else this.socket.once('drain', () => cb());
  }

  /** A TLS flush hands over several records at once: one corked write, one system call. */
  override _writev(chunks: { chunk: Buffer; encoding: BufferEncoding }[], cb: (err?: Error | null) => void): void {
    if (!this.socket.writable) {
      cb();
      return;
    }
    let ok = true;
    this.socket.cork();
    for (const { chunk } of chunks) {
      this.bytesOut += chunk.length;
      for (const l of this.chunkListeners) l('out', chunk);
      ok = this.socket.write(chunk);
    }
    this.socket.uncork();
    if (ok) cb();
    else this.socket.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.socket.writable) cb();
    else this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.socket.destroyed) this.socket.destroy();
    cb(err);
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
}
