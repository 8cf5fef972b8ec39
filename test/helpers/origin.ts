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
  /** The leaf alone. */
  certPem: string;
  /** The intermediates the origin sends after its leaf, leaf's issuer first ('' when the root signs the leaf). */
  chainPem: string;
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

/** An intermediate CA between the root and the leaf; what is not given is that of a sound one. */
export interface OriginIntermediate {
  name: string;
  notBefore?: Date;
  notAfter?: Date;
  /** basicConstraints pathLenConstraint. */
  pathLen?: number;
}

export interface OriginPkiOptions {
  /** The root's common name (default "Test Origin Root"): PKIs trusted side by side need different ones. */
  rootName?: string;
  /** Intermediates, top first: the first is signed by the root, each next one by the one before, the leaf by the last. */
  intermediates?: OriginIntermediate[];
  /** The leaf's keyUsage bits (forge names); default digitalSignature + keyEncipherment. */
  leafKeyUsage?: Record<string, boolean>;
  /** Extra leaf extensions, as forge extension objects (e.g. an unknown critical one). */
  leafExtensions?: object[];
}

type Issuer = { name: forge.pki.CertificateField[]; priv: forge.pki.PrivateKey };

let serial = 1;

function signed(
  pub: forge.pki.PublicKey,
  subject: forge.pki.CertificateField[],
  issuer: Issuer | null,
  dates: { notBefore?: Date; notAfter?: Date },
  extensions: object[],
  selfPriv?: forge.pki.PrivateKey,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = dates.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notAfter = dates.notAfter ?? new Date(Date.now() + 365 * 86400_000);
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.name : subject);
  cert.setExtensions(extensions);
  cert.sign((issuer?.priv ?? selfPriv) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return cert;
}

/**
 * A CA "Test Origin Root" (or `rootName`), optional intermediates, and a leaf for `names` (DNS) + 127.0.0.1, written to a temp dir.
 * The options make chains that fail verification in one precise way (an expired intermediate, pathlen:0 broken, …).
 */
export function makeOriginPki(names: string[] = ['localhost'], opts: OriginPkiOptions = {}): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tlslab-origin-'));
  const ca = keyPair();
  const caName = [{ name: 'commonName', value: opts.rootName ?? 'Test Origin Root' }];
  const caCert = signed(ca.pub, caName, null, {}, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ], ca.priv);
  let issuer: Issuer = { name: caName, priv: ca.priv };
  const chain: string[] = [];
  for (const inter of opts.intermediates ?? []) {
    const pair = keyPair();
    const name = [{ name: 'commonName', value: inter.name }];
    const bc: Record<string, unknown> = { name: 'basicConstraints', cA: true, critical: true };
    if (inter.pathLen !== undefined) bc.pathLenConstraint = inter.pathLen;
    const cert = signed(pair.pub, name, issuer, inter, [bc, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }]);
    chain.unshift(forge.pki.certificateToPem(cert));
    issuer = { name, priv: pair.priv };
  }
  const leaf = keyPair();
  const cert = signed(leaf.pub, [{ name: 'commonName', value: names[0] }], issuer, { notAfter: new Date(Date.now() + 90 * 86400_000) }, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', ...(opts.leafKeyUsage ?? { digitalSignature: true, keyEncipherment: true }) },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }] },
    ...(opts.leafExtensions ?? []),
  ]);
  const caPem = forge.pki.certificateToPem(caCert);
  const caFile = path.join(dir, 'origin-ca.pem');
  fs.writeFileSync(caFile, caPem);
  return { dir, caPem, caFile, certPem: forge.pki.certificateToPem(cert), chainPem: chain.join(''), keyPem: leaf.privPem };
}

export interface Origin {
  port: number;
  close(): Promise<void>;
}

/** HTTPS origin speaking HTTP/1.1 and HTTP/2; answers `hello from origin <path> via <protocol>`. Also a wss echo on `/echo`. */
export async function startHttpsOrigin(pki: TestPki, opts: { maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<Origin> {
  const server = http2.createSecureServer({ cert: pki.certPem + pki.chainPem, key: pki.keyPem, allowHTTP1: true, maxVersion: opts.maxVersion });
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
