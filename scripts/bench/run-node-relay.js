#!/usr/bin/env node
// A reference peer for the proxy benchmark, not a product: the least a Node TLS-terminating CONNECT proxy does
// (answer CONNECT, TLS upstream with one cached SecureContext, TLS to the client with one fixed certificate, pipe).
// With --tap, both legs run over a plain JS tee Duplex, as tlslab's taps do, with no decoding. It shows the floor
// Node itself sets on this machine. Prints {"port":N,"pid":P}. I/O: loopback sockets.
// Usage: node scripts/bench/run-node-relay.js --cert FILE --key FILE --upstream-ca FILE [--tap]
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const tls = require('node:tls');
const { SocketDuplex } = require('./lib/socket-duplex');

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const tap = process.argv.includes('--tap');
const serverContext = tls.createSecureContext({ cert: fs.readFileSync(arg('--cert')), key: fs.readFileSync(arg('--key')) });
const upstreamContext = tls.createSecureContext({ ca: fs.readFileSync(arg('--upstream-ca')) });

/** A tee like tlslab's Tap, reduced to its data path: counts bytes both ways. */
class Tee extends SocketDuplex {
  constructor(socket) {
    super(socket, { allowHalfOpen: socket.allowHalfOpen, endOnClose: true });
    this.seen = 0;
  }

  onRead(chunk) {
    this.seen += chunk.length;
  }

  onWrite(chunk) {
    this.seen += chunk.length;
  }
}

const server = http.createServer((_req, res) => {
  res.writeHead(405);
  res.end();
});
server.on('connect', (req, socket, head) => {
  const [host, portText] = String(req.url).split(':');
  socket.on('error', () => undefined);
  const raw = net.connect({ host, port: Number(portText) });
  raw.on('error', () => socket.destroy());
  raw.once('connect', () => {
    const up = tls.connect({ socket: tap ? new Tee(raw) : raw, servername: host, secureContext: upstreamContext, ALPNProtocols: ['http/1.1'] });
    up.on('error', () => socket.destroy());
    up.once('secureConnect', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head && head.length) socket.unshift(head);
      const client = new tls.TLSSocket(tap ? new Tee(socket) : socket, { isServer: true, secureContext: serverContext, ALPNProtocols: ['http/1.1'] });
      client.on('error', () => up.destroy());
      up.on('close', () => client.end());
      client.on('close', () => up.destroy());
      client.pipe(up);
      up.pipe(client);
    });
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port, pid: process.pid })}\n`));
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Started by proxy.js with --parent-pipe: exit when the parent goes away (its end of our stdin closes).
if (process.argv.includes('--parent-pipe')) process.stdin.on('end', stop).resume();
