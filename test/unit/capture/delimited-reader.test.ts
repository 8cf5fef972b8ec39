// DelimitedReader: a delimiter found across any split, values bounded by the limit, held bytes never re-copied.
import fc from 'fast-check';
import { DelimitedReader } from '../../../src/capture/delimited-reader';

/** Every value before each delimiter in `text` (what a reader must return), and what it must still hold. */
function expected(text: string, delim: string): { values: string[]; rest: string } {
  const parts = text.split(delim);
  return { values: parts.slice(0, -1), rest: parts.at(-1) as string };
}

function readAll(pieces: string[], delim: string, limit: number): { values: string[]; tooLong: boolean; held: number } {
  const r = new DelimitedReader(Buffer.from(delim));
  const values: string[] = [];
  for (const p of pieces) {
    let data: Buffer = Buffer.from(p, 'latin1');
    for (;;) {
      const out = r.feed(data, limit);
      if (out.kind === 'too-long') return { values, tooLong: true, held: r.held };
      if (out.kind === 'more') break;
      values.push(out.value.toString('latin1'));
      data = out.rest;
    }
  }
  return { values, tooLong: false, held: r.held };
}

describe('DelimitedReader', () => {
  it.each(['\r\n', '\r\n\r\n'])('finds %j wherever the pieces are cut', (delim) => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', '\r', '\n', 'b'), { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 8 }), (chars, cuts) => {
        const text = chars.join('');
        const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const pieces = [0, ...at].map((from, i) => text.slice(from, [...at, text.length][i]));
        const want = expected(text, delim);
        const got = readAll(pieces, delim, 1000);
        expect(got.values).toEqual(want.values);
        expect(got.held).toBe(want.rest.length);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a value past the limit, whether the delimiter comes later or never', () => {
    expect(readAll(['a'.repeat(10), '\r\n'], '\r\n', 10)).toEqual({ values: ['a'.repeat(10)], tooLong: false, held: 0 });
    expect(readAll(['a'.repeat(11), '\r\n'], '\r\n', 10)).toMatchObject({ values: [], tooLong: true, held: 0 });
    // held bytes may end with the delimiter's first byte, so the limit bites one byte later here
    expect(readAll([...'a'.repeat(11)], '\r\n', 10)).toMatchObject({ tooLong: false, held: 11 });
    expect(readAll([...'a'.repeat(12)], '\r\n', 10)).toMatchObject({ tooLong: true, held: 0 });
    // a delimiter straddling two pieces after exactly `limit` bytes is still found
    expect(readAll(['a'.repeat(10) + '\r', '\n'], '\r\n', 10)).toEqual({ values: ['a'.repeat(10)], tooLong: false, held: 0 });
  });

  it('holds a 64 KiB line fed one byte at a time in a buffer that grows by doubling', () => {
    const r = new DelimitedReader(Buffer.from('\r\n\r\n'));
    const one = Buffer.from('x');
    let more = 0;
    for (let i = 0; i < 64 * 1024; i++) if (r.feed(one, 64 * 1024).kind === 'more') more++;
    expect(more).toBe(64 * 1024);
    expect(r.held).toBe(64 * 1024);
    const out = r.feed(Buffer.from('\r\n\r\nrest'), 64 * 1024);
    expect(out.kind === 'found' && out.value.length).toBe(64 * 1024);
    expect(out.kind === 'found' && out.rest.toString()).toBe('rest');
  });
});
