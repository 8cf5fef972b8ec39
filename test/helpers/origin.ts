// Real local origins for proxy tests: a throwaway CA, an HTTPS (+h2) server, a wss echo server, on 127.0.0.1:0.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http2 from 'node:http2';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { WebSocketServer } from 'ws';

export interface TestPki {
  dir: string;
  caPem: string;
  caFile: string;
  certPem: string;
  keyPem: string;
}

function keyPair(): { pub: forge.pki.PublicKey; priv: forge.pki.PrivateKey; privPem: string } {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    pub: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    priv: forge.pki.privateKeyFromPem(privPem),
    privPem,
  };
}

/** A CA "Test Origin Root" and a leaf for `names` (DNS) + 127.0.0.1, written to a temp dir. */
export function makeOriginPki(names: string[] = ['localhost']): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-origin-'));
  const ca = keyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.pub;
  caCert.serialNumber = '01';
  caCert.validity.notBefore = new Date(Date.now() - 3600_000);
  caCert.validity.notAfter = new Date(Date.now() + 365 * 86400_000);
  const caName = [{ name: 'commonName', value: 'Test Origin Root' }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.priv as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const leaf = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = leaf.pub;
  cert.serialNumber = '02';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 90 * 86400_000);
  cert.setSubject([{ name: 'commonName', value: names[0] as string }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(ca.priv as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const caPem = forge.pki.certificateToPem(caCert);
  const caFile = path.join(dir, 'origin-ca.pem');
  fs.writeFileSync(caFile, caPem);
  return { dir, caPem, caFile, certPem: forge.pki.certificateToPem(cert), keyPem: leaf.privPem };
}

export interface Origin {
  port: number;
  close(): Promise<void>;
}

/** HTTPS origin speaking HTTP/1.1 and HTTP/2; answers `hello from origin <path> via <protocol>`. Also a wss echo on `/echo`. */
export async function startHttpsOrigin(pki: TestPki, opts: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<Origin> {
  const server = http2.createSecureServer({ cert: pki.certPem, key: pki.keyPem, allowHTTP1: true, maxVersion: opts.maxVersion });
  server.on('request', (req, res) => {
    const proto = req.httpVersion === '2.0' ? 'h2' : `http/${req.httpVersion}`;
    const body = `hello from origin ${req.url} via ${proto}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (m, isBinary) => ws.send(isBinary ? m : `echo: ${m.toString()}`)));
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
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
