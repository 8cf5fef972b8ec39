// The lesson evaluator runs in the dashboard too: its files import no Node module and nothing above src/events, and
// only load.ts touches the file system.
import fs from 'node:fs';
import path from 'node:path';

const DIR = path.join(__dirname, '..', '..', '..', 'src', 'lessons');
const PURE = ['schema.ts', 'view.ts', 'facts.ts', 'conditions.ts', 'grade.ts', 'normalize.ts', 'replay.ts'];

const importsOf = (file: string): string[] =>
  [...fs.readFileSync(path.join(DIR, file), 'utf8').matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)].map((m) => m[1]);

it.each(PURE)('%s imports only ./*.js siblings and ../events/*.js', (file) => {
  const bad = importsOf(file).filter((m) => !/^\.\/[a-z-]+\.js$/.test(m) && !/^\.\.\/events\/[a-z-]+\.js$/.test(m));
  expect(bad).toEqual([]);
  for (const m of importsOf(file).filter((x) => x.startsWith('./'))) expect(PURE).toContain(m.slice(2).replace(/\.js$/, '.ts'));
});

it('only load.ts reads files', () => {
  const withFs = fs.readdirSync(DIR).filter((f) => f.endsWith('.ts') && importsOf(f).some((m) => /^(node:)?fs/.test(m)));
  expect(withFs).toEqual(['load.ts']);
});
