// Makes a throw-away origin PKI for the benchmarks: "Bench Origin Root" and an RSA-2048 leaf for localhost and
// 127.0.0.1, the way test/helpers/origin.ts does. I/O: writes the root, its key, the leaf and its key into a folder.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const forge = require('node-forge');
const { execFileSync } = require('node:child_process');

function keyPair() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    pub: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    priv: forge.pki.privateKeyFromPem(privPem),
    privPem,
  };
}

/** Writes the PKI into `dir`; returns `{ caFile, certFile, keyFile }`. */
function makeOriginPki(dir) {
  const ca = keyPair();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.pub;
  caCert.serialNumber = '01';
  caCert.validity.notBefore = new Date(Date.now() - 3600_000);
  caCert.validity.notAfter = new Date(Date.now() + 30 * 86400_000);
  const caName = [{ name: 'commonName', value: 'Bench Origin Root' }];
  caCert.setSubject(caName);
  caCert.setIssuer(caName);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.priv, forge.md.sha256.create());
  const leaf = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = leaf.pub;
  cert.serialNumber = '02';
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 86400_000);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(caName);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(ca.priv, forge.md.sha256.create());
  const out = { dir, caFile: path.join(dir, 'origin-ca.pem'), caKeyFile: path.join(dir, 'origin-ca-key.pem'), certFile: path.join(dir, 'origin-cert.pem'), keyFile: path.join(dir, 'origin-key.pem') };
  fs.writeFileSync(out.caFile, forge.pki.certificateToPem(caCert));
  fs.writeFileSync(out.caKeyFile, ca.privPem, { mode: 0o600 });
  fs.writeFileSync(out.certFile, forge.pki.certificateToPem(cert));
  fs.writeFileSync(out.keyFile, leaf.privPem, { mode: 0o600 });
  return out;
}

/**
 * An ECDSA P-256 leaf for localhost and 127.0.0.1 signed by the same root (forge cannot hold an EC key, so the
 * openssl CLI makes it). Returns `{ certFile, keyFile }`. Used by the node-relay-ec reference peer only.
 */
function makeEcLeaf(pki) {
  const keyFile = path.join(pki.dir, 'ec-leaf-key.pem');
  const csrFile = path.join(pki.dir, 'ec-leaf.csr');
  const certFile = path.join(pki.dir, 'ec-leaf-cert.pem');
  const extFile = path.join(pki.dir, 'ec-leaf.ext');
  fs.writeFileSync(extFile, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  const opts = { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20000 };
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', keyFile, '-out', csrFile], opts);
  execFileSync('openssl', ['x509', '-req', '-in', csrFile, '-CA', pki.caFile, '-CAkey', pki.caKeyFile, '-set_serial', '3', '-days', '30', '-sha256', '-extfile', extFile, '-out', certFile], opts);
  return { certFile, keyFile };
}

module.exports = { makeOriginPki, makeEcLeaf };
