// named() hands out the Named values it made before (every hello names dozens): whatever the order of calls, each
// answer is what the table, the GREASE rule (RFC 8701) and the width say, the same object for the same question, and
// the memory it keeps is bounded (a hello full of random codes gets correct answers made afresh).
import fc from 'fast-check';
import { isGrease16, isGrease8, named } from '../../../src/tls/names/lookup';
import { CONTENT_TYPES, EXTENSION_TYPES, GROUPS, SIGNATURE_SCHEMES } from '../../../src/tls/names/registries';

type Grease = 'grease16' | 'grease8' | 'none';
const TABLES = [CONTENT_TYPES, EXTENSION_TYPES, GROUPS, SIGNATURE_SCHEMES] as const;

/** What a Named is, computed from the rules. */
function expected(table: Readonly<Record<number, string>>, code: number, grease: Grease, digits: number): { code: number; name: string } {
  const name = table[code];
  if (name !== undefined) return { code, name };
  if ((grease === 'grease16' && isGrease16(code)) || (grease === 'grease8' && isGrease8(code))) return { code, name: 'GREASE' };
  return { code, name: `unknown (0x${code.toString(16).padStart(digits, '0')})` };
}

const question = fc.record({
  table: fc.integer({ min: 0, max: TABLES.length - 1 }),
  code: fc.oneof(fc.constantFrom(0, 20, 23, 29, 0x0a0a, 0x0b, 0x0403, 0xfe0d, 0x1a1a), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffff })),
  grease: fc.constantFrom<Grease>('grease16', 'grease8', 'none'),
  digits: fc.constantFrom(2, 4, 6),
});

describe('named', () => {
  it('answers what the table, the GREASE rule and the width say, in any order of calls', () => {
    fc.assert(fc.property(fc.array(question, { minLength: 1, maxLength: 40 }), (qs) => {
      for (const q of qs) expect(named(TABLES[q.table], q.code, q.grease, q.digits)).toEqual(expected(TABLES[q.table], q.code, q.grease, q.digits));
    }), { numRuns: 300 });
  });

  it('hands out the same object for the same question, and a different one when the rule or the width differ', () => {
    const a = named(GROUPS, 29, 'grease16');
    expect(named(GROUPS, 29, 'grease16')).toBe(a);
    expect(a).toEqual({ code: 29, name: 'x25519' });
    const g16 = named(GROUPS, 0x0a0a, 'grease16');
    const none = named(GROUPS, 0x0a0a, 'none');
    expect([g16.name, none.name]).toEqual(['GREASE', 'unknown (0x0a0a)']);
    expect(named(CONTENT_TYPES, 99, 'none', 2).name).toBe('unknown (0x63)');
    expect(named(CONTENT_TYPES, 99, 'none', 4).name).toBe('unknown (0x0063)');
  });

  it('keeps at most a bounded number per table; beyond it answers stay correct', () => {
    const codes = Array.from({ length: 10_000 }, (_, i) => 0x10000 + i * 7);
    for (const c of codes) named(SIGNATURE_SCHEMES, c, 'none', 6);
    const again = codes.map((c) => named(SIGNATURE_SCHEMES, c, 'none', 6));
    expect(again.map((n) => n.name)).toEqual(codes.map((c) => `unknown (0x${c.toString(16).padStart(6, '0')})`));
    // The first ones were kept and are handed out again; the last ones were made afresh each time.
    expect(named(SIGNATURE_SCHEMES, codes[0], 'none', 6)).toBe(again[0]);
    expect(named(SIGNATURE_SCHEMES, codes[codes.length - 1], 'none', 6)).not.toBe(again[again.length - 1]);
  });
});
