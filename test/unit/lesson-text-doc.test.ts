// docs/lesson-text.md is the code's text tables, rendered: regenerate it with `npm run build && node
// scripts/gen-lesson-text.js` when a sentence changes. It also keeps words a student cannot know out of all of them.
import fs from 'node:fs';
import path from 'node:path';
import { lessonTextMarkdown } from '../../src/commands/lesson-text';
import { LESSON_NOTES } from '../../src/tls/lesson';
import { FINDING_CODES } from '../../src/x509/findings';
import { FINDING_TEXT } from '../../src/x509/finding-text';

const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'lesson-text.md'), 'utf8');

describe('docs/lesson-text.md', () => {
  it('is the tables as they are now (run `npm run build && node scripts/gen-lesson-text.js` after changing one)', () => {
    expect(doc).toBe(lessonTextMarkdown());
  });

  it('holds every lesson note and a sentence for every finding code', () => {
    for (const note of Object.values(LESSON_NOTES)) expect(doc).toContain(note.replace(/\|/g, '\\|'));
    const texts: Readonly<Record<string, string>> = FINDING_TEXT;
    expect(Object.keys(FINDING_CODES).filter((code) => texts[code] === undefined)).toEqual([]);
  });

  it('names the eight-step story in the words a student sees, no private word', () => {
    expect(doc).not.toMatch(/\bseed\b|\bseed's\b/i);
    expect(doc).not.toMatch(/DESIGN\.md|SEED\.md|\.\.\/shared|issue #?\d/i);
  });
});
