// One loopback HTTPS origin per lab case, each misbehaving in its own way (certificate, TLS version,
// key exchange, reset, delay, missing close_notify). I/O boundary: the listening sockets on 127.0.0.1.
import { once } from 'node:events';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TlslabError } from '../errors';
import type { Logger } from '../log';
import type { LabCaseInfo } from './lab-cases';
import type { LabCert } from './lab-pki';
import { renderLabPage } from './lab-page';

export interface Origin {
  port: number;
  close(): Promise<void>;
}

export interface OriginOptions {
  host: '127.0.0.1';
  slowHandshakeMs: number;
  log?: Logger;
}

/** Extra TLS options per case: protocol versions and suites (OpenSSL names). */
const TLS_OPTIONS: Readonly<Record<string, tls.TlsOptions>> = {
  'tls12-only': { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305' },
  // RSA key transport (RFC 5246 §7.4.7.1): the client encrypts the premaster secret with the server's key.
  'static-rsa': { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-GCM-SHA384' },
  // One group only: a ClientHello whose key_share offers another group gets a HelloRetryRequest (RFC 8446 §4.1.4).
  'hello-retry': { ecdhCurve: 'P-384' },
};

/** Sockets of one origin, so close() can end keep-alive and half-done connections too. */
class Tracker {
  readonly sockets = new Set<net.Socket>();
  readonly timers = new Set<NodeJS.Timeout>();
  track(s: net.Socket): void {
    this.sockets.add(s);
    s.once('close', () => this.sockets.delete(s));
    s.on('error', () => undefined); // a client going away is not the lab's error
  }
  destroyAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

function secureOptions(info: LabCaseInfo, cert: LabCert): tls.TlsOptions {
  const extra = TLS_OPTIONS[info.name] ?? {};
  const ciphers = cert.weak ? `${extra.ciphers ?? 'DEFAULT'}@SECLEVEL=0` : extra.ciphers;
  return { cert: cert.cert, key: cert.key, ...extra, ...(ciphers ? { ciphers } : {}) };
}

function pageHandler(info: LabCaseInfo) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const page = renderLabPage(info, req.headers.accept);
    res.writeHead(200, { 'Content-Type': page.contentType, 'Content-Length': Buffer.byteLength(page.body), 'Cache-Control': 'no-store', 'X-Tlslab-Lab-Case': info.name });
    res.end(req.method === 'HEAD' ? undefined : page.body);
  };
}

async function listen(server: net.Server, host: string, name: string): Promise<number> {
  server.listen(0, host);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then((args: unknown[]) => Promise.reject(args[0] instanceof Error ? args[0] : new Error(String(args[0]))))]);
  } catch (err) {
    throw new TlslabError('TLSLAB_ERR_LAB', `lab origin ${name} cannot listen on ${host}: ${(err as Error).message}`, { cause: err });
  }
  return (server.address() as net.AddressInfo).port;
}

function closer(servers: net.Server[], tracker: Tracker): () => Promise<void> {
  return async () => {
    tracker.destroyAll();
    await Promise.all(servers.map((s) => (s.listening ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve())));
  };
}

/** A normal HTTPS origin (most cases: only the certificate or TLS options differ). */
async function httpsOrigin(info: LabCaseInfo, cert: LabCert, o: OriginOptions): Promise<Origin> {
  const tracker = new Tracker();
  const server = https.createServer(secureOptions(info, cert), pageHandler(info));
  server.on('connection', (s: net.Socket) => tracker.track(s));
  server.on('tlsClientError', (err) => o.log?.debug({ lab: info.name, err: err.message }, 'lab: client refused the handshake'));
  return { port: await listen(server, o.host, info.name), close: closer([server], tracker) };
}

/** Waits `slowHandshakeMs` with the ClientHello unread, then lets the HTTPS server answer it. */
async function slowOrigin(info: LabCaseInfo, cert: LabCert, o: OriginOptions): Promise<Origin> {
  const tracker = new Tracker();
  const inner = https.createServer(secureOptions(info, cert), pageHandler(info));
  const outer = net.createServer({ pauseOnConnect: true }, (socket) => {
    tracker.track(socket);
    const timer = setTimeout(() => {
      tracker.timers.delete(timer);
      if (!socket.destroyed) inner.emit('connection', socket);
    }, o.slowHandshakeMs);
    tracker.timers.add(timer);
  });
  return { port: await listen(outer, o.host, info.name), close: closer([outer], tracker) };
}

/** Reads the first bytes (the ClientHello), then answers with a TCP RST. */
async function resetOrigin(info: LabCaseInfo, o: OriginOptions): Promise<Origin> {
  const tracker = new Tracker();
  const server = net.createServer((socket) => {
    tracker.track(socket);
    socket.once('data', () => socket.resetAndDestroy());
  });
  return { port: await listen(server, o.host, info.name), close: closer([server], tracker) };
}

/**
 * Answers one request with a body delimited only by the end of the connection, then destroys the TLS socket:
 * Node sends close_notify only from end(), so the client sees a TCP FIN with no close_notify (RFC 8446 §6.1).
 */
async function noCloseNotifyOrigin(info: LabCaseInfo, cert: LabCert, o: OriginOptions): Promise<Origin> {
  const tracker = new Tracker();
  const server = tls.createServer(secureOptions(info, cert), (socket) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n') && head.length < 16384) return;
      socket.off('data', onData);
      const accept = /^accept:[ \t]*(.*)$/im.exec(head)?.[1];
      const page = renderLabPage(info, accept);
      const response = `HTTP/1.1 200 OK\r\nContent-Type: ${page.contentType}\r\nConnection: close\r\nX-Tlslab-Lab-Case: ${info.name}\r\n\r\n${head.startsWith('HEAD ') ? '' : page.body}`;
      socket.write(response, () => socket.destroy());
    };
    socket.on('data', onData);
  });
  server.on('connection', (s: net.Socket) => tracker.track(s));
  return { port: await listen(server, o.host, info.name), close: closer([server], tracker) };
}

/** Start the origin for one case. */
export function startOrigin(info: LabCaseInfo, cert: LabCert, o: OriginOptions): Promise<Origin> {
  switch (info.name) {
    case 'reset-mid-handshake':
      return resetOrigin(info, o);
    case 'slow-handshake':
      return slowOrigin(info, cert, o);
    case 'no-close-notify':
      return noCloseNotifyOrigin(info, cert, o);
    default:
      return httpsOrigin(info, cert, o);
  }
}
