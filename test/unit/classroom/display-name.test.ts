// Display names: NFKC, invisible code points out, white space collapsed, cut at NAME_MAX on a grapheme
// boundary; student ids stable and case-insensitive.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { NAME_MAX, normalizeDisplayName, studentId } from '../../../src/classroom/display-name';

const name = (typed: string): string | null => {
  const r = normalizeDisplayName(typed);
  return r.ok ? r.name : null;
};

describe('normalizeDisplayName', () => {
  it.each([
    ['Ada Lovelace', 'Ada Lovelace'],
    ['  Ada   Lovelace  ', 'Ada Lovelace'],
    ['Ada\tLovelace\n', 'Ada Lovelace'],
    ['Ada\u00a0Lovelace', 'Ada Lovelace'], // no-break space
    ['Ada\u3000Lovelace', 'Ada Lovelace'], // ideographic space
    ['Ada\u2028Lovelace', 'Ada Lovelace'], // line separator
    ['Ａｄａ', 'Ada'], // full-width letters (NFKC)
    ['𝐀𝐝𝐚', 'Ada'], // mathematical bold (NFKC)
    ['ﬁona', 'fiona'], // ligature (NFKC)
    ['Zoe\u0308', 'Zoë'], // combining diaeresis composes (NFC within NFKC)
    ['Ada\u200bLovelace', 'AdaLovelace'], // zero-width space (Cf)
    ['Ada\u200d', 'Ada'], // zero-width joiner
    ['\u202eecilA', 'ecilA'], // right-to-left override (Cf) removed: the name shows as typed, not reversed
    ['A\u2066d\u2069a', 'Ada'], // bidi isolates
    ['\ufeffAda', 'Ada'], // BOM
    ['Ad\u00ada', 'Ada'], // soft hyphen
    ['Ada\u0000\u0007\u001b[31m', 'Ada[31m'], // controls (the escape sequence loses its ESC)
    ['Ada\ue000', 'Ada'], // private use
    ['\u3164Ada', 'Ada'], // Hangul filler
    ['李小龙', '李小龙'],
    ['محمد', 'محمد'],
  ])('%j → %j', (typed, want) => {
    expect(name(typed)).toBe(want);
  });

  it('takes emoji joiners out too (a format character: "A\u200dda" must not pass for "Ada"), leaving the emoji', () => {
    expect(name('👩🏽‍💻 Ada')).toBe('👩🏽💻 Ada');
  });

  it.each(['', '   ', '\u200b\u200b', '\u202e', '\u0000\t\n', '\u3164\u3164', '\u0301\u0301', '\ufeff \u2066'])('refuses %j: nothing visible is left', (typed) => {
    expect(normalizeDisplayName(typed)).toEqual({ ok: false, error: 'empty' });
  });

  it(`cuts at ${NAME_MAX} code points without splitting a letter from its accents`, () => {
    expect(name('x'.repeat(100))).toBe('x'.repeat(NAME_MAX));
    const accented = 'e\u0301'.repeat(20); // NFKC composes each to é (one code point)
    expect(name(accented)).toBe('é'.repeat(20));
    const stacked = `${'a'.repeat(NAME_MAX - 2)}q\u0301\u0302\u0303`; // q with three marks does not compose: 4 code points
    expect(name(stacked)).toBe('a'.repeat(NAME_MAX - 2));
    expect(name(`${'a'.repeat(NAME_MAX - 1)} b`)).toBe('a'.repeat(NAME_MAX - 1)); // no trailing space after the cut
  });

  it('properties: never throws, idempotent, bounded, free of controls and format characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (typed) => {
        const r = normalizeDisplayName(typed);
        if (!r.ok) return;
        expect([...r.name].length).toBeLessThanOrEqual(NAME_MAX);
        expect(r.name).not.toMatch(/\p{C}/u);
        expect(r.name).toBe(r.name.trim());
        expect(r.name).not.toMatch(/\s{2}/u);
        expect(normalizeDisplayName(r.name)).toEqual(r);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('studentId', () => {
  it('is the same for names that differ only in case (Unicode too)', () => {
    expect(studentId('Ada')).toBe(studentId('ADA'));
    expect(studentId('ada lovelace')).toBe(studentId('Ada Lovelace'));
    expect(studentId('Straße')).toBe(studentId('STRASSE'));
    expect(studentId('ΟΔΥΣΣΕΥΣ')).toBe(studentId('οδυσσευς'));
  });
  it('differs for different names, and is opaque and stable', () => {
    expect(studentId('Ada')).not.toBe(studentId('Ada L'));
    expect(studentId('Ada')).toMatch(/^s-[0-9a-f]{16}$/);
    expect(studentId('Ada')).toBe('s-' + createHash('sha256').update('tlslab-student\u0000ada').digest('hex').slice(0, 16));
  });
  it('comes with the normalized name', () => {
    const r = normalizeDisplayName(' Ａｄａ ');
    expect(r).toEqual({ ok: true, name: 'Ada', id: studentId('Ada') });
  });
});
