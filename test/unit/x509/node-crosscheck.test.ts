// Node's verdict beside ours: a real TLS server on 127.0.0.1:0 serves each fixture chain, a real Node client
// connects with rejectUnauthorized:false, and whenever Node's authorizationError is set we must fail too,
// with a finding that says the same thing. Where Node is laxer than browsers, we must still fail.
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { createTrustStore, findingsForNodeError, parseIp, verifyServerChain } from '../../../src/x509';
import { chain, key, pem } from '../../helpers/x509-fixtures';

interface NodeVerdict {
  /** authorizationError, or null when Node accepted the chain. */
  error: string | null;
  /** Set when the handshake itself failed (Node never got to verify). */
  handshakeFailure?: string;
}

/** Serves `certs` with `keyName`, connects as a Node client to `host`, returns Node's verdict. */
async function nodeVerdict(certs: string[], keyName: string, host: string): Promise<NodeVerdict> {
  // SECLEVEL=0 on the server only, so that it agrees to serve weak certificates; the client keeps Node's defaults.
  const server = tls.createServer({ key: key(keyName), cert: certs.map(pem).join(''), ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<NodeVerdict>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        servername: parseIp(host) ? undefined : host,
        checkServerIdentity: (_name, cert) => tls.checkServerIdentity(host, cert),
        ca: [pem('root')],
        rejectUnauthorized: false,
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('no handshake within 5 s'));
      }, 5000);
      socket.on('secureConnect', () => {
        clearTimeout(timer);
        const error = socket.authorizationError ? String(socket.authorizationError) : null;
        socket.destroy();
        resolve({ error });
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ error: null, handshakeFailure: err.message });
      });
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const trust = createTrustStore({ extraPems: [pem('root')] });

// [what, chain served, key, host, Node's authorizationError, our codes]
const cases: [string, string[], string, string, string | null, string[]][] = [
  ['valid', ['leaf', 'int'], 'leaf', 'valid.example.com', null, []],
  ['valid by IP', ['leaf', 'int'], 'leaf', '127.0.0.1', null, []],
  ['expired', ['leaf-expired', 'int'], 'leaf', 'valid.example.com', 'CERT_HAS_EXPIRED', ['CERT_EXPIRED@0']],
  ['not yet valid', ['leaf-not-yet-valid', 'int'], 'leaf', 'valid.example.com', 'CERT_NOT_YET_VALID', ['CERT_NOT_YET_VALID@0']],
  ['wrong host', ['leaf', 'int'], 'leaf', 'wrong.example.com', 'ERR_TLS_CERT_ALTNAME_INVALID', ['HOSTNAME_MISMATCH@0']],
  ['wildcard too deep', ['leaf-wildcard', 'int'], 'leaf', 'a.b.example.com', 'ERR_TLS_CERT_ALTNAME_INVALID', ['HOSTNAME_MISMATCH@0']],
  ['self-signed', ['leaf-self-signed'], 'leaf', 'valid.example.com', 'DEPTH_ZERO_SELF_SIGNED_CERT', ['CHAIN_SELF_SIGNED_LEAF@0']],
  ['missing intermediate', ['leaf'], 'leaf', 'valid.example.com', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', ['CHAIN_MISSING_INTERMEDIATE@0']],
  ['unknown issuer', ['leaf-other', 'other-int'], 'leaf', 'valid.example.com', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', ['CHAIN_UNKNOWN_ISSUER@1']],
  ['untrusted root', ['leaf-other', 'other-int', 'other-root'], 'leaf', 'valid.example.com', 'SELF_SIGNED_CERT_IN_CHAIN', ['CHAIN_UNTRUSTED_ROOT@2']],
  ['wrong order', ['leaf', 'root', 'int'], 'leaf', 'valid.example.com', null, ['CHAIN_WRONG_ORDER@chain']],
  ['extra certificate', ['leaf', 'int', 'other-root'], 'leaf', 'valid.example.com', null, ['CHAIN_EXTRA_CERT@2']],
  ['SHA-1', ['leaf-sha1', 'int'], 'leaf', 'valid.example.com', 'UNSPECIFIED', ['ALG_SHA1_SIGNATURE@0']],
  ['MD5', ['leaf-md5', 'int'], 'leaf', 'valid.example.com', 'UNSPECIFIED', ['ALG_MD5_SIGNATURE@0']],
  ['clientAuth-only EKU', ['leaf-client-eku', 'int'], 'leaf', 'valid.example.com', 'INVALID_PURPOSE', ['EKU_NO_SERVER_AUTH@0']],
  ['issuer CA:FALSE', ['leaf-under-not-ca', 'int-not-ca'], 'leaf', 'valid.example.com', 'INVALID_PURPOSE', ['BC_ISSUER_NOT_CA@1']],
  ['issuer without keyCertSign', ['leaf-under-no-certsign', 'int-no-certsign'], 'leaf', 'valid.example.com', 'UNSPECIFIED', ['KU_ISSUER_NO_CERT_SIGN@1']],
  ['issuer limited to clientAuth', ['leaf-under-client-eku', 'int-client-eku'], 'leaf', 'valid.example.com', 'INVALID_PURPOSE', ['EKU_CA_NO_SERVER_AUTH@1']],
  ['pathlen exceeded', ['leaf-under-sub-int', 'sub-int', 'int-pathlen0'], 'leaf', 'valid.example.com', 'PATH_LENGTH_EXCEEDED', ['BC_PATH_LEN_EXCEEDED@2']],
  ['many flaws', ['leaf-many', 'int'], 'rsa1024', 'valid.example.com', 'CERT_HAS_EXPIRED', [
    'CERT_EXPIRED@0', 'HOSTNAME_MISMATCH@0', 'ALG_SHA1_SIGNATURE@0', 'KEY_RSA_TOO_SMALL@0', 'EKU_NO_SERVER_AUTH@0', 'BC_LEAF_IS_CA@0', 'KU_LEAF_NOT_FOR_TLS@0',
  ]],
  // Node is laxer than browsers on these: it accepts them, we (like Chromium) refuse.
  ['RSA 1024 (Node accepts)', ['leaf-rsa1024', 'int'], 'rsa1024', 'valid.example.com', null, ['KEY_RSA_TOO_SMALL@0']],
  ['CN only (Node accepts)', ['leaf-cn-only', 'int'], 'leaf', 'cn-only.example.com', null, ['HOSTNAME_CN_ONLY@0']],
  ['EC key only for keyEncipherment (Node accepts)', ['leaf-ec-keyenc', 'int'], 'ec-p256', 'valid.example.com', null, ['KU_LEAF_NOT_FOR_TLS@0']],
  ['leaf CA:TRUE (a warning for both)', ['leaf-ca-true', 'int'], 'leaf', 'valid.example.com', null, ['BC_LEAF_IS_CA@0']],
];

describe('Node beside ours, over real TLS on 127.0.0.1', () => {
  it.each(cases)('%s', async (_what, certs, keyName, host, expectedNodeError, expectedCodes) => {
    const node = await nodeVerdict(certs, keyName, host);
    expect(node.handshakeFailure).toBeUndefined();
    expect(node.error).toBe(expectedNodeError);
    const ours = verifyServerChain({ chain: chain(...certs), host, trust, nodeError: node.error });
    expect(ours.findings.map((f) => `${f.code}@${f.certIndex ?? 'chain'}`)).toEqual(expectedCodes);
    if (node.error) {
      // Whenever Node refuses, we refuse, with a finding that corresponds to Node's reason.
      expect(ours.ok).toBe(false);
      const corresponding = findingsForNodeError(node.error);
      expect(ours.findings.some((f) => (corresponding as readonly string[]).includes(f.code))).toBe(true);
      expect(ours.findings.map((f) => f.code)).not.toContain('NODE_VERIFY_FAILED');
    }
  });

  it('secp256k1: Node cannot even complete the handshake; we name the curve', async () => {
    const node = await nodeVerdict(['leaf-secp256k1', 'int'], 'ec-k256', 'valid.example.com');
    expect(node.handshakeFailure).toMatch(/handshake failure|alert/);
    const ours = verifyServerChain({ chain: chain('leaf-secp256k1', 'int'), host: 'valid.example.com', trust });
    expect(ours.findings.map((f) => f.code)).toEqual(['KEY_WEAK_CURVE']);
    expect(ours.findings[0].message).toContain('secp256k1');
  });
});
