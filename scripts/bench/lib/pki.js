// Makes a throw-away origin PKI for the benchmarks: "Bench Origin Root" and an RSA-2048 leaf for localhost,
// *.bench.test (new host names for the first-connection probe: lib/latency.js) and 127.0.0.1 (scripts/lib/test-pki.js,
// as the tests use). I/O: writes the root, its key, the leaf and its key into a folder.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { makePki } = require('../../lib/test-pki');

/** Names under it are new hosts that resolve to 127.0.0.1 in the bench's tlslab (run-tlslab.js) and share the origin's certificate. */
const NEW_HOST_DOMAIN = 'bench.test';

/** Writes the PKI into `dir`; returns `{ dir, caFile, caKeyFile, certFile, keyFile }`. */
function makeOriginPki(dir) {
  const pki = makePki({ rootName: 'Bench Origin Root', rootDays: 30, leafDays: 30, names: ['localhost', `*.${NEW_HOST_DOMAIN}`] });
  const out = { dir, caFile: path.join(dir, 'origin-ca.pem'), caKeyFile: path.join(dir, 'origin-ca-key.pem'), certFile: path.join(dir, 'origin-cert.pem'), keyFile: path.join(dir, 'origin-key.pem') };
  fs.writeFileSync(out.caFile, pki.caPem);
  fs.writeFileSync(out.caKeyFile, pki.caKeyPem, { mode: 0o600 });
  fs.writeFileSync(out.certFile, pki.certPem);
  fs.writeFileSync(out.keyFile, pki.keyPem, { mode: 0o600 });
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

module.exports = { makeOriginPki, makeEcLeaf, NEW_HOST_DOMAIN };
