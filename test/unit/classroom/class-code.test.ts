// Class codes: generated (two words and a number), checked when given, compared canonically in constant time.
import fc from 'fast-check';
import { canonicalCode, checkClassCode, classCodeMatches, CLASS_CODE_MAX, generateClassCode } from '../../../src/classroom/class-code';
import { CODE_WORDS } from '../../../src/classroom/code-words';

describe('code words', () => {
  it('are 256 distinct lower-case words of 3–7 letters', () => {
    expect(CODE_WORDS).toHaveLength(256);
    expect(new Set(CODE_WORDS).size).toBe(256);
    for (const w of CODE_WORDS) expect(w).toMatch(/^[a-z]{3,7}$/);
  });
  it('have no word that is another word plus letters at the end (no “pea” beside “peanut” to mishear)', () => {
    const prefixed = CODE_WORDS.filter((w) => CODE_WORDS.some((o) => o !== w && o.startsWith(w)));
    expect(prefixed).toEqual([]);
  });
});

describe('generateClassCode', () => {
  it('is word-word-NN and passes its own check', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateClassCode();
      expect(code).toMatch(/^[a-z]{3,7}-[a-z]{3,7}-[1-9][0-9]$/);
      expect(checkClassCode(code)).toEqual({ ok: true, code });
    }
  });
  it('draws from all the words and numbers (injected randomness)', () => {
    expect(generateClassCode(() => 0)).toBe(`${CODE_WORDS[0]}-${CODE_WORDS[0]}-10`);
    expect(generateClassCode((max) => max - 1)).toBe(`${CODE_WORDS[255]}-${CODE_WORDS[255]}-99`);
  });
});

describe('checkClassCode', () => {
  it.each(['maple-rocket-47', 'ABCDEF', 'a.b.c.d.e.f', 'x_1_2_3_4_5', 'z'.repeat(CLASS_CODE_MAX)])('accepts %j', (code) => expect(checkClassCode(code).ok).toBe(true));

  it.each([
    ['', 'too-short'],
    ['abc-de', 'too-short'],
    ['a-b-c-d-e', 'too-short'],
    ['z'.repeat(CLASS_CODE_MAX + 1), 'too-long'],
    ['maple rocket 47', 'bad-character'],
    ['code:1234', 'bad-character'],
    ['pässwort', 'bad-character'],
    ['abc@defg', 'bad-character'],
  ])('refuses %j (%s) with a message naming the option', (code, error) => {
    const r = checkClassCode(code);
    expect(r).toMatchObject({ ok: false, error });
    if (!r.ok) expect(r.message).toMatch(/^--class-code /);
  });

  it('says where the bad character is', () => {
    expect(checkClassCode('abc def')).toMatchObject({ message: expect.stringContaining('" " at position 4') });
  });
});

describe('classCodeMatches', () => {
  it.each(['maple-rocket-47', 'Maple Rocket 47', 'MAPLEROCKET47', ' maple_rocket.47 ', 'ｍａｐｌｅ-rocket-47'])('%j matches maple-rocket-47', (typed) =>
    expect(classCodeMatches(typed, 'maple-rocket-47')).toBe(true),
  );
  it.each(['maple-rocket-48', 'maple-rocket', '', 'maple-rocket-47x', 'maple-racket-47'])('%j does not match', (typed) =>
    expect(classCodeMatches(typed, 'maple-rocket-47')).toBe(false),
  );
  it('matches nothing when the code itself is unusable', () => {
    expect(classCodeMatches('', '')).toBe(false);
    expect(classCodeMatches('--', '  ')).toBe(false);
  });
  it('agrees with comparing canonical forms, for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('maple-rocket-47', 'ABCDEF-12'), (typed, code) => {
        expect(classCodeMatches(typed, code)).toBe(canonicalCode(typed) === canonicalCode(code));
      }),
    );
  });
});
