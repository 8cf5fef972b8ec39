// Mirror mode is fail-closed: for every error-level finding code, a real chain that has the flaw is verified,
// the plan is made, and a reproduced flaw is minted by the real CA and verified again by tlslab's own verifier,
// trusting only the tlslab CA: it must fail with the same code. A blocked code must say why.
import tls from 'node:tls';
import { CertificateAuthority, type IssuedCert, type MirrorSpec } from '../../../src/ca';
import type { Finding } from '../../../src/events/schema';
import { planMirror, type MirrorPlan } from '../../../src/proxy/mirror';
import { MIRROR_RULES, mirrorRule, NOWHERE } from '../../../src/proxy/mirror-rules';
import { certificateNames, createTrustStore, FINDING_CODES, pemToDers, verifyServerChain, type FindingCode, type TrustStore, type VerifyResult } from '../../../src/x509';
import { cleanupTempDirs, tempDir } from '../../helpers/ca-temp';
import { chain, der, FIXED_NOW, labTrust } from '../../helpers/x509-fixtures';

type ErrorCode = { [C in FindingCode]: (typeof FINDING_CODES)[C]['severity'] extends 'error' ? C : never }[FindingCode];

/** A chain as a server sends it, and how the client asked for it. */
interface Source {
  what: string;
  sent: Buffer[];
  host?: string;
  nodeError?: string;
  /** Findings made by hand, for a flaw no committed fixture has (they stand for what the verifier reports). */
  findings?: Finding[];
}

/** Flips one byte near the end of the DER: inside the signatureValue BIT STRING. */
function breakSignature(d: Buffer): Buffer {
  const copy = Buffer.from(d);
  copy[copy.length - 10] ^= 0x01;
  return copy;
}

const SHA256_WITH_RSA = Buffer.from('06092a864886f70d01010b0500', 'hex');

/** Rewrites the last byte of the sha256WithRSAEncryption OID: the outer one only, or both (TBS and outer). */
function setAlgorithm(d: Buffer, lastByte: number, both: boolean): Buffer {
  const copy = Buffer.from(d);
  const outer = copy.lastIndexOf(SHA256_WITH_RSA);
  copy[outer + 10] = lastByte;
  if (both) copy[copy.indexOf(SHA256_WITH_RSA) + 10] = lastByte;
  return copy;
}

const f = (code: FindingCode, certIndex: number | null, detail?: Record<string, string>): Finding => ({
  code,
  check: FINDING_CODES[code].check,
  severity: FINDING_CODES[code].severity,
  certIndex,
  message: `${code} (made by hand).`,
  ...(detail ? { detail } : {}),
});

const ok = ['leaf', 'int'];
const OLD = { notBefore: '2019-01-01T00:00:00Z', notAfter: '2020-01-01T00:00:00Z' };
const FUTURE = { notBefore: '2099-01-01T00:00:00Z', notAfter: '2100-01-01T00:00:00Z' };

/** Every error-level code, with the real chains (committed fixtures) that have it. The compiler names a missing code. */
const SOURCES = {
  CERT_UNPARSABLE: [{ what: 'garbage leaf', sent: [Buffer.from('not a certificate'), der('int')] }],
  CERT_EXPIRED: [
    { what: 'expired leaf', sent: chain('leaf-expired', 'int') },
    { what: 'expired intermediate', sent: chain(...ok), findings: [f('CERT_EXPIRED', 1, OLD)] },
    { what: 'expired intermediate under an untrusted root', sent: chain('leaf-other', 'other-int', 'other-root'), findings: [f('CHAIN_UNTRUSTED_ROOT', 2), f('CERT_EXPIRED', 1, OLD)] },
  ],
  CERT_NOT_YET_VALID: [
    { what: 'leaf valid from 2099', sent: chain('leaf-not-yet-valid', 'int') },
    { what: 'intermediate valid from 2099', sent: chain(...ok), findings: [f('CERT_NOT_YET_VALID', 1, FUTURE)] },
  ],
  HOSTNAME_MISMATCH: [
    { what: 'leaf for other names', sent: chain(...ok), host: 'wrong.example.com' },
    { what: 'CN-only leaf for another name', sent: chain('leaf-cn-only', 'int'), host: 'valid.example.com' },
  ],
  HOSTNAME_CN_ONLY: [{ what: 'name only in the CN', sent: chain('leaf-cn-only', 'int'), host: 'cn-only.example.com' }],
  CHAIN_EMPTY: [{ what: 'no certificate', sent: [] }],
  CHAIN_SELF_SIGNED_LEAF: [{ what: 'self-signed leaf', sent: chain('leaf-self-signed') }],
  CHAIN_UNTRUSTED_ROOT: [{ what: 'root sent, not trusted', sent: chain('leaf-other', 'other-int', 'other-root') }],
  CHAIN_UNKNOWN_ISSUER: [{ what: 'intermediate of an unknown CA', sent: chain('leaf-other', 'other-int') }],
  CHAIN_MISSING_INTERMEDIATE: [
    { what: 'leaf alone', sent: chain('leaf') },
    { what: 'leaf alone, with AIA', sent: chain('leaf-aia') },
  ],
  CHAIN_TOO_LONG: [{ what: '12 certificates', sent: chain('leaf-long', ...Array.from({ length: 11 }, (_, i) => `long-${11 - i}`)) }],
  NODE_VERIFY_FAILED: [{ what: 'Node said CERT_REVOKED', sent: chain(...ok), nodeError: 'CERT_REVOKED' }],
  SIGNATURE_INVALID: [
    { what: 'leaf signature altered', sent: [breakSignature(der('leaf')), der('int')] },
    { what: 'intermediate signature altered', sent: [der('leaf'), breakSignature(der('int'))] },
  ],
  ALG_SHA1_SIGNATURE: [
    { what: 'SHA-1 leaf', sent: chain('leaf-sha1', 'int') },
    { what: 'SHA-1 intermediate', sent: chain(...ok), findings: [f('ALG_SHA1_SIGNATURE', 1)] },
  ],
  ALG_MD5_SIGNATURE: [{ what: 'MD5 leaf', sent: chain('leaf-md5', 'int') }],
  ALG_BROKEN_DIGEST: [{ what: 'md4WithRSAEncryption leaf', sent: [setAlgorithm(der('leaf'), 0x03, true), der('int')] }],
  ALG_MISMATCH: [{ what: 'outer sha384, inner sha256', sent: [setAlgorithm(der('leaf'), 0x0c, false), der('int')] }],
  KEY_RSA_TOO_SMALL: [
    { what: 'RSA-1024 leaf', sent: chain('leaf-rsa1024', 'int') },
    { what: 'RSA-1024 intermediate', sent: chain(...ok), findings: [f('KEY_RSA_TOO_SMALL', 1, { bits: '1024' })] },
  ],
  KEY_WEAK_CURVE: [{ what: 'secp256k1 leaf', sent: chain('leaf-secp256k1', 'int') }],
  KEY_UNSUPPORTED_TYPE: [{ what: 'DSA leaf', sent: chain('leaf-dsa', 'int') }],
  EKU_NO_SERVER_AUTH: [{ what: 'clientAuth-only leaf', sent: chain('leaf-client-eku', 'int') }],
  EKU_CA_NO_SERVER_AUTH: [{ what: 'clientAuth-only intermediate', sent: chain('leaf-under-client-eku', 'int-client-eku') }],
  BC_ISSUER_NOT_CA: [{ what: 'intermediate with CA:FALSE', sent: chain('leaf-under-not-ca', 'int-not-ca') }],
  BC_PATH_LEN_EXCEEDED: [{ what: 'pathlen:0 with an intermediate below', sent: chain('leaf-under-sub-int', 'sub-int', 'int-pathlen0') }],
  KU_ISSUER_NO_CERT_SIGN: [{ what: 'intermediate without keyCertSign', sent: chain('leaf-under-no-certsign', 'int-no-certsign') }],
  KU_LEAF_NOT_FOR_TLS: [{ what: 'EC leaf allowed only keyEncipherment', sent: chain('leaf-ec-keyenc', 'int') }],
} satisfies Record<ErrorCode, Source[]>;

const ERROR_CODES = (Object.keys(FINDING_CODES) as FindingCode[]).filter((c) => FINDING_CODES[c].severity === 'error');
const WARNING_CODES = (Object.keys(FINDING_CODES) as FindingCode[]).filter((c) => FINDING_CODES[c].severity !== 'error');

let ca: CertificateAuthority;
let tlslabOnly: TrustStore;
const lab = labTrust();

beforeAll(async () => {
  ca = await CertificateAuthority.loadOrCreate(tempDir());
  await ca.prepareMirror();
  tlslabOnly = createTrustStore({ system: false, extraPems: [ca.certPem] });
});
afterAll(cleanupTempDirs);

/** What the tunnel does: verify what the server sent, then plan with the names a good leaf would carry. */
function planFor(src: Source): { host: string; verdict: VerifyResult; plan: MirrorPlan } {
  const host = src.host ?? 'valid.example.com';
  const verdict = src.findings
    ? { ok: false, findings: src.findings, chain: [], path: [] }
    : verifyServerChain({ chain: src.sent, host, trust: lab, now: FIXED_NOW, nodeError: src.nodeError ?? null });
  let own = { dns: [] as string[], ips: [] as string[] };
  try {
    own = certificateNames(src.sent[0]);
  } catch {
    // unreadable or absent: the tunnel uses no names of its own either
  }
  const names = { dns: [...new Set([...own.dns, host])], ips: own.ips };
  return { host, verdict, plan: planMirror({ findings: verdict.findings, sent: src.sent, host, names }) };
}

/** The chain a client receives: the leaf, then what is sent after it. */
function presented(issued: IssuedCert): Buffer[] {
  return [issued.certDer, ...issued.chainPem.flatMap((p) => pemToDers(p))];
}

const expectedCode = (code: FindingCode): string => {
  const rule = mirrorRule(code);
  return rule.kind === 'reproduce' && rule.as ? rule.as : code;
};

describe('every error-level finding code: reproduced and failing again the same way, or blocked with a reason', () => {
  it('covers every code of the catalogue', () => {
    expect(Object.keys(SOURCES).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(MIRROR_RULES).sort()).toEqual(Object.keys(FINDING_CODES).sort());
  });

  const cases = ERROR_CODES.flatMap((code) => (SOURCES[code as ErrorCode] as Source[]).map((src) => [code, src.what, src] as const));

  it.each(cases)('%s: %s', (code, _what, src) => {
    const { host, verdict, plan } = planFor(src);
    // The source really has the flaw (the verifier found it on the real chain).
    expect(verdict.ok).toBe(false);
    expect(verdict.findings.filter((x) => x.severity === 'error').map((x) => x.code)).toContain(code);
    const rule = mirrorRule(code);
    if (rule.kind === 'block') {
      expect(plan).toEqual({ kind: 'block', code, why: rule.why });
      expect(plan.kind === 'block' && plan.why).toMatch(/^[A-Za-z].{40,}\.$/s);
      return;
    }
    expect(rule.kind).toBe('reproduce');
    if (plan.kind !== 'mirror') throw new Error(`expected a mirror plan for ${code}, got ${JSON.stringify(plan)}`);
    const issued = ca.issueMirror(plan.spec);
    // A TLS server can load it (the context app.ts makes for mirror leaves).
    expect(() => tls.createSecureContext({ cert: [issued.certPem, ...issued.chainPem].join('\n'), key: issued.keyPem, ciphers: 'DEFAULT:@SECLEVEL=0' })).not.toThrow();
    const again = verifyServerChain({ chain: presented(issued), host, trust: tlslabOnly });
    expect(again.ok).toBe(false);
    const errors = again.findings.filter((x) => x.severity === 'error').map((x) => x.code);
    expect(errors).toContain(expectedCode(code));
    // Every error the real chain had is there again (or its equivalent), not only the one under test.
    for (const other of verdict.findings.filter((x) => x.severity === 'error')) expect(errors).toContain(expectedCode(other.code as FindingCode));
  });

  it.each(WARNING_CODES)('%s is a warning: nothing to mirror', (code) => {
    expect(mirrorRule(code)).toEqual({ kind: 'nothing' });
  });
});

describe('planMirror: the safe default', () => {
  const names = { dns: ['asked.example'], ips: [] };
  const plan = (findings: Finding[]) => planMirror({ findings, sent: chain(...ok), host: 'asked.example', names });

  it('blocks a code the table does not know (a finding from a newer verifier), with a reason', () => {
    const p = plan([{ code: 'CERT_REVOKED_BY_OCSP', check: 'chain', severity: 'error', certIndex: 0, message: 'Revoked.' }]);
    expect(p).toMatchObject({ kind: 'block', code: 'CERT_REVOKED_BY_OCSP' });
    expect(p.kind === 'block' && p.why.length).toBeGreaterThan(40);
  });

  it('blocks when one of several flaws cannot be reproduced, even if the others can', () => {
    expect(plan([f('CERT_EXPIRED', 0, OLD), f('KEY_WEAK_CURVE', 0)])).toMatchObject({ kind: 'block', code: 'KEY_WEAK_CURVE' });
  });

  it('never presents a clean leaf: with no error finding there is nothing to show, so it blocks', () => {
    expect(plan([f('CHAIN_WRONG_ORDER', null), f('BC_LEAF_IS_CA', 0)]).kind).toBe('block');
    expect(plan([]).kind).toBe('block');
  });

  it('ignores warnings beside an error', () => {
    const p = plan([f('CHAIN_WRONG_ORDER', null), f('CHAIN_SELF_SIGNED_LEAF', 0)]);
    expect(p).toEqual({ kind: 'mirror', spec: { names, selfSigned: true } satisfies MirrorSpec });
  });

  it('copies dates onto the certificate that has them: the leaf, or an intermediate', () => {
    const leaf = plan([f('CERT_EXPIRED', 0, OLD)]);
    const inter = plan([f('CERT_EXPIRED', 1, OLD)]);
    expect(leaf.kind === 'mirror' && [leaf.spec.notAfter?.toISOString(), leaf.spec.intermediate]).toEqual(['2020-01-01T00:00:00.000Z', undefined]);
    expect(inter.kind === 'mirror' && [inter.spec.notAfter, inter.spec.intermediate?.notAfter?.toISOString()]).toEqual([undefined, '2020-01-01T00:00:00.000Z']);
  });

  it("carries the server's own names on a mismatch, or a name nobody asks for when it has none", () => {
    const p = plan([f('HOSTNAME_MISMATCH', 0)]);
    expect(p.kind === 'mirror' && p.spec.names.dns.sort()).toEqual(['localhost', 'valid.example.com']);
    const none = planMirror({ findings: [f('HOSTNAME_MISMATCH', 0)], sent: [], host: 'asked.example', names });
    expect(none.kind === 'mirror' && none.spec.names).toEqual({ dns: [NOWHERE], ips: [] });
  });
});
