// Throw-away certificates for the tests and the benchmarks, in one place: a root, optional intermediates and a leaf,
// or one self-signed certificate (node-forge, RSA-2048 keys from node:crypto). In memory only: callers write files.
'use strict';
const crypto = require('node:crypto');
const forge = require('node-forge');

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** An RSA-2048 key pair: forge's objects and the PKCS#8 PEM of the private key. */
function keyPair() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    pub: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    priv: /** @type {import('node-forge').pki.rsa.PrivateKey} */ (forge.pki.privateKeyFromPem(privPem)),
    privPem,
  };
}

let serial = 1;

/**
 * One certificate for `subject`, signed by `issuer` (or by `selfPriv`: self-signed).
 * @param {{ pub: import('node-forge').pki.PublicKey; subject: import('node-forge').pki.CertificateField[];
 *   issuer?: { name: import('node-forge').pki.CertificateField[]; priv: import('node-forge').pki.rsa.PrivateKey } | null;
 *   selfPriv?: import('node-forge').pki.rsa.PrivateKey; notBefore?: Date; notAfter?: Date; extensions: object[] }} o
 */
function certificate(o) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = o.pub;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = o.notBefore ?? new Date(Date.now() - HOUR);
  cert.validity.notAfter = o.notAfter ?? new Date(Date.now() + 365 * DAY);
  cert.setSubject(o.subject);
  cert.setIssuer(o.issuer ? o.issuer.name : o.subject);
  cert.setExtensions(o.extensions);
  const signer = o.issuer ? o.issuer.priv : o.selfPriv;
  if (!signer) throw new Error('certificate(): no issuer and no key to sign itself with');
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

const CA_EXTENSIONS = [{ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }];

/**
 * @typedef {object} PkiOptions
 * @property {string} [rootName] The root's common name (default "Test Origin Root"): PKIs trusted side by side need different ones.
 * @property {string[]} [names] The leaf's DNS names (default localhost); the first is also its common name.
 * @property {string[]} [ips] The leaf's IP address names (default 127.0.0.1).
 * @property {{ name: string; notBefore?: Date; notAfter?: Date; pathLen?: number }[]} [intermediates] Top first: the first
 *   is signed by the root, each next one by the one before, the leaf by the last. What is not given is that of a sound one.
 * @property {Record<string, boolean>} [leafKeyUsage] The leaf's keyUsage bits (forge names); default digitalSignature + keyEncipherment.
 * @property {object[]} [leafExtensions] Extra leaf extensions, as forge extension objects (e.g. an unknown critical one).
 * @property {number} [rootDays] How long the root is valid from now (default 365 days).
 * @property {number} [leafDays] How long the leaf is valid from now (default 90 days).
 */

/**
 * A root, the intermediates asked for and a leaf, as PEM: `chainPem` holds the intermediates the server sends after
 * its leaf, the leaf's issuer first ('' when the root signs the leaf).
 * @param {PkiOptions} [opts]
 * @returns {{ caPem: string; caKeyPem: string; certPem: string; chainPem: string; keyPem: string }}
 */
function makePki(opts = {}) {
  const names = opts.names ?? ['localhost'];
  const ca = keyPair();
  const caName = [{ name: 'commonName', value: opts.rootName ?? 'Test Origin Root' }];
  const caCert = certificate({
    pub: ca.pub,
    subject: caName,
    selfPriv: ca.priv,
    notAfter: new Date(Date.now() + (opts.rootDays ?? 365) * DAY),
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, ...CA_EXTENSIONS],
  });
  let issuer = { name: caName, priv: ca.priv };
  const chain = [];
  for (const inter of opts.intermediates ?? []) {
    const pair = keyPair();
    const name = [{ name: 'commonName', value: inter.name }];
    /** @type {Record<string, unknown>} */
    const bc = { name: 'basicConstraints', cA: true, critical: true };
    if (inter.pathLen !== undefined) bc.pathLenConstraint = inter.pathLen;
    const cert = certificate({ pub: pair.pub, subject: name, issuer, notBefore: inter.notBefore, notAfter: inter.notAfter, extensions: [bc, ...CA_EXTENSIONS] });
    chain.unshift(forge.pki.certificateToPem(cert));
    issuer = { name, priv: pair.priv };
  }
  const leaf = keyPair();
  const cert = certificate({
    pub: leaf.pub,
    subject: [{ name: 'commonName', value: names[0] }],
    issuer,
    notAfter: new Date(Date.now() + (opts.leafDays ?? 90) * DAY),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', ...(opts.leafKeyUsage ?? { digitalSignature: true, keyEncipherment: true }) },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), ...(opts.ips ?? ['127.0.0.1']).map((ip) => ({ type: 7, ip }))] },
      ...(opts.leafExtensions ?? []),
    ],
  });
  return { caPem: forge.pki.certificateToPem(caCert), caKeyPem: ca.privPem, certPem: forge.pki.certificateToPem(cert), chainPem: chain.join(''), keyPem: leaf.privPem };
}

/**
 * One self-signed certificate valid for a day (from a minute ago): `key` and `cert` as PEM, `der` its bytes.
 * @param {{ commonName: string; dnsNames: string[]; extensions?: object[] }} o
 * @returns {{ key: string; cert: string; der: Buffer }}
 */
function selfSigned(o) {
  const pair = keyPair();
  const cert = certificate({
    pub: pair.pub,
    subject: [{ name: 'commonName', value: o.commonName }],
    selfPriv: pair.priv,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY),
    extensions: [{ name: 'subjectAltName', altNames: o.dnsNames.map((value) => ({ type: 2, value })) }, ...(o.extensions ?? [])],
  });
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return { key: pair.privPem, cert: forge.pki.certificateToPem(cert), der };
}

module.exports = { makePki, selfSigned };
