// verifyServerChain remembers chains it judged: a warm answer must equal a cold one (a fresh trust store has no
// memory) at every time — the same day, the next day, across a certificate's notBefore and notAfter — and callers
// must never share objects with what is remembered.
import { createTrustStore, verifyServerChain, type TrustStore, type VerifyResult } from '../../../src/x509';
import { chain, FIXED_NOW, pem } from '../../helpers/x509-fixtures';

const coldStore = (): TrustStore => createTrustStore({ extraPems: [pem('root')] });

function judge(trust: TrustStore, names: string[], host: string, now: Date, nodeError: string | null = null): VerifyResult {
  return verifyServerChain({ chain: chain(...names), host, trust, now, nodeError });
}

/** The same chain, judged again and again by one store, against a fresh store each time. */
function expectWarmEqualsCold(names: string[], host: string, times: Date[]): void {
  const warm = coldStore();
  for (const now of times) {
    const cold = judge(coldStore(), names, host, now);
    for (let i = 0; i < 2; i++) {
      const hot = judge(warm, names, host, now);
      expect(hot).toEqual(cold);
      expect(JSON.stringify(hot)).toBe(JSON.stringify(cold)); // the same key order too, as events carry it
    }
  }
}

// The fixtures' leaf, intermediate and root are valid from 2025-01-01T00:00:00Z to 2045-01-01T00:00:00Z.
const TIMES = [
  FIXED_NOW,
  new Date(FIXED_NOW.getTime() + 3_600_000), // same day
  new Date(FIXED_NOW.getTime() + 86_400_000), // the next day
  new Date('2044-12-31T23:59:59.999Z'),
  new Date('2045-01-01T00:00:00.000Z'), // notAfter itself: still valid
  new Date('2045-01-01T00:00:00.001Z'), // expired
  new Date('2045-06-01T10:00:00Z'),
  new Date('2024-12-31T23:59:59.999Z'), // not yet valid
  new Date('2025-01-01T00:00:00.000Z'), // notBefore itself: valid
  FIXED_NOW,
];

describe('verifyServerChain: remembered verdicts', () => {
  const cases: [string, string[], string][] = [
    ['valid chain', ['leaf', 'int'], 'valid.example.com'],
    ['wrong host', ['leaf', 'int'], 'wrong.example.com'],
    ['missing intermediate', ['leaf'], 'valid.example.com'],
    ['wrong order', ['leaf', 'root', 'int'], 'valid.example.com'],
    ['extra certificate', ['leaf', 'int', 'other-root'], 'valid.example.com'],
    ['self-signed leaf', ['leaf-self-signed'], 'valid.example.com'],
    ['expired leaf', ['leaf-expired', 'int'], 'valid.example.com'],
    ['not yet valid leaf', ['leaf-not-yet-valid', 'int'], 'valid.example.com'],
    ['SHA-1 leaf', ['leaf-sha1', 'int'], 'valid.example.com'],
    ['untrusted root sent', ['leaf-other', 'other-int', 'other-root'], 'valid.example.com'],
  ];

  it.each(cases)('%s: the same answer warm as cold, at every time', (_what, names, host) => {
    expectWarmEqualsCold(names, host, TIMES);
  });

  it('tells hosts apart', () => {
    const trust = coldStore();
    expect(judge(trust, ['leaf', 'int'], 'valid.example.com', FIXED_NOW).ok).toBe(true);
    const wrong = judge(trust, ['leaf', 'int'], 'wrong.example.com', FIXED_NOW);
    expect(wrong.findings.map((f) => f.code)).toEqual(['HOSTNAME_MISMATCH']);
    expect(judge(trust, ['leaf', 'int'], 'valid.example.com', FIXED_NOW).ok).toBe(true);
  });

  it("applies Node's cross-check on every call, never remembering it", () => {
    const trust = coldStore();
    expect(judge(trust, ['leaf', 'int'], 'valid.example.com', FIXED_NOW).findings).toEqual([]);
    const refused = judge(trust, ['leaf', 'int'], 'valid.example.com', FIXED_NOW, 'CERT_REVOKED');
    expect(refused.ok).toBe(false);
    expect(refused.findings.map((f) => f.code)).toEqual(['NODE_VERIFY_FAILED']);
    const again = judge(trust, ['leaf', 'int'], 'valid.example.com', FIXED_NOW);
    expect(again.ok).toBe(true);
    expect(again.findings).toEqual([]);
  });

  it('hands out copies: changing one answer does not change the next', () => {
    const trust = coldStore();
    const first = judge(trust, ['leaf', 'root', 'int'], 'valid.example.com', FIXED_NOW);
    const expected = judge(coldStore(), ['leaf', 'root', 'int'], 'valid.example.com', FIXED_NOW);
    first.findings[0].message = 'changed';
    first.findings[0].detail!.pathOrder = 'changed';
    first.findings.push({ ...first.findings[0] });
    first.chain[0].checks[0].message = 'changed';
    first.chain[0].san.push('DNS:changed');
    first.path.push(99);
    const second = judge(trust, ['leaf', 'root', 'int'], 'valid.example.com', FIXED_NOW);
    expect(second).toEqual(expected);
    second.chain[1].subject = 'changed';
    expect(judge(trust, ['leaf', 'root', 'int'], 'valid.example.com', FIXED_NOW)).toEqual(expected);
  });
});
