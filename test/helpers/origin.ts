// Real local origins for proxy tests: a throwaway CA, an HTTPS (+h2) server, a wss echo server, on 127.0.0.1:0.
import fs from 'node:fs';
import http2 from 'node:http2';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { makePki, type PkiOptions } from '../../scripts/lib/test-pki';
import { WebSocketServer, type RawData } from 'ws';
import { listenLocal } from './listen';

export interface TestPki {
  dir: string;
  caPem: string;
  caFile: string;
  /** The leaf alone. */
  certPem: string;
  /** The intermediates the origin sends after its leaf, leaf's issuer first ('' when the root signs the leaf). */
  chainPem: string;
  keyPem: string;
}

/** What makes a chain fail verification in one precise way (root name, intermediates, the leaf's key usage and extensions). */
export type OriginPkiOptions = Omit<PkiOptions, 'names'>;

/**
 * A CA "Test Origin Root" (or `rootName`), optional intermediates, and a leaf for `names` (DNS) + 127.0.0.1
 * (scripts/lib/test-pki.js), the root written to a temp dir. The options make chains that fail verification in one
 * precise way (an expired intermediate, pathlen:0 broken, …).
 */
export function makeOriginPki(names: string[] = ['localhost'], opts: OriginPkiOptions = {}): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-origin-'));
  const { caPem, certPem, chainPem, keyPem } = makePki({ ...opts, names });
  const caFile = path.join(dir, 'origin-ca.pem');
  fs.writeFileSync(caFile, caPem);
  return { dir, caPem, caFile, certPem, chainPem, keyPem };
}

/** A WebSocket message as text, whichever of its three shapes `ws` delivered it in. */
export function rawText(m: RawData): string {
  if (Array.isArray(m)) return Buffer.concat(m).toString('utf8');
  return (Buffer.isBuffer(m) ? m : Buffer.from(new Uint8Array(m))).toString('utf8');
}

export interface Origin {
  port: number;
  close(): Promise<void>;
}

/** HTTPS origin speaking HTTP/1.1 and HTTP/2; answers `hello from origin <path> via <protocol>`. Also a wss echo on `/echo`. */
export function startHttpsOrigin(pki: TestPki, opts: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<Origin> {
  const server = http2.createSecureServer({ cert: pki.certPem + pki.chainPem, key: pki.keyPem, allowHTTP1: true, maxVersion: opts.maxVersion });
  server.on('request', (req, res) => {
    const proto = req.httpVersion === '2.0' ? 'h2' : `http/${req.httpVersion}`;
    const body = `hello from origin ${req.url} via ${proto}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m, isBinary) => ws.send(isBinary ? m : `echo: ${rawText(m)}`)));
  });
  return listenLocal(server, () => wss.close());
}

/** Plain HTTP origin. */
export async function startHttpOrigin(): Promise<Origin> {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`plain hello ${req.url}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
