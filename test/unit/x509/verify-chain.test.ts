// verifyServerChain on the committed fixtures: every flaw, with the exact codes and certificate indexes.
import type { Finding } from '../../../src/events/schema';
import { createTrustStore, verifyServerChain, type VerifyResult } from '../../../src/x509';
import { chain, der, FIXED_NOW, labTrust, pem } from '../../helpers/x509-fixtures';

const trust = labTrust();

function verify(names: string[] | Buffer[], host = 'valid.example.com', t = trust): VerifyResult {
  const ders = names.map((n) => (typeof n === 'string' ? der(n) : n));
  return verifyServerChain({ chain: ders, host, trust: t, now: FIXED_NOW });
}

/** `CODE@index` for each finding, in report order. */
function codes(r: VerifyResult): string[] {
  return r.findings.map((f) => `${f.code}@${f.certIndex ?? 'chain'}`);
}

/** A student sentence: starts with a capital letter, ends with a full stop, no template holes. */
function expectSentences(findings: Finding[]): void {
  for (const f of findings) {
    expect(f.message).toMatch(/^[A-Z“].{20,}\.$/s);
    expect(f.message).not.toMatch(/undefined|null|NaN|\[object/);
  }
}

/** Flips one byte near the end of the DER: inside the signatureValue BIT STRING. */
function breakSignature(d: Buffer): Buffer {
  const copy = Buffer.from(d);
  copy[copy.length - 10] ^= 0x01;
  return copy;
}

describe('verifyServerChain: one flaw at a time', () => {
  // [what, chain as sent, host, expected CODE@index, ok]
  const cases: [string, string[], string, string[], boolean][] = [
    ['valid chain', ['leaf', 'int'], 'valid.example.com', [], true],
    ['valid EC P-256 leaf', ['leaf-ec', 'int'], 'valid.example.com', [], true],
    ['leaf without EKU', ['leaf-no-eku', 'int'], 'valid.example.com', [], true],
    ['Ed25519 leaf', ['leaf-ed25519', 'int'], 'valid.example.com', [], true],
    ['RSASSA-PSS signed leaf', ['leaf-pss', 'int'], 'valid.example.com', [], true],
    ['DSA leaf', ['leaf-dsa', 'int'], 'valid.example.com', ['KEY_UNSUPPORTED_TYPE@0'], false],
    ['expired leaf', ['leaf-expired', 'int'], 'valid.example.com', ['CERT_EXPIRED@0'], false],
    ['not yet valid leaf', ['leaf-not-yet-valid', 'int'], 'valid.example.com', ['CERT_NOT_YET_VALID@0'], false],
    ['wrong host', ['leaf', 'int'], 'wrong.example.com', ['HOSTNAME_MISMATCH@0'], false],
    ['self-signed leaf', ['leaf-self-signed'], 'valid.example.com', ['CHAIN_SELF_SIGNED_LEAF@0'], false],
    ['unknown issuer (untrusted hierarchy, root not sent)', ['leaf-other', 'other-int'], 'valid.example.com', ['CHAIN_UNKNOWN_ISSUER@1'], false],
    ['untrusted root sent by the server', ['leaf-other', 'other-int', 'other-root'], 'valid.example.com', ['CHAIN_UNTRUSTED_ROOT@2'], false],
    ['missing intermediate', ['leaf'], 'valid.example.com', ['CHAIN_MISSING_INTERMEDIATE@0'], false],
    ['missing intermediate, leaf with AIA', ['leaf-aia'], 'valid.example.com', ['CHAIN_MISSING_INTERMEDIATE@0'], false],
    ['wrong order', ['leaf', 'root', 'int'], 'valid.example.com', ['CHAIN_WRONG_ORDER@chain'], true],
    ['extra unrelated certificate', ['leaf', 'int', 'other-root'], 'valid.example.com', ['CHAIN_EXTRA_CERT@2'], true],
    ['SHA-1 signed leaf', ['leaf-sha1', 'int'], 'valid.example.com', ['ALG_SHA1_SIGNATURE@0'], false],
    // OpenSSL 3.0 still signs with MD5 through `openssl ca -md md5`, so this fixture exists.
    ['MD5 signed leaf', ['leaf-md5', 'int'], 'valid.example.com', ['ALG_MD5_SIGNATURE@0'], false],
    ['RSA 1024 leaf', ['leaf-rsa1024', 'int'], 'valid.example.com', ['KEY_RSA_TOO_SMALL@0'], false],
    ['secp256k1 leaf', ['leaf-secp256k1', 'int'], 'valid.example.com', ['KEY_WEAK_CURVE@0'], false],
    ['clientAuth-only EKU', ['leaf-client-eku', 'int'], 'valid.example.com', ['EKU_NO_SERVER_AUTH@0'], false],
    ['leaf with CA:TRUE', ['leaf-ca-true', 'int'], 'valid.example.com', ['BC_LEAF_IS_CA@0'], true],
    ['EC leaf allowed only keyEncipherment', ['leaf-ec-keyenc', 'int'], 'valid.example.com', ['KU_LEAF_NOT_FOR_TLS@0'], false],
    ['RSA leaf allowed only keyEncipherment', ['leaf-rsa-keyenc', 'int'], 'valid.example.com', ['KU_LEAF_RSA_KEY_TRANSPORT_ONLY@0'], true],
    ['issuer without keyCertSign', ['leaf-under-no-certsign', 'int-no-certsign'], 'valid.example.com', ['KU_ISSUER_NO_CERT_SIGN@1'], false],
    ['issuer with CA:FALSE', ['leaf-under-not-ca', 'int-not-ca'], 'valid.example.com', ['BC_ISSUER_NOT_CA@1'], false],
    ['issuer limited to clientAuth', ['leaf-under-client-eku', 'int-client-eku'], 'valid.example.com', ['EKU_CA_NO_SERVER_AUTH@1'], false],
    ['pathlen:0 with an intermediate below', ['leaf-under-sub-int', 'sub-int', 'int-pathlen0'], 'valid.example.com', ['BC_PATH_LEN_EXCEEDED@2'], false],
  ];

  it.each(cases)('%s', (_what, names, host, expected, ok) => {
    const r = verify(names, host);
    expect(codes(r)).toEqual(expected);
    expect(r.ok).toBe(ok);
    expectSentences(r.findings);
  });
});

describe('verifyServerChain: the result', () => {
  it('lists sent certificates, then the trust-store root, and the path through them', () => {
    const r = verify(['leaf', 'int']);
    expect(r.chain.map((c) => [c.index, c.source, c.subject])).toEqual([
      [0, 'sent', 'CN=valid.example.com'],
      [1, 'sent', 'O=tlslab tests, CN=tlslab Test Intermediate'],
      [2, 'trust-store', 'O=tlslab tests, CN=tlslab Test Root'],
    ]);
    expect(r.path).toEqual([0, 1, 2]);
    expect(r.chain[0].san).toEqual(['DNS:localhost', 'DNS:valid.example.com', 'IP:127.0.0.1', 'IP:::1']);
    expect(r.chain[0].publicKey).toBe('RSA 2048');
    expect(r.chain[0].signatureAlgorithm).toBe('sha256WithRSAEncryption');
    expect(r.chain[2].selfSigned).toBe(true);
    expect(r.chain[1].isCA).toBe(true);
    expect(r.chain[0].isCA).toBe(false);
  });

  it('gives every certificate a green or red line per check', () => {
    const r = verify(['leaf-expired', 'int']);
    const leafChecks = Object.fromEntries(r.chain[0].checks.map((c) => [c.check, c.ok]));
    expect(leafChecks).toEqual({
      chain: true,
      validity: false,
      hostname: true,
      signature: true,
      algorithm: true,
      'key-strength': true,
      'extended-key-usage': true,
      'basic-constraints': true,
      'key-usage': true,
    });
    const validity = r.chain[0].checks.find((c) => c.check === 'validity')!;
    expect(validity.message).toBe(
      "The server's certificate expired on 1 January 2021; today is 29 November 2026, so it can no longer be trusted.",
    );
    for (const summary of r.chain) for (const c of summary.checks) expect(c.message).toMatch(/^[A-Z“].+\.$/);
    // Only the leaf has a hostname check.
    expect(r.chain[1].checks.map((c) => c.check)).not.toContain('hostname');
  });

  it('puts the dates and today in the detail of a validity finding', () => {
    const f = verify(['leaf-expired', 'int']).findings[0];
    expect(f).toMatchObject({ check: 'validity', severity: 'error', certIndex: 0 });
    expect(f.detail).toEqual({ notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z', now: '2026-11-29T12:00:00Z' });
  });

  it('builds the path through out-of-order certificates', () => {
    const r = verify(['leaf', 'root', 'int']);
    expect(r.path).toEqual([0, 2, 1]);
    expect(r.chain.every((c) => c.source === 'sent')).toBe(true);
  });

  it('says where a missing intermediate can be downloaded when the leaf says so', () => {
    const f = verify(['leaf-aia']).findings[0];
    expect(f.detail?.caIssuersUrl).toBe('http://ca.example.test/int.der');
    expect(f.message).toContain('tlslab Test Intermediate');
    expect(f.message).toContain('download it from http://ca.example.test/int.der');
  });

  it('uses an intermediate found in the trust store (it anchors the path)', () => {
    const withInt = createTrustStore({ extraPems: [pem('int')] });
    const r = verify(['leaf'], 'valid.example.com', withInt);
    expect(codes(r)).toEqual([]);
    expect(r.path).toEqual([0, 1]);
    expect(r.chain[1].source).toBe('trust-store');
  });

  it('trusts nothing with an empty trust store', () => {
    const r = verify(['leaf', 'int'], 'valid.example.com', createTrustStore({}));
    expect(codes(r)).toEqual(['CHAIN_UNKNOWN_ISSUER@1']);
  });
});

describe('verifyServerChain: broken signatures, loops, length, garbage', () => {
  it('reports a broken leaf signature and still builds the path', () => {
    const r = verify([breakSignature(der('leaf')), der('int')]);
    expect(codes(r)).toEqual(['SIGNATURE_INVALID@0']);
    expect(r.path).toEqual([0, 1, 2]);
    expect(r.findings[0].message).toContain('tlslab Test Intermediate');
  });

  it('reports a broken intermediate signature', () => {
    const r = verify([der('leaf'), breakSignature(der('int'))]);
    expect(codes(r)).toEqual(['SIGNATURE_INVALID@1']);
  });

  it('stops at a loop of issuers', () => {
    const r = verify(['leaf-cycle', 'cycle-a', 'cycle-b']);
    expect(codes(r)).toEqual(['CHAIN_UNKNOWN_ISSUER@2']);
    expect(r.path).toEqual([0, 1, 2]);
    expect(r.findings[0].detail?.loop).toBeDefined();
  });

  it('stops following a chain that is too long', () => {
    const names = ['leaf-long', ...Array.from({ length: 11 }, (_, i) => `long-${11 - i}`)];
    const r = verify(names);
    expect(codes(r)).toEqual(['CHAIN_TOO_LONG@chain', 'CHAIN_EXTRA_CERT@10', 'CHAIN_EXTRA_CERT@11']);
    expect(r.path).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.findings[1].message).toContain('not examined');
  });

  it('reports an empty chain', () => {
    const r = verifyServerChain({ chain: [], host: 'valid.example.com', trust, now: FIXED_NOW });
    expect(codes(r)).toEqual(['CHAIN_EMPTY@chain']);
    expect(r.ok).toBe(false);
  });

  it('reports an unreadable leaf without throwing', () => {
    const r = verify([Buffer.from('not a certificate'), der('int')]);
    expect(codes(r)).toEqual(['CERT_UNPARSABLE@0']);
    expect(r.chain[0].subject).toBe('(unreadable certificate)');
    expect(r.chain[1].subject).toContain('tlslab Test Intermediate');
  });

  it('reports an unreadable certificate in the middle and builds around it', () => {
    const r = verify([der('leaf'), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]), der('int')]);
    expect(codes(r)).toEqual(['CERT_UNPARSABLE@1', 'CHAIN_WRONG_ORDER@chain']);
    expect(r.path).toEqual([0, 2, 3]);
  });
});

/** Rewrites the last byte of the outer signatureAlgorithm OID (it precedes the NULL and the BIT STRING). */
function setOuterAlgorithmLastByte(d: Buffer, byte: number): Buffer {
  const copy = Buffer.from(d);
  const sha256WithRsa = Buffer.from('06092a864886f70d01010b0500', 'hex');
  const at = copy.lastIndexOf(sha256WithRsa);
  copy[at + 10] = byte;
  return copy;
}

describe('verifyServerChain: algorithm fields', () => {
  it('names the PSS digest', () => {
    expect(verify(['leaf-pss', 'int']).chain[0].signatureAlgorithm).toBe('RSASSA-PSS with SHA-256');
  });

  it('reports an outer algorithm that disagrees with the signed one', () => {
    const r = verify([setOuterAlgorithmLastByte(der('leaf'), 0x0c), der('int')]); // sha384WithRSAEncryption
    expect(codes(r)).toEqual(['SIGNATURE_INVALID@0', 'ALG_MISMATCH@0']);
    expect(r.findings[1].detail).toMatchObject({ algorithm: 'sha384WithRSAEncryption', tbsAlgorithm: 'sha256WithRSAEncryption' });
  });

  it('reports an algorithm it does not know', () => {
    const r = verify([setOuterAlgorithmLastByte(der('leaf'), 0x7f), der('int')]);
    expect(codes(r)).toEqual(['SIGNATURE_INVALID@0', 'ALG_UNKNOWN@0', 'ALG_MISMATCH@0']);
  });

  it('accepts a self-signed leaf the trust store holds (pinned)', () => {
    const pinned = createTrustStore({ extraPems: [pem('leaf-self-signed')] });
    const r = verify(['leaf-self-signed'], 'valid.example.com', pinned);
    expect(codes(r)).toEqual([]);
    expect(r.path).toEqual([0]);
  });
});

describe('verifyServerChain: several flaws at once', () => {
  it('reports every flaw of one certificate, not only the first', () => {
    // leaf-many: expired, SHA-1, RSA 1024, clientAuth only, CA:TRUE, keyCertSign only, named other.example.net
    const r = verify(['leaf-many', 'int']);
    expect(codes(r)).toEqual([
      'CERT_EXPIRED@0',
      'HOSTNAME_MISMATCH@0',
      'ALG_SHA1_SIGNATURE@0',
      'KEY_RSA_TOO_SMALL@0',
      'EKU_NO_SERVER_AUTH@0',
      'BC_LEAF_IS_CA@0',
      'KU_LEAF_NOT_FOR_TLS@0',
    ]);
    expect(r.ok).toBe(false);
    expectSentences(r.findings);
  });

  it('reports flaws on different certificates together', () => {
    const r = verify([breakSignature(der('leaf-expired')), der('int'), der('other-root')], 'wrong.example.com');
    expect(codes(r)).toEqual([
      'CHAIN_EXTRA_CERT@2',
      'CERT_EXPIRED@0',
      'HOSTNAME_MISMATCH@0',
      'SIGNATURE_INVALID@0',
    ]);
    // With the intermediate missing from what was sent, the path cannot reach the root.
    const r2 = verify([der('leaf-expired'), der('other-root')], 'wrong.example.com');
    expect(codes(r2)).toEqual(['CHAIN_MISSING_INTERMEDIATE@0', 'CHAIN_EXTRA_CERT@1', 'CERT_EXPIRED@0', 'HOSTNAME_MISMATCH@0']);
    expect(r2.findings.find((f) => f.code === 'CHAIN_EXTRA_CERT')!.severity).toBe('warning');
  });

  it('downgrades what is wrong with an unused certificate to a warning', () => {
    const r = verify(['leaf', 'int', 'leaf-many']);
    expect(codes(r)).toEqual([
      'CHAIN_EXTRA_CERT@2',
      'CERT_EXPIRED@2',
      'ALG_SHA1_SIGNATURE@2',
      'KEY_RSA_TOO_SMALL@2',
    ]);
    expect(r.findings.every((f) => f.severity === 'warning')).toBe(true);
    expect(r.ok).toBe(true);
  });
});

describe('verifyServerChain: Node cross-check input', () => {
  it('fails closed when Node refused a chain our checks passed', () => {
    const r = verifyServerChain({ chain: chain('leaf', 'int'), host: 'valid.example.com', trust, now: FIXED_NOW, nodeError: 'CERT_REVOKED' });
    expect(codes(r)).toEqual(['NODE_VERIFY_FAILED@chain']);
    expect(r.ok).toBe(false);
    expect(r.findings[0].message).toContain('CERT_REVOKED');
  });

  it('adds nothing when our checks already failed', () => {
    const r = verifyServerChain({ chain: chain('leaf-expired', 'int'), host: 'valid.example.com', trust, now: FIXED_NOW, nodeError: 'CERT_HAS_EXPIRED' });
    expect(codes(r)).toEqual(['CERT_EXPIRED@0']);
  });
});
