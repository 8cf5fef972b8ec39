// docs/lab-handbook.md and the reference tables of docs/lessons.md are generated from the lessons and the code's
// tables; they must be current. Regenerate with: npm run build && node scripts/gen-lesson-docs.js
// The complete example in docs/lessons.md must be a valid lesson.
import fs from 'node:fs';
import path from 'node:path';
import { loadLessons, parseLesson } from '../../../src/lessons';
import { fillGenerated, labHandbook, lessonReference } from '../../../src/lessons/handbook';

const DOCS = path.join(__dirname, '..', '..', '..', 'docs');
const read = (f: string): string => fs.readFileSync(path.join(DOCS, f), 'utf8');
const REGENERATE = 'stale: run `npm run build && node scripts/gen-lesson-docs.js`';

it(`docs/lab-handbook.md is generated from lessons/ (${REGENERATE})`, () => {
  const { lessons } = loadLessons();
  const handbook = read('lab-handbook.md');
  expect(handbook === labHandbook(lessons) ? 'current' : REGENERATE).toBe('current');
  // A page per lesson, every question on it, then the key.
  expect(handbook.split('page-break-after').length - 1).toBe(lessons.length + 1);
  for (const l of lessons) for (const t of l.tasks) for (const q of t.questions) expect(handbook).toContain(q.ask);
  expect(handbook).toContain("## Instructor's key");
});

it(`docs/lessons.md's reference blocks are generated from the code (${REGENERATE})`, () => {
  const text = read('lessons.md');
  expect(text === fillGenerated(text, lessonReference()) ? 'current' : REGENERATE).toBe('current');
  expect(text).toContain('| `failing-step` |');
});

it('the complete example in docs/lessons.md is a valid lesson using both kinds of question', () => {
  const text = read('lessons.md');
  const example = /## A complete example[\s\S]*?```markdown\n([\s\S]*?)\n```/.exec(text)?.[1];
  expect(example).toBeDefined();
  const r = parseLesson(example as string, 'docs/lessons.md example');
  expect(r.ok ? 'valid' : JSON.stringify(r.errors)).toBe('valid');
  if (!r.ok) return;
  expect(r.lesson.tasks[0]?.questions.map((q) => q.kind)).toEqual(['fact', 'fact', 'fact', 'choice']);
  expect(r.lesson.tlslab.upstreamFailure).toEqual(['block']);
});
