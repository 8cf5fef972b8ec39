// The lesson evaluator runs in the dashboard too, compiled as ES modules: its relative imports carry the `.js` suffix.
// What it may import (its siblings and src/events, no Node module), and that only load.ts reads files, are rules of
// .dependency-cruiser.cjs, checked by test/unit/layers.test.ts.
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.join(__dirname, '..', '..', '..', 'src', 'lessons');
const PURE = ['schema.ts', 'view.ts', 'facts.ts', 'conditions.ts', 'grade.ts', 'normalize.ts', 'replay.ts'];

const importsOf = (file: string): string[] =>
  [...fs.readFileSync(path.join(DIR, file), 'utf8').matchAll(/(?:from\s+|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);

it.each(PURE)('%s imports its siblings and src/events with a .js suffix', (file) => {
  expect(importsOf(file).filter((m) => m.startsWith('.') && !m.endsWith('.js'))).toEqual([]);
});
