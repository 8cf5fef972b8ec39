// The one error table (src/errors.ts): docs/errors.md is exactly what scripts/gen-errors-doc.js makes of it, every code
// has the stable form and a sentence, and no code is defined that tlslab never reports.
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_SECTIONS } from '../../src/errors';

const REPO = path.join(__dirname, '..', '..');
const doc = fs.readFileSync(path.join(REPO, 'docs', 'errors.md'), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the generator is a plain CommonJS script
const { render } = require('../../scripts/gen-errors-doc.js') as { render: (sections: typeof ERROR_SECTIONS) => string };

const codes = Object.values(ERROR_SECTIONS).flatMap((s) => Object.entries(s) as [string, string][]);

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? filesUnder(p) : /\.ts$/.test(d.name) ? [p] : [];
  });
}

describe('the error table', () => {
  it('is what docs/errors.md shows (to regenerate: npm run build && node scripts/gen-errors-doc.js)', () => {
    expect(doc).toBe(render(ERROR_SECTIONS));
  });

  it('has stable codes, each once, each with a sentence', () => {
    expect(codes.length).toBeGreaterThan(50);
    expect(codes.filter(([c]) => !/^TLSLAB_ERR_[A-Z0-9]+(_[A-Z0-9]+)*$/.test(c))).toEqual([]);
    expect(codes.filter(([, m]) => !/^[A-Z`].{10,}[^.]$/s.test(m)).map(([c]) => c)).toEqual([]);
    expect(new Set(codes.map(([c]) => c)).size).toBe(codes.length);
  });

  it('defines no code that src/ never uses', () => {
    const table = path.join(REPO, 'src', 'errors.ts');
    const sources = filesUnder(path.join(REPO, 'src')).filter((f) => f !== table).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    expect(codes.map(([c]) => c).filter((c) => !new RegExp(`\\b${c}\\b`).test(sources))).toEqual([]);
  });
});
