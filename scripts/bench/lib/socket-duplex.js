// A pass-through Duplex over a raw socket, as tlslab's Tap is, for the benchmarks: subclasses look at each chunk read
// (onRead) and written (onWrite). Back-pressure both ways. I/O: the socket it wraps.
'use strict';
const { Duplex } = require('node:stream');

class SocketDuplex extends Duplex {
  /** `endOnClose`: a socket that closes without an 'end' ends this stream's readable side too. */
  constructor(socket, { allowHalfOpen = true, endOnClose = false } = {}) {
    super({ allowHalfOpen });
    this.socket = socket;
    socket.on('data', (c) => {
      this.onRead(c);
      if (!this.push(c)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    if (endOnClose) socket.on('close', () => this.readableEnded || this.destroyed || this.push(null));
  }

  /** Each chunk read from the socket, before it is passed on. */
  onRead(_chunk) {}

  /** Each chunk written to the socket, before it goes. */
  onWrite(_chunk) {}

  _read() {
    this.socket.resume();
  }

  _write(chunk, _enc, cb) {
    this.onWrite(chunk);
    if (this.socket.write(chunk)) cb();
    else this.socket.once('drain', () => cb());
  }

  _final(cb) {
    this.socket.end(cb);
  }

  _destroy(err, cb) {
    this.socket.destroy();
    cb(err);
  }
}

module.exports = { SocketDuplex };
