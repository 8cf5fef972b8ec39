// Makes a throw-away origin PKI for the benchmarks: "Bench Origin Root" and an RSA-2048 leaf for localhost and
// 127.0.0.1, the way test/helpers/origin.ts does. I/O: writes ca.pem, cert.pem, key.pem into the given folder.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const forge = require('node-forge');

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
  const out = { caFile: path.join(dir, 'origin-ca.pem'), certFile: path.join(dir, 'origin-cert.pem'), keyFile: path.join(dir, 'origin-key.pem') };
  fs.writeFileSync(out.caFile, forge.pki.certificateToPem(caCert));
  fs.writeFileSync(out.certFile, forge.pki.certificateToPem(cert));
  fs.writeFileSync(out.keyFile, leaf.privPem, { mode: 0o600 });
  return out;
}

module.exports = { makeOriginPki };
